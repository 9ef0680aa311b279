"""The few functions that change a chat. Each changes state, publishes frames, then
raises the domain event; nothing else writes chat state or publishes room frames."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from livechat.engine import context, keys
from livechat.engine.context import Context
from livechat.engine.dispatch import dispatch
from livechat.engine.events import EventType, event
from livechat.engine.jsonutil import new_id
from livechat.engine.runtime import Runtime
from livechat.engine.state import frames, lua, rooms, routing, users

SYSTEM_USER = {"_id": "system", "username": "system", "name": "System"}


class ChatError(ValueError):
    """A request the chat's current state refuses; `error` is the API error name."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error


def agent_public(agent: users.User) -> dict[str, Any]:
    out: dict[str, Any] = {"_id": agent.id, "username": agent.username, "name": agent.name}
    if agent.email:
        out["emails"] = [{"address": agent.email}]
    return out


# A second request for the same visitor waits this long for the first one's chat to exist
# before it takes the claim for stale (the first process died between claim and creation).
CLAIM_WAIT_S, CLAIM_POLL_S = 2.0, 0.05


async def open_chat(rt: Runtime, visitor: dict[str, Any], department: str) -> tuple[dict[str, Any], bool]:
    """The visitor's open chat, or a new one: (room, created). Requests racing for the same
    visitor (double click, two tabs, two processes) all get the one chat."""
    key = keys.visitor_open_room(visitor["token"])
    for _ in range(2):
        rid = new_id()
        if await rt.redis.set(key, rid, nx=True):
            existing = await rooms.open_of_visitor(rt.redis, visitor["token"])
            if existing is not None:  # an open chat from before the claim existed (restored data)
                await rt.redis.set(key, existing["_id"])
                return existing, False
            return await request_chat(rt, visitor, department, rid), True
        claimed = await rt.redis.get(key)
        if claimed is None:
            continue
        deadline = time.monotonic() + CLAIM_WAIT_S
        while True:
            room = await rooms.get(rt.redis, claimed.decode())
            if room is not None or time.monotonic() > deadline:
                break
            await asyncio.sleep(CLAIM_POLL_S)
        if room is not None and room["open"]:
            return room, False
        await lua.compare_and_delete(rt.redis, key, claimed.decode())  # stale: closed or never created
    raise ChatError("error-busy", "Could not open a chat; try again")


async def request_chat(rt: Runtime, visitor: dict[str, Any], department: str, rid: str) -> dict[str, Any]:
    room = await rooms.create(rt.redis, visitor, department, rid)
    await _open_with_trigger_messages(rt, room["_id"], visitor["token"])
    await frames.emit_visitor(rt.redis, visitor["token"], {"type": "room", "room_id": room["_id"]})
    await dispatch(rt, event(EventType.CHAT_REQUESTED, rid=room["_id"], token=visitor["token"],
                             department=department))
    found = await rooms.get(rt.redis, room["_id"])
    assert found is not None
    return found


async def _open_with_trigger_messages(rt: Runtime, rid: str, token: str) -> None:
    """Trigger messages the visitor saw before this chat become its first messages (same ids)."""
    from livechat.engine.state import triggers

    for message in await triggers.take_pending(rt.redis, token):
        await rooms.append_message(rt.redis, {**message, "rid": rid}, message["_id"], "systemMsgs")


async def send_agent_message(rt: Runtime, room: dict[str, Any], author: dict[str, Any], text: str,
                             client_id: str | None) -> dict[str, Any]:
    """An agent's (or manager's) message; a retry with the same client id is stored once."""
    message = rooms.make_message(room["_id"], text, author, client_id)
    outcome, stored, _ = await rooms.append_message(rt.redis, message, client_id, "agentMsgs")
    if outcome == "closed":
        raise ChatError("room-closed", "This chat is closed")
    if outcome == "new":
        await dispatch(rt, event(EventType.MESSAGE_SENT, rid=room["_id"], token=room["token"], sender="agent",
                                 text=text, message_id=stored["_id"], agent_id=room["servedBy"] or None))
    return stored


async def send_visitor_message(rt: Runtime, token: str, rid: str, text: str,
                               client_id: str | None) -> dict[str, Any]:
    """A visitor's message in one round trip: the context the rules need is read in the same
    pipeline as the script that checks the token, stores, numbers and publishes the message."""
    used = rt.matcher.facts_read(EventType.MESSAGE_SENT)
    needs_visitor = any(f.startswith("visitor.") for f in used)
    reads = context.Reads(rid=rid, token=token if needs_visitor else None, visitor=needs_visitor,
                          counts=not context.COUNT_FACTS.isdisjoint(used), room_record=False,
                          settings_version=False)
    message = rooms.make_message(rid, text, None, client_id, token=token)
    pipe = rt.redis.pipeline(transaction=False)
    reads.queue(pipe)
    rooms.queue_visitor_append(pipe, message, client_id, token)
    results = await lua.execute(rt.redis, pipe, rooms.SCRIPTS)
    outcome, stored, _ = rooms.append_outcome(results[-1], message)
    if outcome == "invalid-room":
        raise ChatError("invalid-room", "Invalid room")
    if outcome == "closed":
        raise ChatError("room-closed", "This chat is closed")
    if outcome == "new":  # the script answered with the room as it stands after the message
        ctx = await context.from_reads(rt, reads, results[:-1], room_record=rooms.hash_reply(results[-1][3]))
        assert ctx.room is not None
        await dispatch(rt, event(EventType.MESSAGE_SENT, rid=rid, token=token, sender="visitor", text=text,
                                 message_id=stored["_id"], agent_id=ctx.room["servedBy"] or None), ctx)
    return stored


async def system_message(rt: Runtime, rid: str, text: str, kind: str | None = None,
                         author: dict[str, Any] | None = None) -> dict[str, Any]:
    message = rooms.make_message(rid, text, author or SYSTEM_USER, kind=kind)
    _, stored, _ = await rooms.append_message(rt.redis, message, None, "systemMsgs")
    return stored


async def close_chat(rt: Runtime, room: dict[str, Any], closer: str, closed_by: dict[str, Any],
                     comment: str = "", tags: list[str] | None = None) -> bool:
    """Close once (False if already closed): the closing message, the slot freed, a `closed` frame."""
    if not room["open"]:
        return False
    await system_message(rt, room["_id"], comment, kind="livechat-close", author=closed_by)
    if not await rooms.mark_closed(rt.redis, room["_id"], closer, closed_by["_id"], comment, tags,
                                   served_by=room["servedBy"]):
        return False
    agent_id = await routing.release(rt.redis, room["_id"])
    await lua.compare_and_delete(rt.redis, keys.visitor_open_room(room["token"]), room["_id"])
    also = (keys.agent_channel(agent_id),) if agent_id else ()
    await frames.emit_room(rt.redis, room["_id"], {"type": "closed", "closer": closer, "comment": comment},
                           also=also)
    await publish_queue(rt)
    await dispatch(rt, event(EventType.CHAT_CLOSED, rid=room["_id"], token=room["token"], closer=closer,
                             agent_id=agent_id or None))
    return True


async def announce_assignment(rt: Runtime, rid: str, agent_id: str) -> dict[str, Any]:
    """Tell the room and the agent who serves it now; returns the `chat_taken` event."""
    agent = await users.get(rt.redis, agent_id)
    public = agent_public(agent) if agent else {"_id": agent_id}
    await frames.emit_room(rt.redis, rid, {"type": "agent", "agent": public},
                           also=(keys.agent_channel(agent_id),))
    return event(EventType.CHAT_TAKEN, rid=rid, agent_id=agent_id)


async def announce_queued(rt: Runtime, rid: str, position: int) -> dict[str, Any]:
    await frames.emit_room(rt.redis, rid, {"type": "queue", "position": position})
    await rt.redis.publish(keys.AGENTS_CHANNEL, '{"type":"inquiry","rid":"' + rid + '"}')
    return event(EventType.CHAT_QUEUED, rid=rid)


async def publish_queue(rt: Runtime) -> None:
    """Push every waiting visitor their new position, and tell agent consoles the queue moved."""
    for position, rid in enumerate(await routing.queue(rt.redis), start=1):
        await frames.emit_room(rt.redis, rid, {"type": "queue", "position": position})
    await rt.redis.publish(keys.AGENTS_CHANNEL, '{"type":"inquiry"}')


async def drain_queue(rt: Runtime, ctx: Context) -> list[dict[str, Any]]:
    department_max = await _department_limits(rt)
    default_max = int(ctx.settings.get("Livechat_max_chats_per_agent") or 0)
    assigned = await routing.drain(rt.redis, default_max, department_max)
    follow = [await announce_assignment(rt, rid, agent_id) for rid, agent_id in assigned]
    if assigned:
        await publish_queue(rt)
    return follow


async def _department_limits(rt: Runtime) -> dict[str, int]:
    from livechat.engine.state import departments

    return {d["_id"]: int(d["maxNumberSimultaneousChat"]) for d in await departments.list_all(rt.redis)
            if int(d.get("maxNumberSimultaneousChat") or 0) > 0}


async def set_agent_status(rt: Runtime, agent: users.User, status: str) -> None:
    previous = agent.status
    await users.set_status(rt.redis, agent.id, status)
    await routing.set_available(rt.redis, agent.id, status == users.AVAILABLE)
    for rid in await routing.agent_rooms(rt.redis, agent.id):
        await frames.emit_room(rt.redis, rid, {"type": "status", "agent_id": agent.id, "status": status})
    await dispatch(rt, event(EventType.AGENT_STATUS_CHANGED, agent_id=agent.id, status=status,
                             previous_status=previous))


async def take_inquiry(rt: Runtime, agent: users.User, room: dict[str, Any], max_chats: int) -> None:
    outcome = await routing.take(rt.redis, room["_id"], agent.id, max_chats)
    if outcome != "ok":
        raise ChatError(outcome, {
            "error-not-queued": "This chat is not waiting in the queue",
            "error-not-in-department": "You do not serve this chat's department",
            "error-max-chats": "You already serve as many chats as allowed",
        }.get(outcome, outcome))
    taken = await announce_assignment(rt, room["_id"], agent.id)
    await publish_queue(rt)
    await dispatch(rt, taken)


async def forward(rt: Runtime, room: dict[str, Any], by: users.User, *, agent_id: str | None,
                  department_id: str | None, max_chats: int) -> None:
    """Hand the chat to one agent, or to a department's next agent (queued if none is free)."""
    if agent_id:
        outcome = await routing.assign_to(rt.redis, room["_id"], agent_id, max_chats)
        if outcome != "ok":
            raise ChatError(outcome, "The agent is not available" if outcome == "error-agent-not-available"
                            else "The agent already serves as many chats as allowed")
        follow = [await announce_assignment(rt, room["_id"], agent_id)]
    else:
        assert department_id is not None
        await rooms.update(rt.redis, room["_id"], {"department": department_id})
        await routing.release(rt.redis, room["_id"])
        outcome, detail = await routing.route(rt.redis, room["_id"], department_id, max_chats, enqueue=True)
        if outcome == "taken":
            follow = [await announce_assignment(rt, room["_id"], detail)]
        else:
            follow = [await announce_queued(rt, room["_id"], int(detail))]
    previous_agent = room["servedBy"]
    if previous_agent and previous_agent != agent_id:
        await rt.redis.publish(keys.agent_channel(previous_agent),
                               '{"type":"removed","rid":"' + room["_id"] + '"}')
    await system_message(rt, room["_id"], f"Transferred by {by.username}", kind="livechat_transfer_history")
    await dispatch(rt, event(EventType.CHAT_FORWARDED, rid=room["_id"], agent_id=agent_id,
                             department=department_id, previous_agent=previous_agent or None))
    for next_event in follow:
        await dispatch(rt, next_event)
