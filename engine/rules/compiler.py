"""Rules -> durable-rules definitions, plus the Python predicates they lean on. Compiled once.

Per event type, the enabled rules listening to it become one or more durable rule sets
("chunks"). The matcher asserts one flat fact per event into each chunk:
`{"id", "sid", "ev": <event type>, <slots>}`. A slot holds one fact value of one JSON kind
(`n3`: fact 3 if it is a number, `s3`: if a string, `b3`: if a boolean, `x3`: true if fact 3 is
present) or a predicate computed in Python (`p0`: a regular expression search, a substring
test, a string ordering, a long `in` list, or a whole condition too big for durable). A slot is
absent whenever its fact is missing or of another kind, so durable's comparisons mean exactly
what `conditions.py` says, and `not` can be pushed down to the leaves by De Morgan's laws.
Every rule is ANDed with `ev == <event type>`: durable keeps a state fact of its own per session
that a purely negative condition would otherwise match. Durable tells properties apart by a
32-bit hash of their name alone; a test checks the slot names never collide.
"""

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from livechat.engine.rules.conditions import (
    MISSING,
    ConditionTest,
    compile_condition,
    fact_path,
    json_kind,
)
from livechat.engine.rules.model import AllOf, AnyOf, Condition, Leaf, Not, Rule, Ruleset, Scalar

EVENT_KEY: Final = "ev"

# durable-rules limits (jruizgit/rules src/rules/*.h):
# a rule holds at most 15 $and/$or groups, two markers each (MAX_SEQUENCE_EXPRESSIONS = 32);
# a bigger condition is evaluated in Python as one predicate.
MAX_GROUPS_PER_RULE: Final = 15
# a fact holds at most 255 properties (MAX_OBJECT_PROPERTIES); id, sid and ev are three of them.
MAX_SLOTS_PER_CHUNK: Final = 200
# an alpha node links at most 256 rules and 128 "$nex" tests (BETA_LIST_LENGTH, NEXT_LIST_LENGTH).
MAX_RULES_PER_CHUNK: Final = 64
# a longer `in` list is one Python set lookup instead of a fan of $eq nodes.
MAX_NATIVE_IN: Final = 32
# the longest string a condition may hold (schema maxLength); a longer fact string is cut just
# past it: it stays present and unequal to every rule value, and durable's 16-bit lengths hold.
MAX_STRING: Final = 1024
_INT64: Final = 2**63 - 1

Expr = dict[str, Any]
"""A durable-rules condition, e.g. `{"$and": [{"$eq": {"ev": "page_viewed"}}, {"$gte": {"n0": 10}}]}`."""

Converter = Callable[[Any], Any]
"""A resolved fact value -> the slot's value, or MISSING to leave the slot out."""


def _as_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return MISSING
    if isinstance(value, float):
        return value if math.isfinite(value) else MISSING
    return int(value) if -_INT64 <= value <= _INT64 else float(value)


def _as_string(value: Any) -> Any:
    if not isinstance(value, str):
        return MISSING
    return value if len(value) <= MAX_STRING else value[: MAX_STRING + 1]


def _as_boolean(value: Any) -> Any:
    return value if isinstance(value, bool) else MISSING


def _as_presence(value: Any) -> Any:
    return MISSING if value is MISSING else True


_CONVERTERS: Final[dict[str, Converter]] = {
    "n": _as_number,
    "s": _as_string,
    "b": _as_boolean,
    "x": _as_presence,
}
_SLOT_PREFIX: Final = {"number": "n", "string": "s", "boolean": "b"}
_ORDERINGS: Final = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
_COMPLEMENT: Final = {"lt": "gte", "lte": "gt", "gt": "lte", "gte": "lt"}


@dataclass(frozen=True)
class Slot:
    key: str
    value_index: int
    convert: Converter


@dataclass(frozen=True)
class Predicate:
    key: str
    test: ConditionTest


@dataclass(frozen=True)
class Chunk:
    definition: str  # durable ruleset JSON
    rule_index: Mapping[str, int]  # durable rule name -> Rule.index
    keys: frozenset[str]  # the slots its fact carries


@dataclass(frozen=True)
class EventPlan:
    """Everything needed to match one event type: resolve `paths`, fill slots, assert per chunk."""

    event_type: str
    paths: tuple[tuple[str, ...], ...]
    slots: tuple[Slot, ...]
    predicates: tuple[Predicate, ...]
    always: tuple[int, ...]  # rules without a condition: they match every event of this type
    chunks: tuple[Chunk, ...]


@dataclass(frozen=True)
class CompiledRuleset:
    name: str
    description: str
    source: str
    rules: tuple[Rule, ...]
    plans: Mapping[str, EventPlan]  # by event type


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    by_type: dict[str, list[Rule]] = {}
    for rule in ruleset.rules:
        if rule.enabled:
            for event_type in rule.on:
                by_type.setdefault(event_type, []).append(rule)
    plans = {event_type: _plan(event_type, rules) for event_type, rules in by_type.items()}
    return CompiledRuleset(ruleset.name, ruleset.description, ruleset.source, ruleset.rules, plans)


def _plan(event_type: str, rules: Iterable[Rule]) -> EventPlan:
    builder = _PlanBuilder()
    always: list[int] = []
    conditional: list[tuple[int, Expr, set[str]]] = []
    for rule in rules:
        if rule.when is None:
            always.append(rule.index)
        else:
            expr, keys = _rule_expression(builder, event_type, rule.when)
            conditional.append((rule.index, expr, keys))
    chunks = _chunks(conditional)
    used = frozenset().union(*(chunk.keys for chunk in chunks))  # not those of a rule that fell back
    return EventPlan(
        event_type=event_type,
        paths=builder.paths(),
        slots=tuple(slot for slot in builder.slots.values() if slot.key in used),
        predicates=tuple(p for p in builder.predicates.values() if p.key in used),
        always=tuple(always),
        chunks=chunks,
    )


def _rule_expression(builder: "_PlanBuilder", event_type: str, when: Condition) -> tuple[Expr, set[str]]:
    on_event = {"$eq": {EVENT_KEY: event_type}}
    emitter = _Emitter(builder)
    expr = _group("$and", [on_event, emitter.condition(when, negate=False)])
    if _count_groups(expr) <= MAX_GROUPS_PER_RULE and len(emitter.keys) <= MAX_SLOTS_PER_CHUNK:
        return expr, emitter.keys
    key = builder.predicate(when)
    return _group("$and", [on_event, {"$eq": {key: True}}]), {key}


class _PlanBuilder:
    """Numbers the facts, slots and predicates of one event plan; equal requests share one."""

    def __init__(self) -> None:
        self._paths: dict[str, int] = {}
        self.slots: dict[str, Slot] = {}
        self.predicates: dict[str, Predicate] = {}  # by repr of the condition (1, 1.0 and true differ)

    def paths(self) -> tuple[tuple[str, ...], ...]:
        return tuple(fact_path(name) for name in self._paths)

    def value_index(self, fact: str) -> int:
        return self._paths.setdefault(fact, len(self._paths))

    def slot(self, fact: str, prefix: str) -> str:
        index = self.value_index(fact)
        key = f"{prefix}{index}"
        if key not in self.slots:
            self.slots[key] = Slot(key, index, _CONVERTERS[prefix])
        return key

    def predicate(self, condition: Condition) -> str:
        signature = repr(condition)
        if signature not in self.predicates:
            test = compile_condition(condition, self.value_index)
            self.predicates[signature] = Predicate(f"p{len(self.predicates)}", test)
        return self.predicates[signature].key


class _Emitter:
    """One rule's condition -> a durable expression, negations pushed down to the leaves."""

    def __init__(self, builder: _PlanBuilder) -> None:
        self.builder = builder
        self.keys: set[str] = set()

    def condition(self, condition: Condition, negate: bool) -> Expr:
        match condition:
            case Not(item):
                return self.condition(item, not negate)
            case AllOf(items):
                return _group("$or" if negate else "$and", [self.condition(c, negate) for c in items])
            case AnyOf(items):
                return _group("$and" if negate else "$or", [self.condition(c, negate) for c in items])
            case Leaf():
                return self.leaf(condition, negate)
        raise TypeError(f"not a condition: {condition!r}")

    def leaf(self, leaf: Leaf, negate: bool) -> Expr:
        op, value = leaf.op, leaf.value
        if op == "exists":
            return {"$ex" if value != negate else "$nex": {self._slot(leaf.fact, "x"): 1}}
        if op in ("eq", "ne") and not isinstance(value, tuple):
            key = self._slot(leaf.fact, _SLOT_PREFIX[str(json_kind(value))])
            return _equal(key, value) if (op == "eq") != negate else _differ(key, value)
        if op in _ORDERINGS and not isinstance(value, tuple) and json_kind(value) == "number":
            key = self._slot(leaf.fact, "n")
            if not negate:
                return {_ORDERINGS[op]: {key: _durable(value)}}
            return _group("$or", [{"$nex": {key: 1}}, {_ORDERINGS[_COMPLEMENT[op]]: {key: _durable(value)}}])
        if op == "in" and isinstance(value, tuple) and len(value) <= MAX_NATIVE_IN:
            return self._member(leaf.fact, value, negate)
        key = self.builder.predicate(leaf)
        self.keys.add(key)
        return {"$eq": {key: not negate}}

    def _member(self, fact: str, values: tuple[Scalar, ...], negate: bool) -> Expr:
        by_key: dict[str, list[Scalar]] = {}
        for value in values:
            by_key.setdefault(self._slot(fact, _SLOT_PREFIX[str(json_kind(value))]), []).append(value)
        if not negate:
            return _group("$or", [_equal(key, v) for key, vs in by_key.items() for v in vs])
        # a value has one kind: it is absent from every other kind's slot
        differ = [_group("$or", [{"$nex": {key: 1}}, _all_differ(key, vs)]) for key, vs in by_key.items()]
        return _group("$and", differ)

    def _slot(self, fact: str, prefix: str) -> str:
        key = self.builder.slot(fact, prefix)
        self.keys.add(key)
        return key


def _durable(value: Scalar) -> Scalar:
    return _as_number(value) if json_kind(value) == "number" else value


def _equal(key: str, value: Scalar) -> Expr:
    return {"$eq": {key: _durable(value)}}


def _differ(key: str, value: Scalar) -> Expr:
    return _group("$or", [{"$nex": {key: 1}}, {"$neq": {key: _durable(value)}}])


def _all_differ(key: str, values: list[Scalar]) -> Expr:
    return _group("$and", [{"$neq": {key: _durable(v)}} for v in values])


def _group(op: str, parts: list[Expr]) -> Expr:
    flat: list[Expr] = []
    for part in parts:
        flat.extend(part[op] if op in part else [part])
    return flat[0] if len(flat) == 1 else {op: flat}


def _count_groups(expr: Expr) -> int:
    return sum(
        1 + sum(_count_groups(part) for part in parts) for op, parts in expr.items() if op in ("$and", "$or")
    )


def _chunks(rules: list[tuple[int, Expr, set[str]]]) -> tuple[Chunk, ...]:
    chunks: list[Chunk] = []
    current: list[tuple[int, Expr]] = []
    keys: set[str] = set()
    for index, expr, used in rules:
        if current and (len(current) == MAX_RULES_PER_CHUNK or len(keys | used) > MAX_SLOTS_PER_CHUNK):
            chunks.append(_chunk(current, keys))
            current, keys = [], set()
        current.append((index, expr))
        keys |= used
    if current:
        chunks.append(_chunk(current, keys))
    return tuple(chunks)


def _chunk(rules: list[tuple[int, Expr]], keys: set[str]) -> Chunk:
    definition = {f"r{index}": {"all": [{"m": expr}]} for index, expr in rules}
    return Chunk(json.dumps(definition), {f"r{index}": index for index, _ in rules}, frozenset(keys))
