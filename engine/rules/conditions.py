"""What a condition means, in plain Python. The durable-rules compilation must agree with this.

A fact is *missing* when its path is absent, null, or not JSON data. A missing fact compares
false, so `ne`, `exists: false` and `not (...)` are true for it. Values compare as JSON values:
strings with strings, numbers with numbers (1 == 1.0), booleans with booleans (true is not 1);
a comparison across kinds is false.
"""

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from livechat.engine.rules.facts import FACT_PREFIXES
from livechat.engine.rules.model import AllOf, AnyOf, Condition, Leaf, Not, Scalar


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

ValueTest = Callable[[Any], bool]
"""A leaf turned into a method: takes the resolved fact value (possibly MISSING)."""

ConditionTest = Callable[[Sequence[Any]], bool]
"""A condition turned into a method: takes the resolved values of the facts it names."""

_ORDERINGS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
MATCH_INPUT_LIMIT = 4096  # characters of a fact a `matches` sees; URLs and page titles fit


def fact_path(name: str) -> tuple[str, ...]:
    """`visitor.time_on_site` -> ("visitor", "time_on_site"); a custom field or setting name
    after its prefix is one key even if it contains dots."""
    for prefix in FACT_PREFIXES:
        if name.startswith(prefix):
            return (*prefix[:-1].split("."), name[len(prefix) :])
    return tuple(name.split("."))


def json_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number"
    if isinstance(value, float):
        return "number" if math.isfinite(value) else None
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return None


_PLAIN: Final = frozenset({str, int, bool, list, dict})  # JSON for sure; anything else is checked


def resolve(facts: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = facts
    for key in path:
        if type(node) is not dict and not isinstance(node, Mapping):
            return MISSING
        node = node.get(key)
        if node is None:
            return MISSING
    return node if type(node) in _PLAIN or json_kind(node) is not None else MISSING


def json_equal(a: Any, b: Any) -> bool:
    kind = json_kind(a)
    return kind is not None and kind == json_kind(b) and bool(a == b)


def leaf_test(op: str, value: Scalar | tuple[Scalar, ...]) -> ValueTest:
    if op == "eq":
        return lambda v: json_equal(v, value)
    if op == "ne":
        return lambda v: not json_equal(v, value)
    if op in _ORDERINGS:
        compare, kind = _ORDERINGS[op], json_kind(value)
        return lambda v: json_kind(v) == kind and compare(v, value)
    if op == "in":
        assert isinstance(value, tuple), f"'in' takes a list, got {value!r}"
        members = frozenset((json_kind(x), x) for x in value)
        return lambda v: json_kind(v) in ("string", "number", "boolean") and (json_kind(v), v) in members
    if op == "contains":
        return lambda v: _contains(v, value)
    if op == "exists":
        return lambda v: (v is not MISSING) == value
    if op == "matches":
        assert isinstance(value, str), f"'matches' takes a regular expression, got {value!r}"
        search = re.compile(value).search
        # a manager's regex runs on every event: bounding its input bounds a backtracking pattern
        return lambda v: isinstance(v, str) and search(v[:MATCH_INPUT_LIMIT]) is not None
    raise ValueError(f"unknown operator {op!r}")


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, list | tuple):
        return any(json_equal(x, item) for x in container)
    return isinstance(container, str) and isinstance(item, str) and item in container


def evaluate(condition: Condition, facts: Mapping[str, Any]) -> bool:
    """The reference interpreter: slow and obviously right; tests hold the matcher to it."""
    match condition:
        case AllOf(items):
            return all(evaluate(c, facts) for c in items)
        case AnyOf(items):
            return any(evaluate(c, facts) for c in items)
        case Not(item):
            return not evaluate(item, facts)
        case Leaf(fact, op, value):
            return leaf_test(op, value)(resolve(facts, fact_path(fact)))
    raise TypeError(f"not a condition: {condition!r}")


def compile_condition(condition: Condition, slot: Callable[[str], int]) -> ConditionTest:
    """Turn a condition into a closure over resolved fact values; `slot(fact)` says where each is."""
    match condition:
        case AllOf(items):
            parts = tuple(compile_condition(c, slot) for c in items)
            return lambda values: all(p(values) for p in parts)
        case AnyOf(items):
            parts = tuple(compile_condition(c, slot) for c in items)
            return lambda values: any(p(values) for p in parts)
        case Not(item):
            inner = compile_condition(item, slot)
            return lambda values: not inner(values)
        case Leaf(fact, op, value):
            index, test = slot(fact), leaf_test(op, value)
            return lambda values: test(values[index])
    raise TypeError(f"not a condition: {condition!r}")
