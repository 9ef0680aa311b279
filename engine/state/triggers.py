"""Managers' triggers, stored as the Rocket.Chat documents they were written as.

engine/rules/triggers.py compiles them into the `triggers` rule set; this module only keeps them.
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.jsonutil import ID_LENGTH

# Trigger messages shown before a chat exists, kept to open its history: the latest few, for a while.
PENDING_KEPT = 20
PENDING_TTL_S = 30 * 24 * 3600

# Lower case only: a trigger id becomes part of rule and timer names, which are lower case.
_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_trigger_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(ID_LENGTH))


def normalise(doc: dict[str, Any], trigger_id: str) -> dict[str, Any]:
    """A validated document with every field present, in Rocket.Chat's order."""
    return {
        "_id": trigger_id, "name": doc["name"], "description": doc.get("description", ""),
        "enabled": doc.get("enabled", True), "runOnce": doc.get("runOnce", False),
        "conditions": doc["conditions"], "actions": doc["actions"],
    }


async def list_all(redis: Redis) -> list[dict[str, Any]]:
    found = [json.loads(raw) for raw in (await redis.hgetall(keys.TRIGGERS)).values()]
    return sorted(found, key=lambda t: (t["name"].lower(), t["_id"]))


async def get(redis: Redis, trigger_id: str) -> dict[str, Any] | None:
    raw = await redis.hget(keys.TRIGGERS, trigger_id)
    return json.loads(raw) if raw else None


async def save(redis: Redis, trigger: dict[str, Any]) -> None:
    await redis.hset(keys.TRIGGERS, trigger["_id"], json.dumps(trigger))


async def delete(redis: Redis, trigger_id: str) -> bool:
    return bool(await redis.hdel(keys.TRIGGERS, trigger_id))


async def public(redis: Redis) -> list[dict[str, Any]]:
    """What `config.triggers` lists: the enabled triggers, as Rocket.Chat's widget receives them.
    The server runs them; the widget only shows the messages they send."""
    return [{"_id": t["_id"], "name": t["name"], "runOnce": t["runOnce"], "conditions": t["conditions"],
             "actions": t["actions"]}
            for t in await list_all(redis) if t["enabled"]]


async def keep_pending(redis: Redis, token: str, message: dict[str, Any]) -> None:
    """A trigger message shown to a visitor without a chat; it will open their next chat."""
    key = keys.visitor_pending_messages(token)
    pipe = redis.pipeline(transaction=True)
    pipe.rpush(key, json.dumps(message, separators=(",", ":")))
    pipe.ltrim(key, -PENDING_KEPT, -1)
    pipe.expire(key, PENDING_TTL_S)
    await pipe.execute()


async def take_pending(redis: Redis, token: str) -> list[dict[str, Any]]:
    """The visitor's pending trigger messages, oldest first, removed in the same step."""
    key = keys.visitor_pending_messages(token)
    pipe = redis.pipeline(transaction=True)
    pipe.lrange(key, 0, -1)
    pipe.delete(key)
    raw, _ = await pipe.execute()
    return [json.loads(m) for m in raw]
