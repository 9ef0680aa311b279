"""Endpoints agents use to serve chats (managers may do the same)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from livechat.api import inputs, views
from livechat.api.auth import require_agent, runtime
from livechat.api.errors import ApiError, bad_request, forbidden, not_found, ok
from livechat.api.openapi import documented
from livechat.engine import chat, context
from livechat.engine.jsonutil import parse_iso_ms
from livechat.engine.state import departments, rooms, routing, users
from livechat.engine.state.users import User


async def room_for_agent(request: Request, rid: str, field: str = "rid") -> tuple[User, dict[str, Any]]:
    """The room, if the caller serves it or manages Livechat; 403 for other agents."""
    user = await require_agent(request)
    room = await rooms.get(runtime(request).redis, rid)
    if room is None:
        raise not_found("Room", field)
    if not user.is_manager and room["servedBy"] != user.id:
        raise forbidden("You do not serve this chat")
    return user, room


async def acting_for(request: Request, user: User, other_id: str | None, field: str) -> User:
    """The agent a request acts for: the caller, or (managers only) the agent named in `field`."""
    if not other_id or other_id == user.id:
        return user
    if not user.is_manager:
        raise forbidden("Only managers act for another agent")
    found = await users.get(runtime(request).redis, other_id)
    if found is None or not found.is_agent:
        raise not_found("Agent", field)
    return found


@documented(request="agent-status")
async def agent_status(request: Request) -> JSONResponse:
    """Set (or toggle, without `status`) whether the agent takes chats."""
    user = await require_agent(request)
    rt = runtime(request)
    data = await inputs.body(request, "agent-status")
    target = await acting_for(request, user, data.get("agentId"), "agentId")
    if not target.is_agent:
        raise bad_request("agentId", "Only agents can be available", "error-not-an-agent")
    status = data.get("status") or (users.NOT_AVAILABLE if target.status == users.AVAILABLE else users.AVAILABLE)
    await chat.set_agent_status(rt, target, status)
    return ok(status=status)


@documented(request="chat-send-message")
async def send_message(request: Request) -> JSONResponse:
    """An agent's answer in a chat it serves."""
    data = (await inputs.body(request, "chat-send-message"))["message"]
    user, room = await room_for_agent(request, data["rid"], "message.rid")
    author = {"_id": user.id, "username": user.username, "name": user.name}
    try:
        message = await chat.send_agent_message(runtime(request), room, author, data["msg"], data.get("_id"))
    except chat.ChatError as exc:
        raise bad_request("message.rid", str(exc), exc.error) from exc
    return ok(message=message)


def _filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    out: dict[str, Any] = {"agents": q.getlist("agents[]") or q.getlist("agents") or
                           ([q["agentId"]] if q.get("agentId") else []),
                           "department": q.get("departmentId"), "open": q.get("open")}
    for name in ("createdAt", "closedAt"):
        raw = q.get(name)
        if raw:
            import json

            try:
                span = json.loads(raw)
                out[name] = (parse_iso_ms(span["start"]) if span.get("start") else None,
                             parse_iso_ms(span["end"]) if span.get("end") else None)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise bad_request(name, f"'{name}' must be {{\"start\": ISO, \"end\": ISO}}") from exc
    if out["open"] not in (None, "true", "false"):
        raise bad_request("open", "'open' must be true or false")
    return out


def _keep(room: dict[str, Any], f: dict[str, Any]) -> bool:
    if f["agents"] and room["servedBy"] not in f["agents"]:
        return False
    if f["department"] and room["department"] != f["department"]:
        return False
    if f["open"] is not None and room["open"] != (f["open"] == "true"):
        return False
    for name, value in (("createdAt", room["ts"]), ("closedAt", room["closedAt"])):
        if name in f:
            start, end = f[name]
            if value is None or (start and value < start) or (end and value > end):
                return False
    return True


@documented()
async def list_rooms(request: Request) -> JSONResponse:
    """Chats, newest first; agents see the chats they serve, managers all (filters: agents, department,
    open, createdAt, closedAt)."""
    user = await require_agent(request)
    rt = runtime(request)
    f = _filters(request)
    if not user.is_manager:
        f["agents"] = [user.id]
    offset = inputs.query_int(request, "offset", 0, 0, 10**9)
    count = inputs.query_int(request, "count", 50, 1, 500)
    found, _ = await rooms.list_rooms(rt.redis, 0, 0)
    kept = [r for r in found if _keep(r, f)]
    page = kept[offset:offset + count]
    return ok(rooms=[views.room(r) for r in page], count=len(page), offset=offset, total=len(kept))


@documented()
async def room_info(request: Request) -> JSONResponse:
    """One chat with its visitor, for the agent serving it."""
    _, room = await room_for_agent(request, inputs.query_str(request, "rid") or "")
    from livechat.engine.state import visitors

    visitor = await visitors.get(runtime(request).redis, room["token"])
    return ok(room=views.room(room), visitor=visitors.public(visitor) if visitor else None)


@documented()
async def inquiries_queued(request: Request) -> JSONResponse:
    """Chats waiting for an agent, oldest first; agents see those of their departments."""
    user = await require_agent(request)
    rt = runtime(request)
    waiting = await routing.queue(rt.redis)
    mine = set(await departments.of_agent(rt.redis, user.id))
    found = await rooms.get_many(rt.redis, waiting)
    visible = [(i, r) for i, r in enumerate(found, start=1)
               if user.is_manager or not r["department"] or r["department"] in mine]
    return ok(inquiries=[views.inquiry(r, pos) for pos, r in visible], count=len(visible), offset=0,
              total=len(visible))


@documented(request="inquiry-take")
async def inquiries_take(request: Request) -> JSONResponse:
    """Take a queued chat; fails if someone else got it first."""
    user = await require_agent(request)
    rt = runtime(request)
    data = await inputs.body(request, "inquiry-take")
    agent = await acting_for(request, user, data.get("userId"), "userId")
    ctx = await context.load(rt, rid=data["inquiryId"])
    if ctx.room is None:
        raise not_found("Inquiry", "inquiryId")
    try:
        await chat.take_inquiry(rt, agent, ctx.room, context.max_chats(ctx))
    except chat.ChatError as exc:
        raise bad_request("inquiryId", str(exc), exc.error) from exc
    room = await rooms.get(rt.redis, data["inquiryId"])
    assert room is not None
    return ok(inquiry={**views.inquiry(room, 0), "status": "taken"}, room=views.room(room))


@documented(request="close-by-user")
async def close_by_user(request: Request) -> JSONResponse:
    """Close a chat as its agent (or a manager), with a comment and tags."""
    data = await inputs.body(request, "close-by-user")
    user, room = await room_for_agent(request, data["rid"])
    rt = runtime(request)
    if not room["open"]:
        raise bad_request("rid", "This chat is already closed", "error-room-closed")
    ctx = await context.load(rt, rid=room["_id"])
    comment = (data.get("comment") or "").strip()
    department = ctx.department
    comment_required = ctx.settings.get("Livechat_request_comment_when_closing_conversation") or (
        department and department.get("requestCommentBeforeClosingChat"))
    if comment_required and not comment:
        raise bad_request("comment", "A closing comment is required", "error-comment-is-required")
    tags = data.get("tags")
    if department and department["requestTagBeforeClosingChat"] and not tags:
        raise bad_request("tags", "Tags must be assigned before closing this chat",
                          "error-tags-must-be-assigned-before-closing-chat")
    author = {"_id": user.id, "username": user.username, "name": user.name}
    await chat.close_chat(rt, room, "user", author, comment, tags)
    return ok()


@documented(request="room-forward")
async def forward(request: Request) -> JSONResponse:
    """Transfer a chat to another agent or to a department."""
    data = await inputs.body(request, "room-forward")
    user, room = await room_for_agent(request, data["roomId"], "roomId")
    rt = runtime(request)
    if not room["open"]:
        raise bad_request("roomId", "This chat is closed", "error-room-closed")
    if not data.get("userId") and not data.get("departmentId"):
        raise bad_request("userId", "Give userId or departmentId")
    department = None
    if data.get("departmentId"):
        department = await departments.get(rt.redis, data["departmentId"])
        if department is None:
            raise bad_request("departmentId", "Unknown department", "error-invalid-department")
    if data.get("userId"):
        target = await users.get(rt.redis, data["userId"])
        if target is None or not target.is_agent:
            raise bad_request("userId", "Unknown agent", "error-invalid-agent")
        if target.id == room["servedBy"]:
            raise bad_request("userId", "This agent already serves the chat", "error-same-agent")
    ctx = await context.load(rt, rid=room["_id"])
    try:
        await chat.forward(rt, room, user, agent_id=data.get("userId"), department_id=data.get("departmentId"),
                           max_chats=context.max_chats(ctx, department))
    except chat.ChatError as exc:
        raise ApiError(400, exc.error, str(exc), "userId") from exc
    return ok()


@documented()
async def transfer_targets(request: Request) -> JSONResponse:
    """Who an agent can hand a chat to: the other agents (with availability) and the departments."""
    user = await require_agent(request)
    rt = runtime(request)
    agents = [a for a in await users.with_role(rt.redis, "livechat-agent") if a.id != user.id]
    found = [d for d in await departments.list_all(rt.redis) if d["enabled"]]
    return ok(agents=[{"_id": a.id, "username": a.username, "name": a.name, "statusLivechat": a.status}
                      for a in agents],
              departments=[{"_id": d["_id"], "name": d["name"]} for d in found])


routes = [
    Route("/api/v1/livechat/transfer.targets", transfer_targets, methods=["GET"]),
    Route("/api/v1/livechat/agent.status", agent_status, methods=["POST"]),
    Route("/api/v1/chat.sendMessage", send_message, methods=["POST"]),
    Route("/api/v1/livechat/rooms", list_rooms, methods=["GET"]),
    Route("/api/v1/livechat/room.info", room_info, methods=["GET"]),
    Route("/api/v1/livechat/inquiries.queued", inquiries_queued, methods=["GET"]),
    Route("/api/v1/livechat/inquiries.take", inquiries_take, methods=["POST"]),
    Route("/api/v1/livechat/room.closeByUser", close_by_user, methods=["POST"]),
    Route("/api/v1/livechat/room.forward", forward, methods=["POST"]),
]
