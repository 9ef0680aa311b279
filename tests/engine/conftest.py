"""Engine fixtures: the real embedded Redis (one database of its own) and an in-process runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis as sync_redis
from redis.asyncio import Redis

from livechat.engine.embedded_redis import EmbeddedRedis
from livechat.engine.rules.loader import default_rulesets
from livechat.engine.rules.matcher import Matcher
from livechat.engine.runtime import Jobs, Runtime

ENGINE_DB = 5  # the API tests' server uses database 0


def engine_url(server: EmbeddedRedis) -> str:
    return server.url.rsplit("/", 1)[0] + f"/{ENGINE_DB}"


@pytest.fixture
async def redis_client(redis_server: EmbeddedRedis) -> AsyncIterator[Redis]:
    client = Redis.from_url(engine_url(redis_server))
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
async def runtime(redis_client: Redis, redis_server: EmbeddedRedis) -> AsyncIterator[Runtime]:
    jobs_redis = sync_redis.Redis.from_url(engine_url(redis_server))
    with Matcher(default_rulesets()) as matcher:
        yield Runtime(redis=redis_client, matcher=matcher, jobs=Jobs(jobs_redis))
    jobs_redis.close()
