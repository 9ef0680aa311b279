"""Endpoints the widget calls; the visitor's `token` is its only credential."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from livechat.api import inputs, views
from livechat.api.auth import runtime
from livechat.api.errors import ApiError, bad_request, forbidden, not_found, ok
from livechat.api.openapi import documented
from livechat.engine import chat
from livechat.engine.jsonutil import parse_iso_ms
from livechat.engine.runtime import Runtime
from livechat.engine.state import departments, rooms, routing, settings, users, visitors

HISTORY_DEFAULT, HISTORY_MAX = 20, 500


async def _enabled(rt: Runtime) -> dict[str, Any]:
    current = await settings.load(rt.redis)
    if not current["Livechat_enabled"]:
        raise ApiError(400, "livechat-disabled", "Livechat is disabled")
    return current


async def _visitor(rt: Runtime, token: str, field: str = "token") -> dict[str, Any]:
    visitor = await visitors.get(rt.redis, token)
    if visitor is None:
        raise bad_request(field, "Invalid visitor token", "invalid-token")
    return visitor


async def _own_room(rt: Runtime, token: str, rid: str) -> dict[str, Any]:
    room = await rooms.get(rt.redis, rid)
    if room is None or room["token"] != token:
        # the same answer whether the room exists or belongs to someone else
        raise bad_request("rid", "Invalid room", "invalid-room")
    return room


@documented(response="config")
async def config(request: Request) -> JSONResponse:
    """Everything the widget needs to draw itself; with a known token, the visitor's chat too."""
    from livechat.api.widget_config import build_config

    rt = runtime(request)
    return ok(config=await build_config(rt, request.query_params.get("token")))


@documented(request="visitor")
async def register_visitor(request: Request) -> JSONResponse:
    """Create or update the visitor behind `token` (the pre-chat form)."""
    rt = runtime(request)
    await _enabled(rt)
    data = (await inputs.body(request, "visitor"))["visitor"]
    department = ""
    if data.get("department"):
        found = await departments.find(rt.redis, data["department"])
        if found is None or not found["enabled"]:
            raise bad_request("visitor.department", f"Unknown department {data['department']!r}",
                              "error-invalid-department")
        department = found["_id"]
    values: dict[str, Any] = {k: data.get(k) for k in ("name", "email", "phone")}
    values["department"] = department if data.get("department") is not None else None
    values["ip"] = request.headers.get("x-real-ip") or (request.client.host if request.client else "")
    values["userAgent"] = request.headers.get("user-agent", "")
    visitor, created = await visitors.register(rt.redis, data["token"], values)
    if data.get("customFields"):  # known visitor fields only, unchecked: Rocket.Chat's rule here
        from livechat.engine.state import custom_fields

        await custom_fields.set_from_registration(rt.redis, data["token"], data["customFields"])
        visitor = await _visitor(rt, data["token"])
    if created or data.get("name") or data.get("email"):
        from livechat.engine.dispatch import dispatch
        from livechat.engine.events import EventType, event

        await dispatch(rt, event(EventType.VISITOR_REGISTERED, token=visitor["token"]))
    return ok(visitor=visitors.public(visitor))


@documented()
async def get_visitor(request: Request) -> JSONResponse:
    rt = runtime(request)
    visitor = await visitors.get(rt.redis, request.path_params["token"])
    if visitor is None:
        raise not_found("Visitor", "token")
    return ok(visitor=visitors.public(visitor))


@documented()
async def delete_visitor(request: Request) -> JSONResponse:
    """Forget a visitor (GDPR): their record goes; closed chats keep only the visitor id."""
    rt = runtime(request)
    token = request.path_params["token"]
    visitor = await visitors.get(rt.redis, token)
    if visitor is None:
        raise not_found("Visitor", "token")
    for room in await rooms.get_many(rt.redis, await visitors.room_ids(rt.redis, token)):
        if room["open"]:
            await chat.close_chat(rt, room, "visitor", {"_id": visitor["_id"], "username": visitor["username"]},
                                  "Visitor removed")
    await visitors.delete(rt.redis, token)
    return ok(visitor={"_id": visitor["_id"], "ts": visitor["ts"]})


@documented()
async def get_room(request: Request) -> JSONResponse:
    """The visitor's open chat, created and routed by the rules when there is none."""
    rt = runtime(request)
    await _enabled(rt)
    token = inputs.query_str(request, "token") or ""
    visitor = await _visitor(rt, token)
    rid = request.query_params.get("rid")
    if rid:
        room = await _own_room(rt, token, rid)
        if room["open"]:
            return ok(room=views.room(room), newRoom=False)
    try:
        room, created = await chat.open_chat(rt, visitor, visitor["department"] or await _sole_department(rt))
    except chat.ChatError as exc:
        raise ApiError(503, exc.error, str(exc)) from exc
    return ok(room=views.room(room), newRoom=created)


async def _sole_department(rt: Runtime) -> str:
    """With exactly one department, every chat is its chat (the widget shows no select)."""
    enabled = [d for d in await departments.list_all(rt.redis) if d["enabled"]]
    return str(enabled[0]["_id"]) if len(enabled) == 1 else ""


@documented(request="visitor-message")
async def send_message(request: Request) -> JSONResponse:
    """A visitor's message; retrying with the same `_id` never doubles it."""
    rt = runtime(request)
    data = await inputs.body(request, "visitor-message")
    current = await settings.current(rt.redis)
    if not current["Livechat_enabled"]:
        raise ApiError(400, "livechat-disabled", "Livechat is disabled")
    limit = int(current.get("Livechat_message_character_limit") or 0)
    if current.get("Livechat_enable_message_character_limit") and limit and len(data["msg"]) > limit:
        raise bad_request("msg", f"Message longer than {limit} characters", "error-message-size-exceeded")
    try:
        message = await chat.send_visitor_message(rt, data["token"], data["rid"], data["msg"], data.get("_id"))
    except chat.ChatError as exc:
        raise bad_request("rid", str(exc), exc.error) from exc
    return ok(message=message)


@documented()
async def history(request: Request) -> JSONResponse:
    """Messages newest first; `end` (ISO date) pages back, `limit` caps the page."""
    rt = runtime(request)
    rid = request.path_params["rid"]
    token = request.query_params.get("token")
    if token:
        await _own_room(rt, token, rid)
    else:
        from livechat.api.agent import room_for_agent

        await room_for_agent(request, rid)
    limit = inputs.query_int(request, "limit", HISTORY_DEFAULT, 1, HISTORY_MAX)
    end = request.query_params.get("end")
    try:
        before = parse_iso_ms(end) if end else None
    except ValueError as exc:
        raise bad_request("end", "'end' must be an ISO 8601 date") from exc
    return ok(messages=await rooms.history(rt.redis, rid, limit, before))


@documented(request="room-close")
async def close_room(request: Request) -> JSONResponse:
    rt = runtime(request)
    data = await inputs.body(request, "room-close")
    room = await _own_room(rt, data["token"], data["rid"])
    current = await settings.load(rt.redis)
    if not current.get("Omnichannel_allow_visitors_to_close_conversation", True):
        raise forbidden("Visitors may not close conversations here")
    if not room["open"]:
        raise bad_request("rid", "This chat is already closed", "room-closed")
    visitor = await _visitor(rt, data["token"])
    comment = "Closed by visitor"
    await chat.close_chat(rt, room, "visitor", {"_id": visitor["_id"], "username": visitor["username"],
                                                "name": visitor["name"]}, comment)
    return ok(rid=room["_id"], comment=comment)


@documented()
async def agent_info(request: Request) -> JSONResponse:
    rt = runtime(request)
    room = await _own_room(rt, request.path_params["token"], request.path_params["rid"])
    if not room["servedBy"]:
        raise not_found("Agent", "rid")
    agent = await users.get(rt.redis, room["servedBy"])
    if agent is None:
        raise not_found("Agent", "rid")
    return ok(agent=chat.agent_public(agent))


@documented()
async def queue_position(request: Request) -> JSONResponse:
    rt = runtime(request)
    token = inputs.query_str(request, "token") or ""
    room = await _own_room(rt, token, request.path_params["rid"])
    waiting = await routing.queue(rt.redis)
    position = waiting.index(room["_id"]) + 1 if room["_id"] in waiting else 0
    return ok(position=position, status=room["status"])


routes = [
    Route("/api/v1/livechat/config", config, methods=["GET"]),
    Route("/api/v1/livechat/visitor", register_visitor, methods=["POST"]),
    Route("/api/v1/livechat/visitor/{token}", get_visitor, methods=["GET"]),
    Route("/api/v1/livechat/visitor/{token}", delete_visitor, methods=["DELETE"]),
    Route("/api/v1/livechat/room", get_room, methods=["GET"]),
    Route("/api/v1/livechat/message", send_message, methods=["POST"]),
    Route("/api/v1/livechat/messages.history/{rid}", history, methods=["GET"]),
    Route("/api/v1/livechat/room.close", close_room, methods=["POST"]),
    Route("/api/v1/livechat/agent.info/{rid}/{token}", agent_info, methods=["GET"]),
    Route("/api/v1/livechat/queue.position/{rid}", queue_position, methods=["GET"]),
]
