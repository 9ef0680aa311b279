"""Is a rule document acceptable? The schema first (Draft 2020-12), then what it means.

Both passes run on every document and report every problem with its location; the semantic
pass walks defensively, since it also sees documents the schema rejected.
"""

import difflib
import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from livechat.engine.events import EVENT_TYPES
from livechat.engine.rules.errors import Location, json_path
from livechat.engine.rules.facts import FACTS, is_known_fact

Problem = tuple[Location, str]

_MAX_MESSAGE = 200  # a schema message quotes the offending value; keep long ones readable
_ORDERINGS = frozenset({"lt", "lte", "gt", "gte"})
_START_TIMER_ONE_OF = [{"required": ["seconds"]}, {"required": ["seconds_setting"]}]
# problems are listed in the order a reader meets them in the file
_FILE_ORDER = ("ruleset", "description", "rules", "id", "enabled", "priority", "on", "when", "then", "once")
_KEY_RANK = {key: rank for rank, key in enumerate(_FILE_ORDER)}


@functools.cache
def ruleset_schema() -> dict[str, Any]:
    text = resources.files("livechat.schemas").joinpath("ruleset.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return schema


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(ruleset_schema())


def problems(doc: object) -> list[Problem]:
    found = [(tuple(e.absolute_path), _schema_message(e)) for e in _validator().iter_errors(doc)]
    found += semantic_problems(doc)
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda problem: _location_order(problem[0]))


def _schema_message(error: ValidationError) -> str:
    if error.validator == "oneOf" and error.validator_value == _START_TIMER_ONE_OF:
        return "start_timer takes exactly one of 'seconds' or 'seconds_setting'"
    message = error.message
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def _location_order(location: Location) -> tuple[tuple[int, str], ...]:
    return tuple((key, "") if isinstance(key, int) else (_KEY_RANK.get(key, 99), key) for key in location)


def semantic_problems(doc: object) -> list[Problem]:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("rules"), list):
        return []
    found: list[Problem] = []
    first_use: dict[str, int] = {}
    for index, rule in enumerate(doc["rules"]):
        if not isinstance(rule, Mapping):
            continue
        at: Location = ("rules", index)
        rule_id = rule.get("id")
        if isinstance(rule_id, str):
            if rule_id in first_use:
                first = json_path(("rules", first_use[rule_id], "id"))
                found.append(((*at, "id"), f"duplicate rule id {rule_id!r} (first used at {first})"))
            else:
                first_use[rule_id] = index
        found += _event_problems(rule.get("on"), (*at, "on"))
        if "when" in rule:
            found += _condition_problems(rule["when"], (*at, "when"))
    return found


def _event_problems(on: object, at: Location) -> list[Problem]:
    named = [(at, on)] if isinstance(on, str) else list(_indexed(on, at))
    return [
        (where, f"{name!r} is not an event type{_suggest(name, EVENT_TYPES)}")
        for where, name in named
        if isinstance(name, str) and name not in EVENT_TYPES
    ]


def _indexed(items: object, at: Location) -> Iterable[tuple[Location, object]]:
    if isinstance(items, list):
        for index, item in enumerate(items):
            yield (*at, index), item


def _condition_problems(condition: object, at: Location) -> list[Problem]:
    if not isinstance(condition, Mapping):
        return []
    for group in ("all", "any"):
        if group in condition:
            items = _indexed(condition[group], (*at, group))
            return [problem for where, item in items for problem in _condition_problems(item, where)]
    if "not" in condition:
        return _condition_problems(condition["not"], (*at, "not"))
    found: list[Problem] = []
    fact = condition.get("fact")
    if isinstance(fact, str) and not is_known_fact(fact):
        found.append(((*at, "fact"), f"{fact!r} is not a known fact{_suggest(fact, FACTS)}"))
    op = condition.get("op")
    if isinstance(op, str) and "value" in condition:
        message = _value_problem(op, condition["value"]) or _state_problem(fact, op, condition["value"])
        if message:
            found.append(((*at, "value"), message))
    return found


# Facts that only ever hold one of a few states: comparing one with anything else is a rule
# that can never (or, with `ne`, always) apply, almost surely a typo.
STATES: dict[str, tuple[str, ...]] = {
    "chat.status": ("new", "queued", "taken", "closed"),
    "agent.status": ("available", "not-available"),
    "event.status": ("available", "not-available"),
    "event.previous_status": ("available", "not-available"),
    "event.sender": ("visitor", "agent"),
    "event.closer": ("visitor", "user", "system"),
}


def _state_problem(fact: object, op: str, value: object) -> str | None:
    states = STATES.get(fact) if isinstance(fact, str) else None
    if states is None or op not in ("eq", "ne", "in"):
        return None
    for item in value if isinstance(value, list) else [value]:
        if item not in states:
            return f"unreachable state: {fact} is one of {', '.join(states)}, never {item!r}"
    return None


def _value_problem(op: str, value: object) -> str | None:
    values = value if isinstance(value, list) else [value]
    for item in values:
        if isinstance(item, float) and not math.isfinite(item):
            return f"{item!r} is not a finite number"
    if op == "exists":
        return None if isinstance(value, bool) else f"'exists' takes true or false, got {value!r}"
    if op == "in":
        return None if isinstance(value, list) else f"'in' takes a list of values, got {value!r}"
    if isinstance(value, list):
        return f"{op!r} takes a single value, got the list {value!r}"
    if op in _ORDERINGS and (isinstance(value, bool) or not isinstance(value, int | float | str)):
        return f"{op!r} compares numbers or strings, got {value!r}"
    if op == "matches":
        if not isinstance(value, str):
            return f"'matches' takes a regular expression, got {value!r}"
        try:
            re.compile(value)
        except re.error as exc:
            return f"{value!r} is not a valid regular expression ({exc})"
    return None


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
