"""The realtime baseline (SPEC §8): a bare Starlette WebSocket app on uvicorn that subscribes to
Redis channels and forwards each published message to its sockets.

    REDIS_URL=... python bench/bare_fanout.py PORT

A socket names its channels in the query: `/ws?channels=a,b`. The first frame is
`{"type":"ready"}` once they are subscribed. One Redis subscription per process, shared by
all sockets; one queue and one writer task per socket (the plain pattern anyone would write).
Same uvicorn settings as `livechat serve` (uvloop, httptools, websockets, pings off).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

redis = Redis.from_url(os.environ["REDIS_URL"])
pubsub = redis.pubsub(ignore_subscribe_messages=True)
listeners: dict[bytes, set[asyncio.Queue[str]]] = {}


async def forward() -> None:
    async for message in pubsub.listen():
        if message["type"] == "message":
            data = message["data"].decode()
            for queue in listeners.get(message["channel"], ()):
                queue.put_nowait(data)


async def endpoint(ws: WebSocket) -> None:
    await ws.accept()
    channels = [c.encode() for c in ws.query_params.get("channels", "").split(",") if c]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for channel in channels:
        if channel not in listeners:
            listeners[channel] = set()
            await pubsub.subscribe(channel)
        listeners[channel].add(queue)
    await ws.send_text('{"type":"ready"}')

    async def write() -> None:
        while True:
            await ws.send_text(await queue.get())

    writer = asyncio.create_task(write())
    try:
        while True:
            await ws.receive_text()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        writer.cancel()
        for channel in channels:
            subscribed = listeners.get(channel)
            if subscribed is not None:
                subscribed.discard(queue)
                if not subscribed:
                    del listeners[channel]
                    await pubsub.unsubscribe(channel)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    await pubsub.subscribe("bare:idle")  # listen() ends while nothing is subscribed
    task = asyncio.create_task(forward())
    yield
    task.cancel()


async def health(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


app = Starlette(routes=[Route("/", health), WebSocketRoute("/ws", endpoint)], lifespan=lifespan)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", ws_ping_interval=None,
                access_log=False)
