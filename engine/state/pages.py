"""The pages a visitor viewed, newest first, for the agent console."""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.jsonutil import iso, now_ms
from livechat.engine.state.lua import Lua

PAGES_KEPT = 50  # the console shows the recent trail, not the whole visit
PAGES_TTL_S = 30 * 24 * 3600  # Rocket.Chat forgets a visitor's page history after 30 days

# Keeps the page and counts it on the visitor (only a visitor that exists: no half-made hash).
# KEYS: pages list, visitor hash; ARGV: page JSON, pages kept, TTL
_RECORD = Lua("""
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return redis.call('HINCRBY', KEYS[2], 'pagesViewed', 1)
""")


async def record(redis: Redis, token: str, title: str, url: str, change: str) -> dict[str, Any]:
    """Keep one page view; returns it as Rocket.Chat's navigation message shows it."""
    page = {"msg": f"{title} - {url}" if title else url, "ts": iso(now_ms()),
            "navigation": {"page": {"title": title, "change": change, "location": {"href": url}},
                           "token": token}}
    await _RECORD(redis, [keys.visitor_pages(token), keys.visitor(token)],
                  [json.dumps(page), PAGES_KEPT, PAGES_TTL_S])
    return page


async def recent(redis: Redis, token: str) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in await redis.lrange(keys.visitor_pages(token), 0, -1)]
