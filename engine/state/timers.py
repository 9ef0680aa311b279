"""Named timers: Redis holds each live timer's ticket; the job that fires must present it."""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from livechat.engine.state import lua

# a fired or cancelled ticket is gone; its key lives a little past the delay, then expires
TICKET_MARGIN_S = 3600

async def arm(redis: Redis, key: str, seconds: float) -> str:
    """Start (or restart) a timer; an earlier ticket for the same key stops counting."""
    ticket = uuid.uuid4().hex
    await redis.set(key, ticket, ex=int(seconds) + TICKET_MARGIN_S)
    return ticket


async def cancel(redis: Redis, key: str) -> None:
    await redis.delete(key)


async def claim(redis: Redis, key: str, ticket: str) -> bool:
    """True exactly once, for the live ticket."""
    return await lua.compare_and_delete(redis, key, ticket)
