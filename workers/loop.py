"""Jobs that raise domain events run the async engine on one event loop per worker process."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

import redis as sync_redis
from redis.asyncio import Redis
from rq import get_current_job

from livechat.engine.rules.store import RuleStore
from livechat.engine.runtime import Jobs, Runtime

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_runtime: Runtime | None = None
_store: RuleStore | None = None


def _connection() -> sync_redis.Redis:
    job = get_current_job()
    if job is not None:
        return job.connection
    return sync_redis.Redis.from_url(os.environ["REDIS_URL"])


def run(coro_factory: Any) -> Any:
    """Run `coro_factory(runtime)` to completion on this process's loop."""
    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
    return _loop.run_until_complete(_with_runtime(coro_factory))


async def _with_runtime(coro_factory: Any) -> Any:
    global _runtime, _store
    if _runtime is None:
        jobs_connection = _connection()
        url = os.environ.get("REDIS_URL")
        redis = Redis.from_url(url) if url else Redis(**jobs_connection.connection_pool.connection_kwargs)
        _store = RuleStore(redis)
        _runtime = Runtime(redis=redis, matcher=await _store.load_matcher(), jobs=Jobs(jobs_connection))
    else:
        assert _store is not None
        await _store.refresh(_runtime.matcher)  # rules changed since the last job: apply first
    coro: Coroutine[Any, Any, Any] = coro_factory(_runtime)
    return await coro
