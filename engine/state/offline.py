"""Offline messages: what a visitor left while nobody was online."""

from __future__ import annotations

import json
from typing import Any

from livechat.engine import keys
from livechat.engine.jsonutil import iso, new_id, now_ms
from redis.asyncio import Redis


async def save(redis: Redis, name: str, email: str, message: str, department: str, host: str,
               ip: str) -> dict[str, Any]:
    ms = now_ms()
    record = {"_id": new_id(), "name": name, "email": email, "message": message,
              "department": department or None, "host": host or None, "ip": ip, "ts": iso(ms)}
    pipe = redis.pipeline()
    pipe.set(keys.offline_message(record["_id"]), json.dumps(record))
    pipe.zadd(keys.OFFLINE_MESSAGES, {record["_id"]: ms})
    await pipe.execute()
    return record


async def get(redis: Redis, message_id: str) -> dict[str, Any] | None:
    raw = await redis.get(keys.offline_message(message_id))
    return json.loads(raw) if raw else None


async def page(redis: Redis, offset: int, count: int) -> tuple[list[dict[str, Any]], int]:
    """Newest first."""
    total = int(await redis.zcard(keys.OFFLINE_MESSAGES))
    ids = [i.decode() for i in await redis.zrevrange(keys.OFFLINE_MESSAGES, offset, offset + count - 1)]
    raws = await redis.mget([keys.offline_message(i) for i in ids]) if ids else []
    return [json.loads(r) for r in raws if r], total
