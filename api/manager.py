"""Endpoints managers use to configure Livechat: users, departments, settings."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from livechat.api import inputs, views
from livechat.api.auth import require_manager, runtime
from livechat.api.errors import bad_request, not_found, ok
from livechat.api.openapi import documented
from livechat.engine import chat
from livechat.engine.dispatch import dispatch
from livechat.engine.events import EventType, event
from livechat.engine.state import appearance, departments, frames, routing, settings, users

ROUTING_METHODS = ("round_robin",)  # routing rules in rules/routing.json; a manager may replace them
USER_TYPES = {"agent": "livechat-agent", "manager": "livechat-manager"}
# Settings reachable one by one through settings/:id (the rest have their own endpoints).
PUBLIC_SETTINGS = frozenset({
    "Livechat_enabled", "Livechat_max_chats_per_agent", "Livechat_agent_grace_seconds",
    "Livechat_visitor_inactivity_close_seconds", "Livechat_request_comment_when_closing_conversation",
    "Livechat_routing_method",
})


@documented(request="user-create")
async def create_user(request: Request) -> JSONResponse:
    """Create a user (an admin, manager or agent)."""
    await require_manager(request)
    data = await inputs.body(request, "user-create")
    try:
        user = await users.create(runtime(request).redis, data["username"], data["password"], data.get("name", ""),
                                  data.get("email", ""), data.get("roles") or [])
    except users.UserError as exc:
        raise bad_request(exc.field, str(exc), exc.error) from exc
    return ok(user=user.public())


def _role(request: Request) -> str:
    kind = request.path_params["type"]
    if kind not in USER_TYPES:
        raise bad_request("type", "User type must be 'agent' or 'manager'", "error-invalid-type")
    return USER_TYPES[kind]


@documented()
async def list_users(request: Request) -> JSONResponse:
    """Agents (with availability and open chats) or managers."""
    await require_manager(request)
    rt = runtime(request)
    found = await users.with_role(rt.redis, _role(request))
    load = await routing.load(rt.redis)
    listed = [{**u.public(), "livechatCount": load.get(u.id, 0)} for u in found]
    return ok(users=listed, count=len(listed), offset=0, total=len(listed))


@documented(request="user-role")
async def add_user(request: Request) -> JSONResponse:
    """Make an existing user an agent or a manager."""
    await require_manager(request)
    rt = runtime(request)
    role = _role(request)
    data = await inputs.body(request, "user-role")
    user = await users.by_username(rt.redis, data["username"])
    if user is None:
        raise bad_request("username", f"No user {data['username']!r}", "error-invalid-user")
    await users.add_role(rt.redis, user, role)
    return ok(user=user.public())


@documented()
async def remove_user(request: Request) -> JSONResponse:
    await require_manager(request)
    rt = runtime(request)
    role = _role(request)
    user = await users.get(rt.redis, request.path_params["id"])
    if user is None or role not in user.roles:
        raise not_found("User", "id")
    if role == "livechat-agent":
        await chat.set_agent_status(rt, user, users.NOT_AVAILABLE)
    await users.remove_role(rt.redis, user, role)
    return ok()


async def _department_body(request: Request) -> tuple[dict[str, Any], list[str] | None]:
    data = await inputs.body(request, "department")
    agents = [a["agentId"] for a in data["agents"]] if "agents" in data else None
    if agents:
        known = {u.id for u in await users.get_many(runtime(request).redis, agents) if u.is_agent}
        unknown = [a for a in agents if a not in known]
        if unknown:
            raise bad_request("agents", f"Not an agent: {unknown[0]!r}", "error-invalid-agent")
    return data["department"], agents


async def _department_out(request: Request, department_id: str) -> dict[str, Any]:
    rt = runtime(request)
    found = await departments.get(rt.redis, department_id)
    if found is None:
        raise not_found("Department", "id")
    agent_list = await users.get_many(rt.redis, await departments.agent_ids(rt.redis, department_id))
    return {"department": views.department(found),
            "agents": [{"agentId": a.id, "username": a.username, "departmentId": department_id} for a in agent_list]}


async def _set_agents(request: Request, department_id: str, wanted: list[str]) -> None:
    rt = runtime(request)
    current = set(await departments.agent_ids(rt.redis, department_id))
    added = [a for a in wanted if a not in current]
    await departments.set_agents(rt.redis, department_id, added, [a for a in current if a not in wanted])
    if added:
        await dispatch(rt, event(EventType.AGENT_JOINED_DEPARTMENT, department=department_id))


@documented()
async def list_departments(request: Request) -> JSONResponse:
    await require_manager(request)
    found = await departments.list_all(runtime(request).redis)
    return ok(departments=[views.department(d) for d in found], count=len(found), offset=0, total=len(found))


@documented(request="department")
async def create_department(request: Request) -> JSONResponse:
    await require_manager(request)
    values, agents = await _department_body(request)
    created = await departments.save(runtime(request).redis, values)
    if agents is not None:
        await _set_agents(request, created["_id"], agents)
    return ok(**await _department_out(request, created["_id"]))


@documented()
async def get_department(request: Request) -> JSONResponse:
    await require_manager(request)
    return ok(**await _department_out(request, request.path_params["id"]))


@documented(request="department")
async def update_department(request: Request) -> JSONResponse:
    await require_manager(request)
    department_id = request.path_params["id"]
    await _department_out(request, department_id)  # 404 when unknown
    values, agents = await _department_body(request)
    await departments.save(runtime(request).redis, values, department_id)
    if agents is not None:
        await _set_agents(request, department_id, agents)
    return ok(**await _department_out(request, department_id))


@documented()
async def delete_department(request: Request) -> JSONResponse:
    await require_manager(request)
    if not await departments.delete(runtime(request).redis, request.path_params["id"]):
        raise not_found("Department", "id")
    return ok()


@documented()
async def department_agents(request: Request) -> JSONResponse:
    await require_manager(request)
    out = await _department_out(request, request.path_params["id"])
    return ok(agents=out["agents"], count=len(out["agents"]), offset=0, total=len(out["agents"]))


@documented(request="department-agents")
async def save_department_agents(request: Request) -> JSONResponse:
    """Add (`upsert`) and remove agents of a department."""
    await require_manager(request)
    department_id = request.path_params["id"]
    await _department_out(request, department_id)
    data = await inputs.body(request, "department-agents")
    current = set(await departments.agent_ids(runtime(request).redis, department_id))
    wanted = (current | {a["agentId"] for a in data.get("upsert", [])}) - {a["agentId"] for a in data.get("remove", [])}
    known = {u.id for u in await users.get_many(runtime(request).redis, sorted(wanted)) if u.is_agent}
    if wanted - known:
        raise bad_request("upsert", f"Not an agent: {sorted(wanted - known)[0]!r}", "error-invalid-agent")
    await _set_agents(request, department_id, sorted(wanted))
    return ok()


def _setting_id(request: Request) -> str:
    name = request.path_params["id"]
    if name not in PUBLIC_SETTINGS:
        raise not_found("Setting", "id")
    return name


@documented()
async def get_setting(request: Request) -> JSONResponse:
    await require_manager(request)
    name = _setting_id(request)
    return ok(_id=name, value=await settings.get(runtime(request).redis, name))


@documented(request="setting-value")
async def set_setting(request: Request) -> JSONResponse:
    await require_manager(request)
    name = _setting_id(request)
    value = (await inputs.body(request, "setting-value"))["value"]
    default = settings.DEFAULTS[name]
    if name == "Livechat_routing_method" and value not in ROUTING_METHODS:
        raise bad_request("value", f"Routing method must be one of: {', '.join(ROUTING_METHODS)}")
    if isinstance(default, bool) and not isinstance(value, bool):
        raise bad_request("value", f"{name} takes true or false")
    if isinstance(default, int) and not isinstance(default, bool) and (not isinstance(value, int) or value < 0):
        raise bad_request("value", f"{name} takes a whole number ≥ 0")
    redis = runtime(request).redis
    await settings.put(redis, {name: value})
    if name == "Livechat_enabled":
        await frames.announce_config(redis, bool(value))
    return ok()


@documented()
async def get_appearance(request: Request) -> JSONResponse:
    await require_manager(request)
    current = appearance.values(await settings.load(runtime(request).redis))
    return ok(appearance=[{"_id": k, "value": v} for k, v in current.items()])


@documented()
async def set_appearance(request: Request) -> JSONResponse:
    """Save appearance settings: a list of `{_id, value}`; unknown keys are refused."""
    await require_manager(request)
    import json

    try:
        items = json.loads(await request.body() or b"[]")
    except json.JSONDecodeError as exc:
        raise bad_request("body", f"Body is not valid JSON: {exc.msg}", "error-invalid-json") from exc
    if not isinstance(items, list) or not all(isinstance(i, dict) and "_id" in i and "value" in i for i in items):
        raise bad_request("body", "Body must be a list of {_id, value}")
    values: dict[str, Any] = {}
    for i, item in enumerate(items):
        key = item["_id"]
        if key not in appearance.KEYS:
            raise bad_request(f"[{i}]._id", f"Unknown appearance setting {key!r}", "error-invalid-setting")
        default = appearance.DEFAULTS[key]
        if type(item["value"]) is not type(default) and not (isinstance(default, int) and
                                                             isinstance(item["value"], int)):
            raise bad_request(f"[{i}].value", f"{key} takes a {type(default).__name__}")
        values[key] = item["value"]
    redis = runtime(request).redis
    await settings.put(redis, values)
    await frames.announce_config(redis, bool((await settings.load(redis))["Livechat_enabled"]))
    return ok()


routes = [
    Route("/api/v1/users.create", create_user, methods=["POST"]),
    Route("/api/v1/livechat/users/{type}", list_users, methods=["GET"]),
    Route("/api/v1/livechat/users/{type}", add_user, methods=["POST"]),
    Route("/api/v1/livechat/users/{type}/{id}", remove_user, methods=["DELETE"]),
    Route("/api/v1/livechat/department", list_departments, methods=["GET"]),
    Route("/api/v1/livechat/department", create_department, methods=["POST"]),
    Route("/api/v1/livechat/department/{id}", get_department, methods=["GET"]),
    Route("/api/v1/livechat/department/{id}", update_department, methods=["PUT"]),
    Route("/api/v1/livechat/department/{id}", delete_department, methods=["DELETE"]),
    Route("/api/v1/livechat/department/{id}/agents", department_agents, methods=["GET"]),
    Route("/api/v1/livechat/department/{id}/agents", save_department_agents, methods=["POST"]),
    Route("/api/v1/settings/{id}", get_setting, methods=["GET"]),
    Route("/api/v1/settings/{id}", set_setting, methods=["POST"]),
    Route("/api/v1/livechat/appearance", get_appearance, methods=["GET"]),
    Route("/api/v1/livechat/appearance", set_appearance, methods=["POST"]),
]
