"""Wiring: routes, middleware, and the clients every request shares (lifespan state)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import redis as sync_redis
from redis.asyncio import ConnectionPool, Redis
from redis.driver_info import DriverInfo
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livechat.api import (
    agent,
    auth,
    customization,
    integrations,
    manager,
    manager_extra,
    manager_pages,
    operations,
    pages,
    rules_api,
    visitor,
    ws,
)
from livechat.api.errors import ApiError, handle_api_error, handle_store_unavailable
from livechat.api.openapi import openapi_json
from livechat.engine import bootstrap, keys
from livechat.engine.realtime import Hub
from livechat.engine.rules.store import RuleStore
from livechat.engine.runtime import Jobs, Runtime
from livechat.engine.state import settings

# Per process; each Redis call in flight holds one. redis-py's default (100) fails a burst of
# a few hundred concurrent requests; a blocking pool would cost a timeout context per call.
REDIS_CONNECTIONS = 2048
METRICS_FLUSH_S = 1.0  # request counters reach Redis (and /metrics) within a second


class CountRequests:
    """Counts answers by status class in memory; a task adds them to Redis every second."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                COUNTS[f"http_{message['status'] // 100}xx"] += 1
            await send(message)

        await self.app(scope, receive, counting_send)


COUNTS: Counter[str] = Counter()


async def _flush_counts(redis: Redis) -> None:
    while True:
        await asyncio.sleep(METRICS_FLUSH_S)
        if COUNTS:
            pending = dict(COUNTS)
            COUNTS.clear()
            pipe = redis.pipeline(transaction=False)
            for name, value in pending.items():
                pipe.hincrby(keys.METRICS, name, value)
            await pipe.execute()


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
    url = os.environ.get("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set: run `livechat serve`, which starts an embedded Redis")
    # one DriverInfo for all connections: redis-py otherwise re-reads its version per connection
    pool = ConnectionPool.from_url(url, max_connections=REDIS_CONNECTIONS, driver_info=DriverInfo())
    redis = Redis(connection_pool=pool)
    await redis.ping()
    jobs_redis = sync_redis.Redis.from_url(os.environ.get("RQ_REDIS_URL") or url)
    rules = RuleStore(redis)
    matcher = await rules.load_matcher()
    rt = Runtime(redis=redis, matcher=matcher, jobs=Jobs(jobs_redis))
    await bootstrap.ensure_admin(redis)
    hub = Hub(redis)
    await hub.start()
    background = [asyncio.create_task(_flush_counts(redis)), asyncio.create_task(rules.follow(matcher)),
                  asyncio.create_task(settings.follow(redis))]
    try:
        yield {"rt": rt, "hub": hub}
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await hub.stop()
        await redis.aclose()
        jobs_redis.close()


def routes() -> list[BaseRoute]:
    return [
        *auth.routes, *visitor.routes, *agent.routes, *manager.routes, *ws.routes, *pages.routes,
        *integrations.routes, *rules_api.routes, *customization.routes, *manager_pages.routes,
        *manager_extra.routes,
        Route("/api/info", operations.info, methods=["GET"]),
        Route("/metrics", operations.metrics, methods=["GET"]),
        Route("/api/v1/openapi.json", openapi_json, methods=["GET"]),
    ]


def create_app() -> Starlette:
    return Starlette(
        routes=routes(),
        middleware=[Middleware(CountRequests)],
        exception_handlers={ApiError: handle_api_error, RedisConnectionError: handle_store_unavailable,
                            RedisTimeoutError: handle_store_unavailable},
        lifespan=lifespan,
    )
