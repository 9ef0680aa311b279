"""Random rule sets and random facts: the durable-backed matcher agrees with the plain interpreter."""

import random
from typing import Any

import pytest

from livechat.engine.rules.conditions import evaluate, fact_path
from livechat.engine.rules.loader import load_ruleset
from livechat.engine.rules.matcher import Matcher
from livechat.engine.rules.model import parse_condition

FACTS = [
    "visitor.time_on_site",
    "visitor.name",
    "visitor.custom_fields.plan",
    "chat.tags",
    "event.url",
    "settings.Livechat_agent_grace_seconds",
]
SCALARS: list[Any] = [0, 1, 2, 2.5, -1, 10, "", "a", "b", "ab", "A", 'a"b', "é", True, False]
FACT_VALUES: list[Any] = [*SCALARS, None, 1.0, ["a", 1], [], {"a": 1}, "xaby", "/pricing?x=1"]
PATTERNS = ["a", "^a", "b$", r"\d", "(?i)A", "^(?=.*a)(?=.*b)", "pricing", "é"]


def random_leaf(rng: random.Random) -> dict[str, Any]:
    op = rng.choice(["eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "exists", "matches"])
    value: Any
    if op == "in":
        value = rng.sample(SCALARS, rng.randint(1, 4))
    elif op == "exists":
        value = rng.choice([True, False])
    elif op == "matches":
        value = rng.choice(PATTERNS)
    elif op in ("lt", "lte", "gt", "gte"):
        value = rng.choice([s for s in SCALARS if not isinstance(s, bool)])
    else:
        value = rng.choice(SCALARS)
    return {"fact": rng.choice(FACTS), "op": op, "value": value}


def random_condition(rng: random.Random, depth: int) -> dict[str, Any]:
    if depth == 0 or rng.random() < 0.3:
        return random_leaf(rng)
    kind = rng.choice(["all", "any", "not"])
    if kind == "not":
        return {"not": random_condition(rng, depth - 1)}
    return {kind: [random_condition(rng, depth - 1) for _ in range(rng.randint(1, 3))]}


def random_facts(rng: random.Random) -> dict[str, Any]:
    facts: dict[str, Any] = {"event": {"type": "page_viewed"}}
    for name in FACTS:
        if rng.random() < 0.75:
            *parents, key = fact_path(name)
            target = facts
            for parent in parents:
                target = target.setdefault(parent, {})
            target[key] = rng.choice(FACT_VALUES)
    return facts


@pytest.mark.parametrize(
    ("rounds", "max_rules", "depth"),
    [(150, 8, 4), (6, 150, 6)],  # small sets; and big ones: several engine chunks, deep trees
    ids=["small", "big"],
)
def test_random_rule_sets_match_exactly_what_the_interpreter_says(
    rounds: int, max_rules: int, depth: int
) -> None:
    rng = random.Random(20240611 + max_rules)
    checked = fired = 0
    for round_ in range(rounds):
        docs: list[dict[str, Any]] = [
            {
                "id": f"r{i}",
                "on": "page_viewed",
                "when": random_condition(rng, depth),
                "then": [{"action": "enqueue"}],
            }
            for i in range(rng.randint(max_rules // 2, max_rules))
        ]
        compiled = load_ruleset({"ruleset": "triggers", "rules": docs}, f"round-{round_}")
        conditions = {doc["id"]: parse_condition(doc["when"]) for doc in docs}
        with Matcher({"triggers": compiled}) as matcher:
            for _ in range(40):
                facts = random_facts(rng)
                expected = [rule_id for rule_id, c in conditions.items() if evaluate(c, facts)]
                got = [m.rule_id for m in matcher.match("triggers", facts)]
                assert got == expected, (docs, facts)
                fired += len(got)
                checked += len(conditions)
    assert 0.2 < fired / checked < 0.8  # both outcomes are well represented
