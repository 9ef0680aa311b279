"""Read live state (async engine modules) from a sync RQ job.

Each worker thread keeps one event loop and one async client per Redis server, so a
job pays neither a new loop nor a new connection. Unlike `workers/loop.py` this
loads no rules: webhook and email jobs only read state.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis as sync_redis
from redis.asyncio import Redis

T = TypeVar("T")

_local = threading.local()
_ASYNC_PARAMS = frozenset(inspect.signature(Redis.__init__).parameters) - {"self"}


def async_client(connection: sync_redis.Redis) -> Redis:
    """An async client for the server `connection` talks to (same address, db and credentials)."""
    kwargs: dict[str, Any] = dict(connection.connection_pool.connection_kwargs)
    if "path" in kwargs:
        kwargs["unix_socket_path"] = kwargs.pop("path")
    return Redis(**{k: v for k, v in kwargs.items() if k in _ASYNC_PARAMS})


def run(connection: sync_redis.Redis, fn: Callable[[Redis], Awaitable[T]]) -> T:
    """`await fn(client)` on this thread's loop, with an async client of `connection`'s server."""
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
        _local.clients = {}
    clients: dict[tuple[Any, ...], Redis] = _local.clients
    kwargs = connection.connection_pool.connection_kwargs
    address = (kwargs.get("host"), kwargs.get("port"), kwargs.get("path"), kwargs.get("db"))
    client = clients.get(address)
    if client is None:
        client = clients[address] = async_client(connection)
    return loop.run_until_complete(_call(fn, client))


async def _call(fn: Callable[[Redis], Awaitable[T]], client: Redis) -> T:
    return await fn(client)
