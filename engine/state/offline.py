"""Offline messages: what a visitor left while nobody was online."""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.jsonutil import iso, new_id, now_ms


async def save(redis: Redis, name: str, email: str, message: str, department: str, host: str,
               ip: str) -> dict[str, Any]:
    ms, message_id = now_ms(), new_id()
    record = {"_id": message_id, "name": name, "email": email, "message": message,
              "department": department or None, "host": host or None, "ip": ip, "ts": iso(ms)}
    pipe = redis.pipeline(transaction=False)
    pipe.set(keys.offline_message(message_id), json.dumps(record))
    pipe.zadd(keys.OFFLINE_MESSAGES, {message_id: ms})
    await pipe.execute()
    return record


def decode(raw: bytes) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(raw)
    return found


async def get(redis: Redis, message_id: str) -> dict[str, Any] | None:
    raw = await redis.get(keys.offline_message(message_id))
    return decode(raw) if raw else None


async def page(redis: Redis, offset: int, count: int) -> tuple[list[dict[str, Any]], int]:
    """Newest first."""
    total = int(await redis.zcard(keys.OFFLINE_MESSAGES))
    ids = [i.decode() for i in await redis.zrevrange(keys.OFFLINE_MESSAGES, offset, offset + count - 1)]
    raws = await redis.mget([keys.offline_message(i) for i in ids]) if ids else []
    return [decode(r) for r in raws if r], total
