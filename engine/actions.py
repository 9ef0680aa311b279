"""The action registry: each name a rule may use, mapped to the code that performs it.

State actions change Redis here; side effects (webhooks, emails, timers) are enqueued to
RQ and performed by workers/. An action returns the follow-up events it raised.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from livechat.engine import chat, keys
from livechat.engine.context import Context, max_chats
from livechat.engine.events import EventType, event
from livechat.engine.runtime import Runtime
from livechat.engine.state import custom_fields, frames, rooms, routing, timers, triggers, users

Event = dict[str, Any]
Action = Callable[[Runtime, Context, Event, dict[str, Any]], Awaitable[list[Event]]]

# Which webhook switch gates which payload type.
WEBHOOK_SWITCHES = {
    "LivechatSessionStart": "Livechat_webhook_on_start",
    "LivechatSessionQueued": "Livechat_webhook_on_chat_queued",
    "LivechatSessionTaken": "Livechat_webhook_on_chat_taken",
    "LivechatSessionForwarded": "Livechat_webhook_on_forward",
    "LivechatSession": "Livechat_webhook_on_close",
    "LivechatOfflineMessage": "Livechat_webhook_on_offline_msg",
    "LeadCapture": "Livechat_webhook_on_capture",
}


class ActionError(RuntimeError):
    """An action could not run against the current state (logged; other actions go on)."""


def _need_room(ctx: Context) -> dict[str, Any]:
    if ctx.room is None:
        raise ActionError("this event concerns no chat")
    return ctx.room


async def route(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    room = _need_room(ctx)
    department = room["department"] if params.get("pool", "department") == "department" else ""
    outcome, detail = await routing.route(rt.redis, room["_id"], department, max_chats(ctx),
                                          enqueue=params.get("otherwise", "enqueue") == "enqueue")
    if outcome == "taken":
        return [await chat.announce_assignment(rt, room["_id"], detail)]
    if outcome == "queued":
        return [await chat.announce_queued(rt, room["_id"], int(detail))]
    return []


async def enqueue(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    room = _need_room(ctx)
    if room["status"] != rooms.NEW:
        return []
    position = await routing.enqueue(rt.redis, room["_id"], room["department"])
    return [await chat.announce_queued(rt, room["_id"], position)]


async def drain_queue(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    return await chat.drain_queue(rt, ctx)


async def return_to_queue(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    """Every open chat of the event's agent (or the event's chat) goes back to the queue's front."""
    agent_id = ev.get("agent_id") or (ctx.agent.id if ctx.agent else None)
    rids = [ctx.room["_id"]] if ctx.room and not agent_id else []
    if agent_id:
        rids = await routing.agent_rooms(rt.redis, agent_id)
    follow: list[Event] = []
    for room in await rooms.get_many(rt.redis, rids):
        if room["status"] != rooms.TAKEN:
            continue
        _, position = await routing.requeue(rt.redis, room["_id"], room["department"])
        await chat.system_message(rt, room["_id"], "The agent is unavailable; you are back in the queue",
                                  kind="livechat_returned")
        follow.append(await chat.announce_queued(rt, room["_id"], position))
    if follow:
        await chat.publish_queue(rt)
        follow.extend(await chat.drain_queue(rt, ctx))
    return follow


async def assign(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    room = _need_room(ctx)
    agent_id = params.get("agent") or ev.get("agent_id")
    if not agent_id:
        raise ActionError("assign needs an agent")
    agent = await users.get(rt.redis, agent_id) or await users.by_username(rt.redis, agent_id)
    if agent is None:
        raise ActionError(f"no agent {agent_id!r}")
    outcome = await routing.assign_to(rt.redis, room["_id"], agent.id, max_chats(ctx))
    if outcome != "ok":
        raise ActionError(outcome)
    return [await chat.announce_assignment(rt, room["_id"], agent.id)]


async def close_chat(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    room = _need_room(ctx)
    await chat.close_chat(rt, room, "system", chat.SYSTEM_USER, params.get("comment", ""))
    return []


async def set_status(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    status = params["status"]
    if status == "closed":
        return await close_chat(rt, ctx, ev, {})
    if status == "queued":
        return await return_to_queue(rt, ctx, {**ev, "agent_id": None}, {})
    if status == "taken":
        return await assign(rt, ctx, ev, {})
    room = _need_room(ctx)
    await rooms.update(rt.redis, room["_id"], {"onHold": "1" if status == "on_hold" else "0"})
    return []


async def transfer(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    room = _need_room(ctx)
    system = users.User(id="system", username="system", name="System")
    await chat.forward(rt, room, system, agent_id=params.get("agent"), department_id=params.get("department"),
                       max_chats=max_chats(ctx))
    return []


def timer_key(name: str, ctx: Context, ev: Event) -> str:
    scope = ctx.rid or ev.get("agent_id") or ctx.token or "global"
    return keys.timer(name, scope)


async def start_timer(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    seconds = params.get("seconds")
    if seconds is None:
        seconds = ctx.settings.get(params["seconds_setting"])
    if not seconds or float(seconds) <= 0:
        return []
    name = params["timer"]
    key = timer_key(name, ctx, ev)
    ticket = await timers.arm(rt.redis, key, float(seconds))
    fired = event(EventType.TIMER_FIRED, timer=name, rid=ctx.rid, token=ctx.token,
                  agent_id=ev.get("agent_id") or (ctx.agent.id if ctx.agent else None))
    rt.jobs.enqueue("livechat.workers.timers.fire", key, ticket, fired, delay_s=_not_early(float(seconds)))
    return []


def _not_early(seconds: float) -> float:
    """RQ stores a scheduled job's time in whole seconds, truncated, so a plain delay can fire up to
    a second early; ask for the first whole second at or after the due time (late by < 1 s instead)."""
    now = time.time()
    return math.ceil(now + seconds) - now


async def cancel_timer(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    await timers.cancel(rt.redis, timer_key(params["timer"], ctx, ev))
    return []


async def webhook(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    kind = params["event"]
    if not ctx.settings.get("Livechat_webhookUrl"):
        return []
    if kind == "Message":
        sender = ev.get("sender")
        switch = "Livechat_webhook_on_visitor_message" if sender == "visitor" else "Livechat_webhook_on_agent_message"
    else:
        switch = WEBHOOK_SWITCHES[kind]
    if not ctx.settings.get(switch):
        return []
    from livechat.workers import webhooks  # records the delivery in its chat's order, then enqueues

    await webhooks.submit(rt, kind, ev)
    return []


async def email(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    rt.jobs.enqueue("livechat.workers.email.send", params["template"], params.get("to"), ev)
    return []


async def send_message(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    """Into the open chat; before there is one, to the visitor's channel, kept for the chat to come."""
    sender = params.get("sender", "system")
    if sender == "custom":
        author = {"_id": "trigger", "username": params.get("name") or "Support", "name": params.get("name", "")}
    elif sender == "queue":
        author = await _next_agent(rt, ctx)
    else:
        author = chat.SYSTEM_USER
    text = params["text"]
    room = ctx.room if ctx.room and ctx.room["open"] else await _open_room(rt, ctx.token)
    if room:
        await chat.system_message(rt, room["_id"], text, kind=None, author=author)
    elif ctx.token:
        message = rooms.make_message("", text, author)
        await triggers.keep_pending(rt.redis, ctx.token, message)
        await frames.emit_visitor(rt.redis, ctx.token, {"type": "message", "message": message})
    return []


async def _open_room(rt: Runtime, token: str | None) -> dict[str, Any] | None:
    """The visitor's open chat, for an event that named none (a timer started before it opened)."""
    if not token:
        return None
    return await rooms.open_of_visitor(rt.redis, token)


async def _next_agent(rt: Runtime, ctx: Context) -> dict[str, Any]:
    """Who round robin would pick next (available, with spare capacity): the name a `queue` sender shows."""
    available = await routing.available_agents(rt.redis)
    if ctx.department:
        available &= set(await routing.department_agent_ids(rt.redis, ctx.department["_id"]))
    limit = max_chats(ctx)
    if limit > 0 and available:
        load = await routing.load(rt.redis)
        available = {a for a in available if load.get(a, 0) < limit}
    if not available:
        return {"_id": "queue", "username": "Support", "name": "Support"}
    turns = await routing.turns(rt.redis, sorted(available))
    agent_id = min(sorted(available), key=lambda a: turns.get(a, 0))
    agent = await users.get(rt.redis, agent_id)
    return {"_id": agent_id, "username": agent.username if agent else "Support",
            "name": agent.name if agent else "Support"}


async def set_custom_field(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    key, overwrite = params["key"], params.get("overwrite", True)
    value = custom_fields.as_text(params["value"])
    if params.get("scope", "visitor") == "room":
        await custom_fields.set_room_value(rt.redis, _need_room(ctx)["_id"], key, value, overwrite)
    elif ctx.token:
        await custom_fields.set_visitor_value(rt.redis, ctx.token, key, value, overwrite)
    return []


async def set_agent_status(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    """The event's agent becomes available or not-available (as if they had said so)."""
    if ctx.agent is None:
        raise ActionError("this event concerns no agent")
    if ctx.agent.status != params["status"]:
        await chat.set_agent_status(rt, ctx.agent, params["status"])
    return []


async def tag(rt: Runtime, ctx: Context, ev: Event, params: dict[str, Any]) -> list[Event]:
    room = _need_room(ctx)
    tags = list(dict.fromkeys([*room["tags"], *params["tags"]]))
    await rooms.update(rt.redis, room["_id"], {"tags": tags})
    return []


ACTIONS: dict[str, Action] = {
    "send_message": send_message,
    "route": route,
    "enqueue": enqueue,
    "drain_queue": drain_queue,
    "assign": assign,
    "set_status": set_status,
    "close_chat": close_chat,
    "transfer": transfer,
    "return_to_queue": return_to_queue,
    "start_timer": start_timer,
    "cancel_timer": cancel_timer,
    "webhook": webhook,
    "email": email,
    "set_custom_field": set_custom_field,
    "tag": tag,
    "set_agent_status": set_agent_status,
}
