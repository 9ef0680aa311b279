"""Which rules an event fires. The rest of the product sees only this; durable-rules stays inside.

Facts are one dict per event: `{"event": {"type": ..., ...}, "visitor": {...}, "chat": {...},
"department": {...}, "agent": {...}, "settings": {...}}`; any namespace may be missing or partial.
"""

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from livechat.engine.rules.compiler import EVENT_KEY, CompiledRuleset, EventPlan
from livechat.engine.rules.conditions import MISSING, resolve
from livechat.engine.rules.durable import DurableRuleset

RULESET_ORDER: Final = ("routing", "lifecycle", "triggers")
"""match_all's order; other rule sets follow in the order they were added."""


@dataclass(frozen=True)
class Match:
    ruleset: str
    rule_id: str
    priority: int
    once: str | None
    actions: tuple[dict[str, Any], ...]  # shared between matches: read, never mutate


def event_type_of(facts: Mapping[str, Any]) -> str:
    event = facts.get("event")
    event_type = event.get("type") if isinstance(event, Mapping) else None
    if not isinstance(event_type, str):
        raise ValueError(f"facts need a string event.type, got event={event!r}")
    return event_type


def fill_slots(plan: EventPlan, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The flat, JSON-serialisable fact the plan's chunks test (without id, sid and ev)."""
    values = [resolve(facts, path) for path in plan.paths]
    slots: dict[str, Any] = {}
    for slot in plan.slots:
        value = slot.convert(values[slot.value_index])
        if value is not MISSING:
            slots[slot.key] = value
    for predicate in plan.predicates:
        slots[predicate.key] = predicate.test(values)
    return slots


class _Live:
    """One compiled rule set with its engine handles: one per chunk of every event plan."""

    def __init__(self, name: str, compiled: CompiledRuleset) -> None:
        self.compiled = compiled
        self.matches = {
            rule.index: Match(name, rule.id, rule.priority, rule.once, rule.then) for rule in compiled.rules
        }
        self.order = {rule.index: (-rule.priority, rule.index) for rule in compiled.rules}
        self.engines: dict[str, tuple[DurableRuleset, ...]] = {}
        try:
            for event_type, plan in compiled.plans.items():
                label = f"{name}-{event_type}"
                self.engines[event_type] = tuple(DurableRuleset(c.definition, label) for c in plan.chunks)
        except BaseException:
            self.close()
            raise

    def match(self, event_type: str, facts: Mapping[str, Any]) -> list[Match]:
        plan = self.compiled.plans.get(event_type)
        if plan is None:
            return []
        indices = set(plan.always)
        if plan.chunks:
            slots = fill_slots(plan, facts)
            single = len(plan.chunks) == 1
            for chunk, engine in zip(plan.chunks, self.engines[event_type], strict=True):
                carried = slots if single else {k: v for k, v in slots.items() if k in chunk.keys}
                fired = engine.matches({EVENT_KEY: event_type, **carried})
                indices.update(chunk.rule_index[name] for name in fired)
        return [self.matches[i] for i in sorted(indices, key=self.order.__getitem__)]

    def close(self) -> None:
        for engines in self.engines.values():
            for engine in engines:
                engine.close()
        self.engines.clear()


def _close_all(live: dict[str, _Live]) -> None:
    for entry in live.values():
        entry.close()
    live.clear()


class Matcher:
    """Thread-safe: one lock serialises every use of the engine handles."""

    def __init__(self, rulesets: Mapping[str, CompiledRuleset]) -> None:
        self._lock = threading.Lock()
        self._live: dict[str, _Live] = {}
        self._finalizer = weakref.finalize(self, _close_all, self._live)
        self._facts_read: dict[str, frozenset[str]] = {}
        self._namespaces: dict[str, frozenset[str]] = {}
        for name, compiled in rulesets.items():
            self._live[name] = _Live(name, compiled)

    @property
    def rulesets(self) -> tuple[str, ...]:
        with self._lock:
            return self._ordered()

    def match(self, ruleset: str, facts: Mapping[str, Any]) -> list[Match]:
        """Matches by priority (highest first), then file order. Disabled rules never match."""
        event_type = event_type_of(facts)
        with self._lock:
            live = self._live.get(ruleset)
            if live is None:
                raise LookupError(f"no rule set {ruleset!r} loaded (loaded: {', '.join(self._ordered())})")
            return live.match(event_type, facts)

    def match_all(self, facts: Mapping[str, Any]) -> list[Match]:
        event_type = event_type_of(facts)
        with self._lock:
            return [m for name in self._ordered() for m in self._live[name].match(event_type, facts)]

    def facts_read(self, event_type: str) -> frozenset[str]:
        """The facts (`visitor.name`, `agent.status`, ...) some rule on this event type reads, so the
        caller can skip loading the rest."""
        with self._lock:
            found = self._facts_read.get(event_type)
            if found is None:
                plans = (live.compiled.plans.get(event_type) for live in self._live.values())
                found = frozenset(".".join(path) for plan in plans if plan is not None for path in plan.paths)
                self._facts_read[event_type] = found
            return found

    def namespaces(self, event_type: str) -> frozenset[str]:
        """The fact namespaces (`visitor`, `agent`, ...) some rule on this event type reads."""
        found = self._namespaces.get(event_type)
        if found is None:
            found = self._namespaces[event_type] = frozenset(f.partition(".")[0] for f in self.facts_read(event_type))
        return found

    def replace(self, name: str, compiled: CompiledRuleset) -> None:
        """Hot reload: the new rule set gets fresh engine handles; the swap is atomic."""
        fresh = _Live(name, compiled)
        with self._lock:
            old = self._live.get(name)
            self._live[name] = fresh
            self._facts_read.clear()
            self._namespaces.clear()
        if old is not None:
            old.close()  # no match can hold it: matches run under the lock we just released

    def close(self) -> None:
        with self._lock:
            self._finalizer()

    def __enter__(self) -> "Matcher":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _ordered(self) -> tuple[str, ...]:
        known = [name for name in RULESET_ORDER if name in self._live]
        return (*known, *(name for name in self._live if name not in RULESET_ORDER))
