"""Jobs that raise domain events run the async engine, with rules, on the worker's loop.

Built on `workers/live.py` (one event loop and async client per worker thread); this adds
the rule matcher and job queue, kept per thread and refreshed when the rules change.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis as sync_redis
from redis.asyncio import Redis
from rq import get_current_job

from livechat.engine.rules.store import RuleStore
from livechat.engine.runtime import Jobs, Runtime
from livechat.workers import live

T = TypeVar("T")

_local = threading.local()


def _jobs_connection() -> sync_redis.Redis:
    job = get_current_job()
    if job is not None:
        return job.connection
    return sync_redis.Redis.from_url(os.environ.get("RQ_REDIS_URL") or os.environ["REDIS_URL"])


def _state_connection(jobs: sync_redis.Redis) -> sync_redis.Redis:
    """Live state may sit on another Redis than the queue (RQ_REDIS_URL)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return jobs
    cached: sync_redis.Redis | None = getattr(_local, "state", None)
    if cached is None:
        cached = _local.state = sync_redis.Redis.from_url(url)
    return cached


def run(job: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run `job(runtime)` to completion; the rules in force are re-read first if they changed."""
    jobs = _jobs_connection()

    async def with_runtime(redis: Redis) -> T:
        runtime: Runtime | None = getattr(_local, "runtime", None)
        store: RuleStore | None = getattr(_local, "store", None)
        if runtime is None or store is None or runtime.redis is not redis:
            store = _local.store = RuleStore(redis)
            runtime = _local.runtime = Runtime(redis=redis, matcher=await store.load_matcher(), jobs=Jobs(jobs))
        else:
            await store.refresh(runtime.matcher)
        return await job(runtime)

    return live.run(_state_connection(jobs), with_runtime)
