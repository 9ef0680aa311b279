"""Rule sets in force: the packaged defaults, replaced by managers' validated versions
kept in Redis. A change reaches every process through a Redis channel, without a restart."""

from __future__ import annotations

import asyncio
import json
import logging
from importlib import resources
from collections.abc import Callable, Awaitable
from typing import Any

from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.rules.loader import CompiledRuleset, default_rulesets, load_ruleset
from livechat.engine.rules.matcher import Matcher

log = logging.getLogger("livechat.rules")

RESYNC_S = 5.0  # a process that missed a change (reconnect) re-reads everything this often

Compose = Callable[[Redis, str, dict[str, Any]], Awaitable[dict[str, Any]]]


async def _as_is(redis: Redis, name: str, doc: dict[str, Any]) -> dict[str, Any]:
    return doc


def packaged_documents() -> dict[str, dict[str, Any]]:
    docs = {}
    for entry in resources.files("livechat.rules").iterdir():
        if entry.name.endswith(".json"):
            doc = json.loads(entry.read_text())
            docs[doc["ruleset"]] = doc
    return docs


class RuleStore:
    def __init__(self, redis: Redis, compose: Compose = _as_is) -> None:
        self.redis = redis
        # how a stored document becomes the rule set in force (triggers add managers' triggers)
        self.compose = compose
        self.versions: dict[str, bytes] = {}

    async def documents(self) -> dict[str, dict[str, Any]]:
        """The document of every rule set in force (stored version, else the packaged one)."""
        docs = packaged_documents()
        for name, raw in (await self.redis.hgetall(keys.RULESET_DOCS)).items():
            docs[name.decode()] = json.loads(raw)
        return docs

    async def compiled(self) -> dict[str, CompiledRuleset]:
        out = {}
        for name, doc in (await self.documents()).items():
            try:
                out[name] = load_ruleset(await self.compose(self.redis, name, doc), f"{name} (stored)")
            except Exception:  # validated when saved; a bad one here keeps the packaged version
                log.exception("stored rule set %s no longer loads; keeping the packaged one", name)
                out[name] = default_rulesets()[name]
        return out

    async def load_matcher(self) -> Matcher:
        self.versions = await self._versions()
        return Matcher(await self.compiled())

    async def save(self, name: str, doc: dict[str, Any]) -> CompiledRuleset:
        """Validate, then store and announce; an invalid document raises and changes nothing."""
        compiled = load_ruleset(await self.compose(self.redis, name, doc), f"{name}.json")
        pipe = self.redis.pipeline()
        pipe.hset(keys.RULESET_DOCS, name, json.dumps(doc))
        pipe.hincrby(keys.RULESET_VERSION, name, 1)
        pipe.publish(keys.RULESET_CHANNEL, name)
        await pipe.execute()
        return compiled

    async def announce(self, name: str) -> None:
        """Something the composed rule set depends on changed (a trigger was saved)."""
        pipe = self.redis.pipeline()
        pipe.hincrby(keys.RULESET_VERSION, name, 1)
        pipe.publish(keys.RULESET_CHANNEL, name)
        await pipe.execute()

    async def _versions(self) -> dict[str, bytes]:
        return {k.decode(): v for k, v in (await self.redis.hgetall(keys.RULESET_VERSION)).items()}

    async def refresh(self, matcher: Matcher) -> None:
        versions = await self._versions()
        if versions == self.versions:
            return
        self.versions = versions
        for name, compiled in (await self.compiled()).items():
            matcher.replace(name, compiled)

    async def follow(self, matcher: Matcher) -> None:
        """Apply changes as they are announced; re-check periodically in case one was missed."""
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(keys.RULESET_CHANNEL)
        try:
            while True:
                try:
                    await pubsub.get_message(timeout=RESYNC_S)
                    await self.refresh(matcher)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("rule reload failed; retrying")
                    await asyncio.sleep(1)
        finally:
            await pubsub.aclose()
