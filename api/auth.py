"""Login, logout and the role checks every agent/manager endpoint makes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from livechat.api import inputs
from livechat.api.errors import ApiError, forbidden, ok, unauthorized
from livechat.api.openapi import documented
from livechat.engine.runtime import Runtime
from livechat.engine.state import users
from livechat.engine.state.users import User

MANAGER_ROLES = ("admin", "livechat-manager")
AGENT_ROLES = ("admin", "livechat-manager", "livechat-agent")


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.state.rt
    return rt


async def current_user(request: Request) -> User:
    user_id = request.headers.get("x-user-id")
    token = request.headers.get("x-auth-token")
    if not user_id or not token:
        raise unauthorized()
    user = await users.authenticate(runtime(request).redis, user_id, token)
    if user is None:
        raise unauthorized()
    return user


async def require(request: Request, roles: tuple[str, ...]) -> User:
    user = await current_user(request)
    if not any(role in user.roles for role in roles):
        raise forbidden()
    return user


async def require_manager(request: Request) -> User:
    return await require(request, MANAGER_ROLES)


async def require_agent(request: Request) -> User:
    return await require(request, AGENT_ROLES)


@documented(request="login")
async def login(request: Request) -> JSONResponse:
    """Log in with a username and password; answers the `X-User-Id`/`X-Auth-Token` pair."""
    data = await inputs.body(request, "login")
    username = data.get("user") or data.get("username") or ""
    found = await users.login(runtime(request).redis, username, data["password"])
    if found is None:
        raise ApiError(401, "unauthorized", "Unauthorized")
    user, token = found
    return JSONResponse({"status": "success", "data": {"userId": user.id, "authToken": token, "me": user.public()}})


@documented()
async def logout(request: Request) -> JSONResponse:
    user = await current_user(request)
    await users.logout(runtime(request).redis, user.id, request.headers["x-auth-token"])
    return JSONResponse({"status": "success", "data": {"message": "You've been logged out!"}})


@documented()
async def me(request: Request) -> JSONResponse:
    user = await current_user(request)
    return ok(**user.public())


routes = [
    Route("/api/v1/login", login, methods=["POST"]),
    Route("/api/v1/logout", logout, methods=["POST"]),
    Route("/api/v1/me", me, methods=["GET"]),
]
