"""Departments: a name, visibility switches and the agents who serve it."""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.jsonutil import new_id, now_ms

FIELDS: dict[str, Any] = {
    "name": "",
    "enabled": True,
    "description": "",
    "showOnRegistration": True,
    "showOnOfflineForm": True,
    "email": "",
    "requestTagBeforeClosingChat": False,
    # its agents must write a closing comment (beside the global Livechat_request_comment_... setting)
    "requestCommentBeforeClosingChat": False,
    "chatClosingTags": [],
    # 0 = use the global Livechat_max_chats_per_agent
    "maxNumberSimultaneousChat": 0,
}


def decode(department_id: str, raw: dict[bytes, bytes]) -> dict[str, Any]:
    data = {k.decode(): json.loads(v) for k, v in raw.items()}
    return {"_id": department_id, **FIELDS, **data}


async def save(redis: Redis, values: dict[str, Any], department_id: str | None = None) -> dict[str, Any]:
    """Create (no id) or update a department with validated `values`."""
    department_id = department_id or new_id()
    mapping = {k: json.dumps(v) for k, v in values.items() if k in FIELDS}
    mapping.setdefault("_updatedAt", json.dumps(now_ms()))
    pipe = redis.pipeline(transaction=False)
    pipe.hset(keys.department(department_id), mapping=mapping)
    pipe.sadd(keys.DEPARTMENTS, department_id)
    await pipe.execute()
    found = await get(redis, department_id)
    assert found is not None
    return found


async def get(redis: Redis, department_id: str) -> dict[str, Any] | None:
    raw = await redis.hgetall(keys.department(department_id))
    return decode(department_id, raw) if raw else None


async def list_all(redis: Redis) -> list[dict[str, Any]]:
    ids = sorted(m.decode() for m in await redis.smembers(keys.DEPARTMENTS))
    pipe = redis.pipeline(transaction=False)
    for department_id in ids:
        pipe.hgetall(keys.department(department_id))
    raws = await pipe.execute() if ids else []
    found = [decode(i, raw) for i, raw in zip(ids, raws, strict=True) if raw]
    return sorted(found, key=lambda d: d["name"].lower())


async def find(redis: Redis, id_or_name: str) -> dict[str, Any] | None:
    """By id, or by name as the widget's `setDepartment(idOrName)` allows."""
    found = await get(redis, id_or_name)
    if found:
        return found
    for department in await list_all(redis):
        if department["name"] == id_or_name:
            return department
    return None


async def delete(redis: Redis, department_id: str) -> bool:
    agent_ids = [a.decode() for a in await redis.smembers(keys.department_agents(department_id))]
    pipe = redis.pipeline(transaction=False)
    pipe.delete(keys.department(department_id))
    pipe.srem(keys.DEPARTMENTS, department_id)
    pipe.delete(keys.department_agents(department_id))
    for agent_id in agent_ids:
        pipe.srem(keys.agent_departments(agent_id), department_id)
    results = await pipe.execute()
    return bool(results[0])


async def agent_ids(redis: Redis, department_id: str) -> list[str]:
    return sorted(m.decode() for m in await redis.smembers(keys.department_agents(department_id)))


async def set_agents(redis: Redis, department_id: str, add: list[str], remove: list[str]) -> None:
    pipe = redis.pipeline(transaction=False)
    for agent_id in add:
        pipe.sadd(keys.department_agents(department_id), agent_id)
        pipe.sadd(keys.agent_departments(agent_id), department_id)
    for agent_id in remove:
        pipe.srem(keys.department_agents(department_id), agent_id)
        pipe.srem(keys.agent_departments(agent_id), department_id)
    await pipe.execute()


async def of_agent(redis: Redis, agent_id: str) -> list[str]:
    return sorted(m.decode() for m in await redis.smembers(keys.agent_departments(agent_id)))
