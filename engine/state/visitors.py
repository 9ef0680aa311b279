"""Visitors: identified only by the token their browser keeps."""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.jsonutil import iso, new_id, now_ms

PLAIN_FIELDS = ("name", "email", "phone", "department", "ip", "userAgent")


def decode(raw: dict[bytes, bytes]) -> dict[str, Any]:
    d = {k.decode(): v.decode() for k, v in raw.items()}
    return {
        "_id": d["_id"], "token": d["token"], "username": d.get("username", ""),
        "name": d.get("name", ""), "email": d.get("email", ""), "phone": d.get("phone", ""),
        "department": d.get("department", ""), "ip": d.get("ip", ""), "userAgent": d.get("userAgent", ""),
        "livechatData": json.loads(d.get("livechatData", "{}")),
        "ts": iso(d.get("ts")), "firstSeen": int(d.get("firstSeen", d.get("ts", "0"))),
    }


def public(visitor: dict[str, Any]) -> dict[str, Any]:
    """The Rocket.Chat visitor shape."""
    out: dict[str, Any] = {
        "_id": visitor["_id"], "token": visitor["token"], "username": visitor["username"],
        "name": visitor["name"], "department": visitor["department"] or None,
        "livechatData": visitor["livechatData"], "ts": visitor["ts"],
    }
    if visitor["email"]:
        out["visitorEmails"] = [{"address": visitor["email"]}]
    if visitor["phone"]:
        out["phone"] = [{"phoneNumber": visitor["phone"]}]
    return out


async def get(redis: Redis, token: str) -> dict[str, Any] | None:
    raw = await redis.hgetall(keys.visitor(token))
    return decode(raw) if raw else None


async def register(redis: Redis, token: str, values: dict[str, Any],
                   custom_fields: dict[str, str] | None = None) -> tuple[dict[str, Any], bool]:
    """Create or update the visitor for `token`; returns (visitor, created)."""
    key = keys.visitor(token)
    existing = await redis.hgetall(key)
    mapping: dict[str, Any] = {k: str(v) for k, v in values.items() if k in PLAIN_FIELDS and v is not None}
    created = not existing
    if created:
        number = await redis.hincrby(keys.COUNTERS, "guest", 1)
        ts = now_ms()
        mapping.update({"_id": new_id(), "token": token, "username": f"guest-{number}", "ts": ts,
                        "firstSeen": ts})
    if custom_fields is not None:
        current = json.loads(existing.get(b"livechatData", b"{}")) if existing else {}
        current.update(custom_fields)
        mapping["livechatData"] = json.dumps(current)
    if mapping:
        await redis.hset(key, mapping=mapping)
    visitor = await get(redis, token)
    assert visitor is not None
    return visitor, created


async def touch_first_seen(redis: Redis, token: str) -> int:
    """When the visitor first reached the site (time on site counts from here)."""
    await redis.hsetnx(keys.visitor(token), "firstSeen", now_ms())
    raw = await redis.hget(keys.visitor(token), "firstSeen")
    return int(raw or 0)


async def delete(redis: Redis, token: str) -> bool:
    pipe = redis.pipeline(transaction=False)
    pipe.delete(keys.visitor(token))
    pipe.delete(keys.visitor_frames(token))
    pipe.delete(keys.visitor_seq(token))
    pipe.delete(keys.visitor_pages(token))
    pipe.delete(keys.visitor_open_room(token))
    pipe.delete(keys.visitor_pending_messages(token))
    pipe.delete(keys.fired_once("per_visitor", token))
    return bool((await pipe.execute())[0])


async def room_ids(redis: Redis, token: str) -> list[str]:
    """The visitor's rooms, newest first."""
    return [r.decode() for r in await redis.zrevrange(keys.visitor_rooms(token), 0, -1)]
