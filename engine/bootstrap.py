"""First start: the first admin and the rule sets."""

from __future__ import annotations

import logging
import os
import secrets
import sys

from redis.asyncio import Redis

from livechat.engine.state import users

log = logging.getLogger("livechat")

GENERATED_PASSWORD_BYTES = 12


async def ensure_admin(redis: Redis) -> None:
    """With no users at all, create the admin from the environment, or generate one and say so once."""
    if await users.count(redis) > 0:
        return
    username = os.environ.get("LIVECHAT_ADMIN_USER") or "admin"
    password = os.environ.get("LIVECHAT_ADMIN_PASSWORD") or ""
    generated = not password
    if generated:
        password = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    try:
        await users.create(redis, username, password, name="Administrator",
                           roles=["admin", "livechat-manager", "livechat-agent"])
    except users.UserError:
        return  # another process created it first
    if generated:
        # printed, never logged: log files outlive the terminal
        print(f"\n  First admin created: user {username!r}, password {password!r}\n"
              "  (shown once; set LIVECHAT_ADMIN_USER/LIVECHAT_ADMIN_PASSWORD to choose)\n", file=sys.stderr)
    else:
        log.info("first admin %r created from LIVECHAT_ADMIN_USER", username)
