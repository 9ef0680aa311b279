"""`/api/info` and `/metrics`: what operators and load balancers ask."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse

from livechat.api.auth import runtime
from livechat.engine import __version__, keys


async def info(request: Request) -> JSONResponse:
    await runtime(request).redis.ping()
    return JSONResponse({"version": __version__, "success": True})


async def metrics(request: Request) -> PlainTextResponse:
    """Prometheus text format; counters are shared by every API process through Redis."""
    redis = runtime(request).redis
    pipe = redis.pipeline(transaction=False)
    pipe.hgetall(keys.METRICS)
    pipe.scard(keys.OPEN_ROOMS)
    pipe.zcard(keys.QUEUE)
    pipe.scard(keys.AVAILABLE_AGENTS)
    counters, open_rooms, queued, available = await pipe.execute()
    lines = [
        "# HELP livechat_http_requests_total HTTP requests answered, by status class.",
        "# TYPE livechat_http_requests_total counter",
    ]
    for field, value in sorted(counters.items()):
        name = field.decode()
        if name.startswith("http_"):
            lines.append(f'livechat_http_requests_total{{status="{name[5:]}"}} {int(value)}')
    lines += [
        "# HELP livechat_open_chats Chats open now (queued or taken).",
        "# TYPE livechat_open_chats gauge", f"livechat_open_chats {int(open_rooms)}",
        "# HELP livechat_queue_length Chats waiting for an agent.",
        "# TYPE livechat_queue_length gauge", f"livechat_queue_length {int(queued)}",
        "# HELP livechat_agents_available Agents taking chats now.",
        "# TYPE livechat_agents_available gauge", f"livechat_agents_available {int(available)}",
    ]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")
