"""Custom fields managers define, and the values visitors' pages give them.

A field's `_id` is its name. Values live in `livechatData`: the visitor's hash for scope
`visitor`, the visitor's open chats for scope `room` (Rocket.Chat's split).
"""

from __future__ import annotations

import json
import re
from typing import Any

from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.state import rooms, visitors
from livechat.engine.state.lua import Lua

NAME_PATTERN = re.compile(r"^[0-9a-zA-Z\-_]+$")

# Sets one key of a hash's `livechatData` JSON; with overwrite off an existing key is kept.
# ARGV: key, value, overwrite (1/0), only while the hash's `open` is '1' (1/0: rooms)
# Returns 1 set, 0 kept, -1 no such record (or a closed chat).
_SET_VALUE = Lua("""
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if ARGV[4] == '1' and redis.call('HGET', KEYS[1], 'open') ~= '1' then return -1 end
local raw = redis.call('HGET', KEYS[1], 'livechatData')
local data = {}
if raw and raw ~= '' and raw ~= '{}' then data = cjson.decode(raw) end
if ARGV[3] ~= '1' and data[ARGV[1]] ~= nil then return 0 end
data[ARGV[1]] = ARGV[2]
redis.call('HSET', KEYS[1], 'livechatData', cjson.encode(data))
return 1
""")


def from_request(data: dict[str, Any]) -> dict[str, Any]:
    """`customFieldData` of `livechat:saveCustomField` -> the stored field (without `_id`)."""
    return {
        "label": data["label"], "scope": data["scope"], "visibility": data.get("visibility", "visible"),
        "type": data.get("type", "input"), "regexp": data.get("regexp", ""),
        "required": bool(data.get("required", False)), "defaultValue": data.get("defaultValue", ""),
        "options": data.get("options", ""), "public": bool(data.get("public", False)),
    }


def as_text(value: Any) -> str:
    """Values arrive as JSON scalars and are kept as text (`true`, not `True`)."""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def options(field: dict[str, Any]) -> list[str]:
    """Rocket.Chat keeps a select's options as one comma-separated string."""
    return [o.strip() for o in str(field.get("options") or "").split(",") if o.strip()]


def value_problem(field: dict[str, Any], value: str) -> str | None:
    """Why `value` does not fit `field`, or None. The regexp has search semantics, as in JavaScript."""
    if field.get("regexp") and re.search(field["regexp"], value) is None:
        return f"Invalid value for the custom field {field['_id']!r}"
    if field.get("type") == "select" and value and value not in options(field):
        return f"{value!r} is not an option of the custom field {field['_id']!r}"
    return None


async def list_all(redis: Redis) -> list[dict[str, Any]]:
    found = [json.loads(raw) for raw in (await redis.hgetall(keys.CUSTOM_FIELDS)).values()]
    return sorted(found, key=lambda f: f["_id"])


async def get(redis: Redis, field_id: str) -> dict[str, Any] | None:
    raw = await redis.hget(keys.CUSTOM_FIELDS, field_id)
    return json.loads(raw) if raw else None


async def get_many(redis: Redis, field_ids: list[str]) -> dict[str, dict[str, Any]]:
    raws = await redis.hmget(keys.CUSTOM_FIELDS, field_ids) if field_ids else []
    return {f["_id"]: f for f in (json.loads(raw) for raw in raws if raw)}


async def save(redis: Redis, field: dict[str, Any]) -> None:
    await redis.hset(keys.CUSTOM_FIELDS, field["_id"], json.dumps(field))


async def delete(redis: Redis, field_id: str) -> bool:
    return bool(await redis.hdel(keys.CUSTOM_FIELDS, field_id))


async def public(redis: Redis) -> list[dict[str, Any]]:
    """`config.customFields`: the visible, public visitor fields the registration form shows."""
    return [
        {"_id": f["_id"], "label": f["label"], "regexp": f["regexp"], "required": f["required"],
         "type": f["type"], "defaultValue": f["defaultValue"], "options": options(f)}
        for f in await list_all(redis)
        if f["public"] and f["visibility"] == "visible" and f["scope"] == "visitor"
    ]


async def set_visitor_value(redis: Redis, token: str, key: str, value: str, overwrite: bool) -> bool:
    """True if written; False if the visitor is unknown or (overwrite off) already had a value."""
    return bool(await _SET_VALUE(redis, [keys.visitor(token)], [key, value, int(overwrite), 0]) == 1)


async def set_room_value(redis: Redis, rid: str, key: str, value: str, overwrite: bool) -> bool:
    """The same for an open chat's `livechatData`."""
    return bool(await _SET_VALUE(redis, [keys.room(rid)], [key, value, int(overwrite), 1]) == 1)


async def set_value(redis: Redis, field: dict[str, Any], token: str, value: str, overwrite: bool) -> bool:
    """Write one checked value where its scope says; False when nothing was written."""
    if field["scope"] == "visitor":
        return await set_visitor_value(redis, token, field["_id"], value, overwrite)
    written = False
    for room in await rooms.get_many(redis, await visitors.room_ids(redis, token)):
        if room["open"]:
            written = await set_room_value(redis, room["_id"], field["_id"], value, overwrite) or written
    return written


async def set_from_registration(redis: Redis, token: str, values: list[dict[str, Any]]) -> list[str]:
    """`POST livechat/visitor` customFields: only known visitor fields are written, unchecked
    (Rocket.Chat's laxer rule); returns the keys ignored."""
    known = await get_many(redis, [str(v["key"]) for v in values])
    ignored = []
    for item in values:
        field = known.get(str(item["key"]))
        if field is None or field["scope"] != "visitor":
            ignored.append(str(item["key"]))
            continue
        await set_value(redis, field, token, as_text(item["value"]), item.get("overwrite", True))
    return ignored
