"""Shared fixtures: a private Redis server and live `livechat serve` processes on free ports.

Nothing here touches the machine's Redis on 6379.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import redis

from livechat.engine import keys
from livechat.engine.embedded_redis import EmbeddedRedis, free_port

if TYPE_CHECKING:
    from tests.helpers import Api

ADMIN_USER, ADMIN_PASSWORD = "admin", "admin-password-1"
SERVER_START_TIMEOUT_S = 30


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


class Server:
    """A `livechat serve` child process against a given Redis."""

    def __init__(self, redis_url: str, log_dir: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/v1/livechat/ws"
        env = {**os.environ, "REDIS_URL": redis_url, "LIVECHAT_ADMIN_USER": ADMIN_USER,
               "LIVECHAT_ADMIN_PASSWORD": ADMIN_PASSWORD, "LIVECHAT_LOG_LEVEL": "warning"}
        self.log = open(log_dir / f"server-{self.port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "livechat.api.cli", "serve", "--port", str(self.port),
             "--workers", str(workers)], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log.name}")
            try:
                if httpx.get(f"{self.url}/api/info", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server on {self.port} not ready")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture(scope="session")
def server(redis_server: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    live = Server(redis_server.url, tmp_path_factory.mktemp("logs"))
    yield live
    live.stop()


def reset(redis_url: str) -> None:
    """An empty store with only the first admin, as on a fresh install."""
    from redis.asyncio import Redis

    from livechat.engine.state import users

    client = redis.Redis.from_url(redis_url)
    client.flushall()
    client.publish(keys.SETTINGS_CHANNEL, "flushed")  # servers drop the settings they cached
    client.close()

    async def admin() -> None:
        client = Redis.from_url(redis_url)
        await users.create(client, ADMIN_USER, ADMIN_PASSWORD, "Administrator",
                           roles=["admin", "livechat-manager", "livechat-agent"])
        await client.aclose()

    asyncio.run(admin())


@pytest.fixture
def api(server: Server, redis_server: EmbeddedRedis) -> Iterator[Api]:
    from tests.helpers import Api

    reset(redis_server.url)
    client = Api(server)
    yield client
    client.close()
