"""A rule file as typed data. Built only from documents that passed validation."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Scalar = str | int | float | bool

# Parameters the schema documents as optional with a default; filled in so actions need not know.
ACTION_DEFAULTS: dict[str, dict[str, Any]] = {"route": {"otherwise": "enqueue"}}


@dataclass(frozen=True)
class Leaf:
    fact: str
    op: str
    value: Scalar | tuple[Scalar, ...]


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Leaf | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Rule:
    index: int  # position in the file: the tie-breaker after priority
    id: str
    description: str
    enabled: bool
    priority: int
    on: tuple[str, ...]
    when: Condition | None
    then: tuple[dict[str, Any], ...]
    once: str | None


@dataclass(frozen=True)
class Ruleset:
    name: str
    description: str
    source: str
    rules: tuple[Rule, ...]


def parse_condition(doc: Mapping[str, Any]) -> Condition:
    if "all" in doc:
        return AllOf(tuple(parse_condition(c) for c in doc["all"]))
    if "any" in doc:
        return AnyOf(tuple(parse_condition(c) for c in doc["any"]))
    if "not" in doc:
        return Not(parse_condition(doc["not"]))
    value = doc["value"]
    return Leaf(doc["fact"], doc["op"], tuple(value) if isinstance(value, list) else value)


def parse_rule(index: int, doc: Mapping[str, Any]) -> Rule:
    on = doc["on"]
    when = doc.get("when")
    return Rule(
        index=index,
        id=doc["id"],
        description=doc.get("description", ""),
        enabled=doc.get("enabled", True),
        priority=doc.get("priority", 0),
        on=(on,) if isinstance(on, str) else tuple(on),
        when=None if when is None else parse_condition(when),
        then=tuple(_with_defaults(action) for action in doc["then"]),
        once=doc.get("once"),
    )


def parse_ruleset(doc: Mapping[str, Any], source: str) -> Ruleset:
    return Ruleset(
        name=doc["ruleset"],
        description=doc.get("description", ""),
        source=source,
        rules=tuple(parse_rule(i, r) for i, r in enumerate(doc["rules"])),
    )


def _with_defaults(action: Mapping[str, Any]) -> dict[str, Any]:
    filled = copy.deepcopy(dict(action))
    for key, value in ACTION_DEFAULTS.get(filled["action"], {}).items():
        filled.setdefault(key, value)
    return filled
