"""Webhook payloads, built from live state when the delivery is prepared (SPEC §6).

Shapes follow Rocket.Chat's CRM webhook: the `LivechatSession` family carries the room,
its visitor, its agent and messages; `LivechatOfflineMessage` carries the form. Each
type has a JSON Schema in schemas/webhook-*.schema.json.

A worker reads what a payload needs in two pipelined round trips (the room, then its
visitor, agents and messages) and assembles it with pure functions.
"""

from __future__ import annotations

import json
import re
from typing import Any

import redis as sync_redis

from livechat.engine import keys
from livechat.engine.jsonutil import iso
from livechat.engine.state import offline, users, visitors
from livechat.engine.state.rooms import decode as decode_room

SESSION = "LivechatSession"
START = "LivechatSessionStart"
QUEUED = "LivechatSessionQueued"
TAKEN = "LivechatSessionTaken"
FORWARDED = "LivechatSessionForwarded"
OFFLINE = "LivechatOfflineMessage"
MESSAGE = "Message"
LEAD_CAPTURE = "LeadCapture"
KINDS = (SESSION, START, QUEUED, TAKEN, FORWARDED, OFFLINE, MESSAGE, LEAD_CAPTURE)

# schemas/<name>.schema.json describing each payload type
SCHEMAS = {
    SESSION: "webhook-livechat-session", START: "webhook-livechat-session-start",
    QUEUED: "webhook-livechat-session-queued", TAKEN: "webhook-livechat-session-taken",
    FORWARDED: "webhook-livechat-session-forwarded", OFFLINE: "webhook-offline-message",
    MESSAGE: "webhook-message", LEAD_CAPTURE: "webhook-lead-capture",
}

# Fixed sample that `livechat/webhook.test` posts (the documented LivechatSession example).
SAMPLE_SESSION: dict[str, Any] = {
    "type": SESSION, "_id": "fasd6f5a4sd6f8a4sdf", "label": "title", "topic": "asiodojf", "code": 123123,
    "createdAt": "2016-06-01T18:41:16.856Z", "lastMessageAt": "2016-06-01T18:41:16.856Z",
    "tags": ["tag1", "tag2", "tag3"], "customFields": {"productId": "123456"},
    "visitor": {
        "_id": "", "name": "visitor name", "username": "visitor-username", "department": "department",
        "email": "email@address.com", "phone": "192873192873", "ip": "123.456.7.89", "browser": "Chrome",
        "os": "Linux", "customFields": {"customerId": "123456"},
    },
    "agent": {"_id": "asdf89as6df8", "username": "agent.username", "name": "Agent Name",
              "email": "agent@email.com"},
    "messages": [
        {"username": "visitor-username", "msg": "message content", "ts": "2016-06-01T18:41:16.856Z"},
        {"username": "agent.username", "agentId": "asdf89as6df8", "msg": "message content from agent",
         "ts": "2016-06-01T18:41:16.856Z"},
    ],
}

# Most specific first: Edge and Opera also say Chrome, Chrome also says Safari.
_BROWSERS = (("Edge", r"Edg(?:e|A|iOS)?/"), ("Opera", r"OPR/|Opera"), ("Firefox", r"Firefox/|FxiOS/"),
             ("Chrome", r"Chrome/|CriOS/"), ("Safari", r"Safari/"), ("IE", r"MSIE |Trident/"))
_SYSTEMS = (("Windows", r"Windows"), ("Android", r"Android"), ("iOS", r"iPhone|iPad|iPod"),
            ("Mac OS", r"Mac OS X|Macintosh"), ("Chrome OS", r"CrOS"), ("Linux", r"Linux"))


class PayloadError(LookupError):
    """The event's chat or message is gone; the delivery fails with this reason."""


def user_agent(ua: str) -> tuple[str, str]:
    """(browser, os) names from a User-Agent header; '' when unknown."""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, ua)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, ua)), "")
    return browser, system


def build(conn: sync_redis.Redis, kind: str, event: dict[str, Any]) -> dict[str, Any]:
    """The payload of `kind` for `event`, from the live state now."""
    if kind == OFFLINE:
        return offline_message(conn, event)
    if kind not in KINDS:
        raise PayloadError(f"unknown webhook type {kind!r}")
    return session(kind, event, *_read_chat(conn, kind, event))


def offline_message(conn: sync_redis.Redis, event: dict[str, Any]) -> dict[str, Any]:
    raw = conn.get(keys.offline_message(str(event.get("offline_id"))))
    if raw is None:
        raise PayloadError(f"offline message {event.get('offline_id')!r} not found")
    found = offline.decode(raw)
    return {"type": OFFLINE, "sentAt": found["ts"],
            "visitor": {"name": found["name"], "email": found["email"]}, "message": found["message"]}


ChatState = tuple[dict[str, Any], dict[str, Any] | None, dict[str, users.User], list[dict[str, Any]]]


def _read_chat(conn: sync_redis.Redis, kind: str, event: dict[str, Any]) -> ChatState:
    """(room with `servedBy`, visitor, users by id, stored messages oldest first)."""
    rid = str(event.get("rid"))
    pipe = conn.pipeline(transaction=False)
    pipe.hgetall(keys.room(rid))
    pipe.hget(keys.ASSIGNMENTS, rid)
    raw_room, assigned = pipe.execute()
    if not raw_room:
        raise PayloadError(f"chat {rid!r} not found")
    room = decode_room(raw_room)
    room["servedBy"] = assigned.decode() if assigned and room["open"] else None
    user_ids = [u for u in dict.fromkeys([room["servedBy"] or event.get("agent_id"), event.get("previous_agent"),
                                          room["closedBy"]]) if u]
    pipe = conn.pipeline(transaction=False)
    pipe.hgetall(keys.visitor(room["token"]))
    pipe.lrange(keys.room_messages(rid), 0, -1)
    for user_id in user_ids:
        pipe.hgetall(keys.user(user_id))
    raw_visitor, raw_messages, *raw_users = pipe.execute()
    people = {uid: users.decode(uid, raw) for uid, raw in zip(user_ids, raw_users, strict=True) if raw}
    messages = [json.loads(m) for m in raw_messages]
    return room, visitors.decode(raw_visitor) if raw_visitor else None, people, messages


def session(kind: str, event: dict[str, Any], room: dict[str, Any], visitor: dict[str, Any] | None,
            people: dict[str, users.User], stored: list[dict[str, Any]]) -> dict[str, Any]:
    """A `LivechatSession`-family payload from the chat's state (pure)."""
    agent = people.get(room["servedBy"] or event.get("agent_id") or "")
    payload: dict[str, Any] = {
        "type": kind, "_id": room["_id"], "label": room["label"] or "", "topic": room["topic"] or "",
        "code": room["code"], "createdAt": iso(room["ts"]), "lastMessageAt": iso(room["lastMessageAt"]),
        "tags": list(room["tags"]), "customFields": dict(room["livechatData"]),
        "visitor": _visitor(room, visitor),
    }
    if agent is not None:
        payload["agent"] = {"_id": agent.id, "username": agent.username, "name": agent.name,
                            "email": agent.email}
    payload["messages"] = _messages(kind, room, event, stored)
    payload.update(_extras(kind, room, event, agent, visitor, people))
    return payload


def _visitor(room: dict[str, Any], visitor: dict[str, Any] | None) -> dict[str, Any]:
    if visitor is None:  # the visitor was deleted: what the room remembers
        return {"_id": room["visitorId"], "name": room["visitorName"], "username": room["visitorUsername"],
                "department": room["department"], "email": "", "phone": "", "ip": "", "browser": "", "os": "",
                "customFields": {}}
    browser, system = user_agent(visitor["userAgent"])
    return {"_id": visitor["_id"], "name": visitor["name"], "username": visitor["username"],
            "department": visitor["department"] or room["department"], "email": visitor["email"],
            "phone": visitor["phone"], "ip": visitor["ip"], "browser": browser, "os": system,
            "customFields": dict(visitor["livechatData"])}


def _messages(kind: str, room: dict[str, Any], event: dict[str, Any],
              stored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if kind == LEAD_CAPTURE:
        return []
    if kind == MESSAGE:
        stored = [m for m in stored if m["_id"] == event.get("message_id")]
        if not stored:
            raise PayloadError(f"message {event.get('message_id')!r} not found in chat {room['_id']!r}")
        return [_message(m) for m in stored]
    return [_message(m) for m in stored if not m.get("t")]  # system messages are not the conversation


def _message(stored: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"username": stored["u"]["username"]}
    if not stored.get("token"):  # only visitor messages carry the visitor's token
        out["agentId"] = stored["u"]["_id"]
    out["msg"] = stored["msg"]
    out["ts"] = stored["ts"]
    return out


def _extras(kind: str, room: dict[str, Any], event: dict[str, Any], agent: users.User | None,
            visitor: dict[str, Any] | None, people: dict[str, users.User]) -> dict[str, Any]:
    """Fields Rocket.Chat adds per type: the department, who serves, who closed."""
    served = {"_id": agent.id, "username": agent.username} if agent else None
    department = {"departmentId": room["department"]} if room["department"] else {}
    if kind in (START, QUEUED):
        return department
    if kind == TAKEN:
        return {"servedBy": served} if served else {}
    if kind == FORWARDED:
        extra: dict[str, Any] = {**({"servedBy": served} if served else {}), **department}
        previous = event.get("previous_agent")
        if previous:
            old = people.get(previous)
            extra["oldServedBy"] = {"_id": previous, "username": old.username if old else ""}
        return extra
    if kind == SESSION and not room["open"]:
        closed: dict[str, Any] = {"closedAt": iso(room["closedAt"]), "closer": room["closer"],
                                  "closedBy": _closed_by(room, visitor, people)}
        if served:
            closed["servedBy"] = served
        return closed
    return {}


def _closed_by(room: dict[str, Any], visitor: dict[str, Any] | None,
               people: dict[str, users.User]) -> dict[str, str]:
    closer_id = room["closedBy"] or "system"
    if closer_id == room["visitorId"]:
        return {"_id": closer_id, "username": visitor["username"] if visitor else room["visitorUsername"]}
    user = people.get(closer_id)
    return {"_id": closer_id, "username": user.username if user else closer_id}
