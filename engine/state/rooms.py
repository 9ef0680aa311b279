"""Rooms (chats): the record, its messages, and where it stands in routing.

Status is not stored on the room: a room is `closed` once closed, otherwise `taken`
while the routing assignment exists and `queued` while it waits in the queue
(engine/state/routing.py owns those keys), so the two can never disagree.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.jsonutil import iso, new_id, now_ms, parse_iso_ms
from livechat.engine.state.frames import FRAMES_KEPT, _open
from livechat.engine.state.lua import Lua

QUEUED, TAKEN, CLOSED, NEW = "queued", "taken", "closed", "new"
HISTORY_PAGE = 200  # messages read per step when paging back through a long chat

# Numbers a message, keeps it (and its client id), and keeps and publishes its frame.
_STORE = """
local seq = redis.call('INCR', KEYS[3])
redis.call('RPUSH', KEYS[2], msg)
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], ARGV[1], msg) end
redis.call('HSET', KEYS[5], 'lastMessageAt', ARGV[5])
redis.call('HINCRBY', KEYS[5], 'msgs', 1)
redis.call('HINCRBY', KEYS[5], ARGV[7], 1)
local frame = ARGV[4] .. ',"message":' .. msg .. ',"seq":' .. seq .. '}'
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[6], seq .. '-0', 'f', frame)
redis.call('PUBLISH', ARGV[3], frame)
"""

_SEEN_OR_CLOSED = """
if ARGV[1] ~= '' then
  local prev = redis.call('HGET', KEYS[1], ARGV[1])
  if prev then return {0, prev, 0} end
end
if redis.call('HGET', KEYS[5], 'open') ~= '1' then return {-1, '', 0} end
"""

# A message from an agent or the system: stored unless its client id was seen or the room closed.
_APPEND = Lua(_SEEN_OR_CLOSED + "local msg = ARGV[2]\n" + _STORE + "return {1, msg, seq}")

# A visitor's message: ARGV[8] must be the room's visitor token; the author comes from the room,
# so the whole visitor path needs no read before it (its context reads share its round trip).
_APPEND_VISITOR = Lua("""
if redis.call('HGET', KEYS[5], 'token') ~= ARGV[8] then return {-2, '', 0} end
""" + _SEEN_OR_CLOSED + """
local v = redis.call('HMGET', KEYS[5], 'visitorId', 'visitorUsername', 'visitorName')
local msg = ARGV[2] .. ',"u":{"_id":' .. cjson.encode(v[1] or '') .. ',"username":' .. cjson.encode(v[2] or '')
  .. ',"name":' .. cjson.encode(v[3] or '') .. '}}'
""" + _STORE + """
return {1, msg, seq, redis.call('HGETALL', KEYS[5])}
""")
SCRIPTS = [_APPEND, _APPEND_VISITOR]

OUTCOMES = {1: "new", 0: "duplicate", -1: "closed", -2: "invalid-room"}


def decode(raw: dict[bytes, bytes]) -> dict[str, Any]:
    d = {k.decode(): v.decode() for k, v in raw.items()}
    return {
        "_id": d["_id"], "code": int(d.get("code", 0)), "token": d.get("token", ""),
        "visitorId": d.get("visitorId", ""), "visitorUsername": d.get("visitorUsername", ""),
        "visitorName": d.get("visitorName", ""), "department": d.get("department", ""),
        "ts": int(d.get("ts", 0)), "lastMessageAt": int(d.get("lastMessageAt", d.get("ts", 0))),
        "msgs": int(d.get("msgs", 0)), "visitorMsgs": int(d.get("visitorMsgs", 0)),
        "agentMsgs": int(d.get("agentMsgs", 0)), "open": d.get("open") == "1",
        "closedAt": int(d["closedAt"]) if d.get("closedAt") else None, "closer": d.get("closer", ""),
        "closedBy": d.get("closedBy", ""), "comment": d.get("comment", ""),
        "tags": json.loads(d.get("tags", "[]")), "livechatData": json.loads(d.get("livechatData", "{}")),
        "label": d.get("label", ""), "topic": d.get("topic", ""),
        # kept on the room only once closed; while open the routing assignment says who serves it
        "servedBy": d.get("servedBy") or None, "status": NEW,
    }


async def create(redis: Redis, visitor: dict[str, Any], department: str, rid: str | None = None) -> dict[str, Any]:
    rid = rid or new_id()
    code = await redis.hincrby(keys.COUNTERS, "room_code", 1)
    ts = now_ms()
    pipe = redis.pipeline(transaction=False)
    pipe.hset(keys.room(rid), mapping={
        "_id": rid, "code": code, "token": visitor["token"], "visitorId": visitor["_id"],
        "visitorUsername": visitor["username"], "visitorName": visitor["name"],
        "department": department, "ts": ts, "lastMessageAt": ts, "open": "1", "msgs": 0,
    })
    pipe.zadd(keys.ROOMS, {rid: ts})
    pipe.sadd(keys.OPEN_ROOMS, rid)
    pipe.zadd(keys.visitor_rooms(visitor["token"]), {rid: ts})
    await pipe.execute()
    room = await get(redis, rid)
    assert room is not None
    return room


async def get(redis: Redis, rid: str) -> dict[str, Any] | None:
    found = await get_many(redis, [rid])
    return found[0] if found else None


def queue_reads(pipe: Any, rid: str, record: bool = True) -> None:
    """Add the reads `from_reads` needs to a pipeline (`record=False`: the caller has the room's hash)."""
    if record:
        pipe.hgetall(keys.room(rid))
    pipe.hget(keys.ASSIGNMENTS, rid)
    pipe.zscore(keys.QUEUE, rid)


def hash_reply(flat: list[bytes]) -> dict[bytes, bytes]:
    """An HGETALL answer returned by a script (a flat list) as a dict."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def from_reads(raw: dict[bytes, bytes], agent: bytes | None, queued: float | None) -> dict[str, Any] | None:
    if not raw:
        return None
    room = decode(raw)
    if not room["open"]:
        room["status"] = CLOSED
    elif agent:
        room["status"], room["servedBy"] = TAKEN, agent.decode()
    elif queued is not None:
        room["status"] = QUEUED
    return room


async def get_many(redis: Redis, rids: list[str]) -> list[dict[str, Any]]:
    """Rooms with their live status and serving agent, read in one round trip."""
    pipe = redis.pipeline(transaction=False)
    for rid in rids:
        queue_reads(pipe, rid)
    results = await pipe.execute() if rids else []
    found = (from_reads(*results[i:i + 3]) for i in range(0, len(results), 3))
    return [room for room in found if room is not None]


# A visitor's open chat is among their newest; older ones are closed.
RECENT_ROOMS_SCANNED = 5


async def open_of_visitor(redis: Redis, token: str) -> dict[str, Any] | None:
    """The visitor's open chat, if any."""
    rids = [r.decode() for r in await redis.zrevrange(keys.visitor_rooms(token), 0, RECENT_ROOMS_SCANNED - 1)]
    return next((room for room in await get_many(redis, rids) if room["open"]), None)


async def update(redis: Redis, rid: str, values: dict[str, Any]) -> None:
    mapping = {k: json.dumps(v) if isinstance(v, list | dict) else str(v) for k, v in values.items()}
    await redis.hset(keys.room(rid), mapping=mapping)


async def mark_closed(redis: Redis, rid: str, closer: str, closed_by: str, comment: str,
                      tags: list[str] | None, served_by: str | None = None) -> bool:
    """Close once; False when it was already closed."""
    key = keys.room(rid)
    if await redis.hget(key, "open") != b"1":
        return False
    values: dict[str, Any] = {"open": "0", "closedAt": now_ms(), "closer": closer, "closedBy": closed_by,
                              "comment": comment, "servedBy": served_by or ""}
    if tags is not None:
        values["tags"] = json.dumps(tags)
    pipe = redis.pipeline(transaction=False)
    pipe.hset(key, mapping=values)
    pipe.srem(keys.OPEN_ROOMS, rid)
    await pipe.execute()
    return True


def make_message(rid: str, msg: str, user: dict[str, Any] | None, message_id: str | None = None,
                 token: str | None = None, kind: str | None = None) -> dict[str, Any]:
    """A message; with `user=None` its author is filled in when stored (a visitor's, from the room)."""
    ts = iso(now_ms())
    message: dict[str, Any] = {"_id": message_id or new_id(), "rid": rid, "msg": msg, "ts": ts, "_updatedAt": ts}
    if user is not None:
        message["u"] = {"_id": user["_id"], "username": user["username"], "name": user.get("name", "")}
    if token:
        message["token"] = token
    if kind:
        message["t"] = kind
    return message


def _append_keys(rid: str) -> list[str]:
    return [keys.room_message_ids(rid), keys.room_messages(rid), keys.room_seq(rid), keys.room_frames(rid),
            keys.room(rid)]


def _append_args(message: dict[str, Any], client_id: str | None, counter: str, body: str) -> list[Any]:
    rid = message["rid"]
    return [client_id or "", body, keys.room_channel(rid), _open({"type": "message", "rid": rid}), now_ms(),
            FRAMES_KEPT, counter]


def append_outcome(reply: list[Any], message: dict[str, Any]) -> tuple[str, dict[str, Any], int]:
    code, stored, seq = reply[:3]
    outcome = OUTCOMES[int(code)]
    if outcome in ("closed", "invalid-room"):
        return outcome, message, 0
    return outcome, json.loads(stored), int(seq)


async def append_message(redis: Redis, message: dict[str, Any], client_id: str | None,
                         counter: str) -> tuple[str, dict[str, Any], int]:
    """Store and publish; returns (outcome, message, seq) with outcome `new`, `duplicate` or `closed`.

    `counter` is the room field counting this sender's messages (`visitorMsgs`, `agentMsgs`).
    """
    body = json.dumps(message, separators=(",", ":"))
    reply = await _APPEND(redis, _append_keys(message["rid"]), _append_args(message, client_id, counter, body))
    return append_outcome(reply, message)


def queue_visitor_append(pipe: Any, message: dict[str, Any], client_id: str | None, token: str) -> None:
    """Add a visitor's message (without `u`: the script adds it) to a pipeline."""
    body = json.dumps(message, separators=(",", ":"))[:-1]
    _APPEND_VISITOR.queue(pipe, _append_keys(message["rid"]),
                          [*_append_args(message, client_id, "visitorMsgs", body), token])


async def history(redis: Redis, rid: str, limit: int, before_ms: int | None = None) -> list[dict[str, Any]]:
    """Newest first, at most `limit`, only messages older than `before_ms` when given."""
    key = keys.room_messages(rid)
    if before_ms is None:
        raw = await redis.lrange(key, -limit, -1)
        return [json.loads(m) for m in reversed(raw)]
    out: list[dict[str, Any]] = []
    end = -1
    while len(out) < limit:  # walk back a page at a time: a chat's older pages are rarely read
        raw = await redis.lrange(key, end - HISTORY_PAGE + 1, end)
        for message in map(json.loads, reversed(raw)):
            if parse_iso_ms(message["ts"]) < before_ms:
                out.append(message)
                if len(out) == limit:
                    break
        if len(raw) < HISTORY_PAGE:
            break
        end -= HISTORY_PAGE
    return out


async def list_rooms(redis: Redis, offset: int, count: int) -> tuple[list[dict[str, Any]], int]:
    total = int(await redis.zcard(keys.ROOMS))
    rids = [r.decode() for r in await redis.zrevrange(keys.ROOMS, 0, -1)]
    return await get_many(redis, rids), total


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))
