"""Lua scripts run by SHA, loaded on first use on each server (a restart forgets them)."""

from __future__ import annotations

import hashlib
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import NoScriptError


class Lua:
    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    async def __call__(self, redis: Redis, keys: list[str], args: list[Any]) -> Any:
        try:
            return await redis.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return await redis.eval(self.source, len(keys), *keys, *args)

    def queue(self, pipe: Pipeline, keys: list[str], args: list[Any]) -> None:
        """Add this script to a pipeline; run it with `execute` below."""
        pipe.evalsha(self.sha, len(keys), *keys, *args)


async def execute(redis: Redis, pipe: Pipeline, scripts: list[Lua]) -> list[Any]:
    """Run a pipeline holding scripts; a server that forgot them (restart) learns them and the
    pipeline runs again (a NOSCRIPT means the script did not run, so nothing is done twice)."""
    commands = list(pipe.command_stack)
    try:
        return list(await pipe.execute())
    except NoScriptError:
        for script in scripts:
            await redis.script_load(script.source)
        pipe.command_stack = commands
        return list(await pipe.execute())


_COMPARE_AND_DELETE = Lua("""
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
""")


async def compare_and_delete(redis: Redis, key: str, value: str) -> bool:
    """Delete `key` only while it still holds `value` (a claim or ticket nobody replaced)."""
    return bool(await _COMPARE_AND_DELETE(redis, [key], [value]))
