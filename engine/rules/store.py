"""Rule sets in force: the rule files on disk, replaced by managers' validated versions kept
in Redis, with managers' triggers added to `triggers`. A change reaches every process
without a restart: through a Redis channel for the API, by watching the files for the disk.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.rules import triggers
from livechat.engine.rules.errors import RulesetError, RulesetInvalid, json_path
from livechat.engine.rules.loader import CompiledRuleset, load_ruleset, parse_json
from livechat.engine.rules.matcher import Matcher

log = logging.getLogger("livechat.rules")

# Every process looks at the rule files and the version stamps this often: a change on disk,
# or an announcement missed during a reconnect, is in force within a second.
POLL_S = 0.5
RULES_DIR_ENV = "LIVECHAT_RULES_DIR"  # a directory of rule files replacing the packaged ones

Compose = Callable[[Redis, str, dict[str, Any]], Awaitable[dict[str, Any]]]
DiskSignature = tuple[tuple[str, int, int], ...]


def rules_dir() -> Path:
    configured = os.environ.get(RULES_DIR_ENV)
    return Path(configured) if configured else Path(str(resources.files("livechat.rules")))


def disk_documents(directory: Path) -> dict[str, tuple[str, Any]]:
    """Rule set name -> (file name, parsed JSON or the RulesetInvalid it raised)."""
    found: dict[str, tuple[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            doc: Any = parse_json(path.read_text("utf-8"), path.name)
        except RulesetInvalid as exc:
            doc = exc
        name = doc.get("ruleset") if isinstance(doc, dict) else None
        found[name if isinstance(name, str) else path.stem] = (path.name, doc)
    return found


def packaged_documents() -> dict[str, dict[str, Any]]:
    """The rule files' documents that parse, by rule set name."""
    return {name: doc for name, (_, doc) in disk_documents(rules_dir()).items() if isinstance(doc, dict)}


def _signature(directory: Path) -> DiskSignature:
    out = []
    for path in sorted(directory.glob("*.json")):
        try:
            stat = path.stat()
        except OSError:
            continue
        out.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(out)


class RuleStore:
    def __init__(self, redis: Redis, compose: Compose = triggers.compose, directory: Path | None = None) -> None:
        self.redis = redis
        # how a document becomes the rule set in force (triggers add managers' triggers)
        self.compose = compose
        self.directory = directory or rules_dir()
        self.versions: dict[str, bytes] = {}
        self.disk: DiskSignature = ()
        self.last_good: dict[str, CompiledRuleset] = {}

    async def stored(self) -> dict[str, dict[str, Any]]:
        return {k.decode(): json.loads(v) for k, v in (await self.redis.hgetall(keys.RULESET_DOCS)).items()}

    async def documents(self) -> dict[str, dict[str, Any]]:
        """The document of every rule set in force (stored version, else the file's)."""
        docs = {name: doc for name, (_, doc) in disk_documents(self.directory).items() if isinstance(doc, dict)}
        docs.update(await self.stored())
        return docs

    async def compiled(self) -> dict[str, CompiledRuleset]:
        """Every rule set, compiled. One that no longer loads keeps its last good version (at
        start: a stored version falls back to the file; a bad file stops the start, loudly)."""
        stored = await self.stored()
        out: dict[str, CompiledRuleset] = {}
        for name, (file_name, doc) in disk_documents(self.directory).items():
            candidates = [(stored.pop(name), f"{name}.json (stored)")] if name in stored else []
            out[name] = await self._compile(name, [*candidates, (doc, file_name)])
        for name, doc in stored.items():
            out[name] = await self._compile(name, [(doc, f"{name}.json (stored)")])
        self.last_good = out
        return out

    async def _compile(self, name: str, candidates: list[tuple[Any, str]]) -> CompiledRuleset:
        """The first candidate document that loads, else the last good version."""
        failure: RulesetInvalid | None = None
        for doc, source in candidates:
            try:
                if isinstance(doc, RulesetInvalid):
                    raise doc
                return load_ruleset(await self.compose(self.redis, name, doc), source)
            except RulesetInvalid as exc:
                log.error("rule set %s from %s does not load:\n%s", name, source, exc)
                failure = failure or exc
        if name in self.last_good:
            log.error("rule set %s keeps its last good version", name)
            return self.last_good[name]
        assert failure is not None
        raise failure

    async def load_matcher(self) -> Matcher:
        self.versions, self.disk = await self._versions(), _signature(self.directory)
        return Matcher(await self.compiled())

    async def check(self, name: str, doc: Any) -> CompiledRuleset:
        """Validate a document for rule set `name` as it would be in force; RulesetInvalid if not."""
        source = f"{name}.json"
        found: list[tuple[tuple[str | int, ...], str]] = []
        if isinstance(doc, dict) and doc.get("ruleset") != name:
            found.append((("ruleset",), f"this document is for rule set {name!r}, not {doc.get('ruleset')!r}"))
        if name == "triggers" and isinstance(doc, dict):
            found += triggers.reserved_id_problems(doc)
        if found:
            raise RulesetInvalid([RulesetError(source, json_path(where), message) for where, message in found])
        load_ruleset(doc, source)  # the document alone: its errors point into it
        return load_ruleset(await self.compose(self.redis, name, doc), source)

    async def save(self, name: str, doc: dict[str, Any]) -> CompiledRuleset:
        """Validate, then store and announce; an invalid document raises and changes nothing."""
        compiled = await self.check(name, doc)
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(keys.RULESET_DOCS, name, json.dumps(doc))
        pipe.hset(keys.RULESET_VERSION, name, uuid.uuid4().hex)
        pipe.publish(keys.RULESET_CHANNEL, name)
        await pipe.execute()
        return compiled

    async def revert(self, name: str) -> bool:
        """Forget the stored version: the rule file is in force again."""
        removed = bool(await self.redis.hdel(keys.RULESET_DOCS, name))
        await self.announce(name)
        return removed

    async def announce(self, name: str) -> None:
        """Something the rule set in force depends on changed (a trigger was saved)."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(keys.RULESET_VERSION, name, uuid.uuid4().hex)  # never equal to an earlier stamp
        pipe.publish(keys.RULESET_CHANNEL, name)
        await pipe.execute()

    async def _versions(self) -> dict[str, bytes]:
        return {k.decode(): v for k, v in (await self.redis.hgetall(keys.RULESET_VERSION)).items()}

    async def refresh(self, matcher: Matcher, force: bool = False) -> bool:
        """Recompile when the stamps or the files changed (or `force`); True if it did."""
        versions, disk = await self._versions(), _signature(self.directory)
        if not force and versions == self.versions and disk == self.disk:
            return False
        self.versions, self.disk = versions, disk
        for name, compiled in (await self.compiled()).items():
            matcher.replace(name, compiled)
        return True

    async def follow(self, matcher: Matcher) -> None:
        """Apply changes as they are announced, and watch the stamps and files in case."""
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(keys.RULESET_CHANNEL)
        try:
            while True:
                try:
                    message = await pubsub.get_message(timeout=POLL_S)
                    await self.refresh(matcher, force=message is not None)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("rule reload failed; retrying")
                    await asyncio.sleep(1)
        finally:
            await pubsub.aclose()
