"""The OpenAPI document, built from the routes themselves so it cannot drift.

Every endpoint carries `@documented(...)`: its docstring is the summary, `request`
names the schema in schemas/ its body is validated against.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC_PREFIXES = ("/api/v1/livechat/config", "/api/v1/livechat/visitor", "/api/v1/livechat/room",
                   "/api/v1/livechat/message", "/api/v1/livechat/messages.history", "/api/v1/livechat/agent.info",
                   "/api/v1/livechat/offline.message", "/api/v1/livechat/transcript", "/api/v1/livechat/custom.field",
                   "/api/v1/livechat/page.visited", "/api/v1/livechat/queue.position", "/api/v1/login",
                   "/api/info", "/api/v1/livechat/widget", "/api/v1/livechat/room.survey")


def documented(request: str | None = None, response: str | None = None) -> Callable[[F], F]:
    def mark(func: F) -> F:
        func.__openapi__ = {"request": request, "response": response}  # type: ignore[attr-defined]
        return func

    return mark


def is_documented(route: BaseRoute) -> bool:
    endpoint = getattr(route, "endpoint", None)
    return endpoint is not None and hasattr(endpoint, "__openapi__")


def _operation(route: Route, method: str) -> dict[str, Any]:
    from livechat.api.inputs import schema

    meta = route.endpoint.__openapi__  # type: ignore[attr-defined]
    summary = (route.endpoint.__doc__ or route.endpoint.__name__.replace("_", " ")).strip().splitlines()[0]
    op: dict[str, Any] = {
        "operationId": f"{method.lower()}_{route.endpoint.__name__}",
        "summary": summary,
        "parameters": [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                       for p in route.param_convertors],
        "responses": {
            "200": {"description": "Success: the fields shown plus `success: true`",
                    "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": {"description": "Bad input: `{success:false, error, errorType, field}`"},
            "401": {"description": "Not logged in"}, "403": {"description": "Not allowed"},
        },
    }
    if meta["request"]:
        body = {k: v for k, v in schema(meta["request"]).items() if k != "$schema"}
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if not route.path.startswith(PUBLIC_PREFIXES):
        op["security"] = [{"userId": [], "authToken": []}]
    return op


def document(routes: list[BaseRoute], version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if isinstance(route, Route) and is_documented(route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                paths.setdefault(route.path, {})[method.lower()] = _operation(route, method)
        elif isinstance(route, WebSocketRoute):
            paths.setdefault(route.path, {})["get"] = {
                "summary": "Realtime frames over WebSocket (see SPEC §5)", "operationId": "websocket",
                "responses": {"101": {"description": "Switching protocols"}},
            }
    return {
        "openapi": "3.1.0",
        "info": {"title": "pimentaCHAT Livechat", "version": version},
        "components": {"securitySchemes": {
            "userId": {"type": "apiKey", "in": "header", "name": "X-User-Id"},
            "authToken": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
        }},
        "paths": paths,
    }


async def openapi_json(request: Request) -> JSONResponse:
    from livechat.engine import __version__

    return JSONResponse(document(list(request.app.routes), __version__))
