"""What the compiler hands durable-rules: our dialect never leaks, its limits are respected."""

import json
from typing import Any

from livechat.engine.rules import compiler
from livechat.engine.rules.compiler import EVENT_KEY, MAX_GROUPS_PER_RULE, CompiledRuleset
from livechat.engine.rules.loader import load_ruleset
from livechat.engine.rules.matcher import Matcher


def compile_rules(*rules: dict[str, Any]) -> CompiledRuleset:
    return load_ruleset({"ruleset": "triggers", "rules": list(rules)}, "test.json")


def rule(rule_id: str, when: dict[str, Any] | None = None, on: Any = "page_viewed") -> dict[str, Any]:
    doc: dict[str, Any] = {"id": rule_id, "on": on, "then": [{"action": "enqueue"}]}
    return doc if when is None else {**doc, "when": when}


def definitions(compiled: CompiledRuleset, event_type: str = "page_viewed") -> list[dict[str, Any]]:
    return [json.loads(chunk.definition) for chunk in compiled.plans[event_type].chunks]


def test_a_rule_compiles_to_a_durable_condition_on_flat_slots() -> None:
    compiled = compile_rules(
        rule(
            "pricing",
            {
                "all": [
                    {"fact": "event.url", "op": "matches", "value": "/pricing"},
                    {"fact": "visitor.time_on_site", "op": "gte", "value": 10},
                ]
            },
        )
    )
    [definition] = definitions(compiled)
    assert definition == {
        "r0": {
            "all": [
                {"m": {"$and": [{"$eq": {"ev": "page_viewed"}}, {"$eq": {"p0": True}}, {"$gte": {"n1": 10}}]}}
            ]
        }
    }
    plan = compiled.plans["page_viewed"]
    assert plan.paths == (("event", "url"), ("visitor", "time_on_site"))


def test_durable_never_sees_a_regex_or_a_dotted_name() -> None:
    compiled = compile_rules(
        rule(
            "a",
            {
                "any": [
                    {"fact": "event.url", "op": "matches", "value": "^/a"},
                    {"fact": "visitor.name", "op": "contains", "value": "x"},
                    {"fact": "visitor.custom_fields.utm.source", "op": "ne", "value": "ads"},
                ]
            },
        ),
    )
    text = compiled.plans["page_viewed"].chunks[0].definition
    assert "$mt" not in text and "$imt" not in text and "visitor" not in text and "^/a" not in text


def test_not_is_pushed_down_with_exact_complements() -> None:
    compiled = compile_rules(
        rule(
            "a",
            {
                "not": {
                    "all": [
                        {"fact": "visitor.time_on_site", "op": "lt", "value": 5},
                        {"fact": "visitor.name", "op": "eq", "value": "Ana"},
                    ]
                }
            },
        )
    )
    [definition] = definitions(compiled)
    assert definition["r0"]["all"][0]["m"] == {
        "$and": [
            {"$eq": {"ev": "page_viewed"}},
            {"$or": [{"$nex": {"n0": 1}}, {"$gte": {"n0": 5}}, {"$nex": {"s1": 1}}, {"$neq": {"s1": "Ana"}}]},
        ]
    }


def test_every_rule_is_anded_with_its_event_type() -> None:
    compiled = compile_rules(
        rule(
            "a", {"fact": "visitor.name", "op": "exists", "value": False}, on=["page_viewed", "widget_opened"]
        )
    )
    for event_type in ("page_viewed", "widget_opened"):
        [definition] = definitions(compiled, event_type)
        assert definition["r0"]["all"][0]["m"]["$and"][0] == {"$eq": {EVENT_KEY: event_type}}


def test_rules_without_a_condition_skip_the_engine() -> None:
    plan = compile_rules(rule("a"), rule("b")).plans["page_viewed"]
    assert plan.always == (0, 1) and plan.chunks == ()


def test_equal_predicates_are_computed_once_but_kinds_stay_apart() -> None:
    contains = [{"fact": "chat.tags", "op": "contains", "value": v} for v in (1, 1, True, 1.0)]
    plan = compile_rules(*(rule(f"r{i}", c) for i, c in enumerate(contains))).plans["page_viewed"]
    assert [p.key for p in plan.predicates] == ["p0", "p1", "p2"]  # 1 twice; true; 1.0


def test_a_condition_durable_cannot_hold_becomes_one_python_predicate() -> None:
    deep: dict[str, Any] = {"fact": "visitor.name", "op": "exists", "value": True}
    for n in range(MAX_GROUPS_PER_RULE + 1):  # alternating groups: nothing to flatten
        deep = {"all" if n % 2 else "any": [deep, {"fact": "visitor.time_on_site", "op": "eq", "value": n}]}
    compiled = compile_rules(rule("deep", deep))
    [definition] = definitions(compiled)
    [predicate] = compiled.plans["page_viewed"].predicates
    on_event = {"$eq": {"ev": "page_viewed"}}
    assert definition["r0"]["all"][0]["m"] == {"$and": [on_event, {"$eq": {predicate.key: True}}]}
    assert compiled.plans["page_viewed"].slots == ()  # nothing is computed for durable in vain


def test_a_condition_at_durables_limit_stays_native() -> None:
    deep: dict[str, Any] = {"fact": "visitor.name", "op": "exists", "value": True}
    for n in range(MAX_GROUPS_PER_RULE - 1):  # plus the top-level $and with the event type
        deep = {"any" if n % 2 else "all": [deep, {"fact": "visitor.time_on_site", "op": "eq", "value": n}]}
    [definition] = definitions(compile_rules(rule("edge", deep)))
    assert "p0" not in json.dumps(definition)


def test_many_rules_spread_over_chunks_and_all_still_match() -> None:
    rules = [
        rule(f"r{i}", {"fact": "event.url", "op": "matches", "value": f"/page/{i}$"}) for i in range(300)
    ]
    compiled = compile_rules(*rules)
    plan = compiled.plans["page_viewed"]
    assert len(plan.chunks) >= 300 // compiler.MAX_RULES_PER_CHUNK
    assert all(len(chunk.keys) <= compiler.MAX_SLOTS_PER_CHUNK for chunk in plan.chunks)
    with Matcher({"triggers": compiled}) as matcher:
        for i in (0, 63, 64, 199, 299):
            facts = {"event": {"type": "page_viewed", "url": f"/page/{i}"}}
            assert [m.rule_id for m in matcher.match("triggers", facts)] == [f"r{i}"]


def fnv1a_32(name: str) -> int:
    """durable-rules identifies a property by this hash of its name alone (src/rules/json.c)."""
    value = 0x811C9DC5
    for byte in name.encode():
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


def test_slot_names_never_collide_in_durables_property_hash() -> None:
    names = ["id", "sid", EVENT_KEY] + [f"{prefix}{n}" for prefix in "nsbxp" for n in range(5000)]
    assert len({fnv1a_32(name) for name in names}) == len(names)
