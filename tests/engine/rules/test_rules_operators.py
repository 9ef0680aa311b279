"""Each operator, on present, missing and wrongly-typed facts, alone and under all/any/not."""

from collections.abc import Callable
from typing import Any

import pytest

from livechat.engine.rules.conditions import evaluate
from livechat.engine.rules.model import parse_condition

Holds = Callable[[dict[str, Any], dict[str, Any]], bool]


def leaf(fact: str, op: str, value: Any) -> dict[str, Any]:
    return {"fact": fact, "op": op, "value": value}


def visitor(**fields: Any) -> dict[str, Any]:
    return {"visitor": fields}


def page(url: str) -> dict[str, Any]:
    return {"event": {"url": url}}


SECONDS = "visitor.time_on_site"
NAME = "visitor.name"
FIELD = "visitor.custom_fields.plan"

CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # eq: JSON equality, kinds never mix
    ("eq number", leaf(SECONDS, "eq", 10), visitor(time_on_site=10), True),
    ("eq number as float", leaf(SECONDS, "eq", 10), visitor(time_on_site=10.0), True),
    ("eq number vs numeric string", leaf(SECONDS, "eq", 10), visitor(time_on_site="10"), False),
    ("eq number vs other number", leaf(SECONDS, "eq", 10), visitor(time_on_site=11), False),
    ("eq 1 vs true", leaf(FIELD, "eq", 1), {"visitor": {"custom_fields": {"plan": True}}}, False),
    ("eq true vs 1", leaf(FIELD, "eq", True), {"visitor": {"custom_fields": {"plan": 1}}}, False),
    ("eq true", leaf(FIELD, "eq", True), {"visitor": {"custom_fields": {"plan": True}}}, True),
    ("eq false vs false", leaf(FIELD, "eq", False), {"visitor": {"custom_fields": {"plan": False}}}, True),
    ("eq string", leaf(NAME, "eq", "Ana"), visitor(name="Ana"), True),
    ("eq string is case sensitive", leaf(NAME, "eq", "Ana"), visitor(name="ana"), False),
    (
        "eq string with quotes and accents",
        leaf(NAME, "eq", 'Zé "Ana" \\ é'),
        visitor(name='Zé "Ana" \\ é'),
        True,
    ),
    ("eq string prefix", leaf(NAME, "eq", "Ana"), visitor(name="Anabel"), False),
    ("eq empty string", leaf(NAME, "eq", ""), visitor(name=""), True),
    ("eq missing", leaf(NAME, "eq", "Ana"), {}, False),
    ("eq null is missing", leaf(NAME, "eq", "Ana"), visitor(name=None), False),
    ("eq on a list", leaf(NAME, "eq", "Ana"), visitor(name=["Ana"]), False),
    ("eq very long string", leaf(NAME, "eq", "x" * 1024), visitor(name="x" * 5000), False),
    ("eq string of exactly max length", leaf(NAME, "eq", "x" * 1024), visitor(name="x" * 1024), True),
    # ne: the plain negation of eq
    ("ne other", leaf(SECONDS, "ne", 10), visitor(time_on_site=11), True),
    ("ne same", leaf(SECONDS, "ne", 10), visitor(time_on_site=10), False),
    ("ne missing", leaf(SECONDS, "ne", 10), {}, True),
    ("ne other kind", leaf(SECONDS, "ne", 10), visitor(time_on_site="10"), True),
    ("ne long string", leaf(NAME, "ne", "x" * 1024), visitor(name="x" * 5000), True),
    # orderings: numbers with numbers, strings with strings (code points); anything else is false
    ("gte equal", leaf(SECONDS, "gte", 10), visitor(time_on_site=10), True),
    ("gte below", leaf(SECONDS, "gte", 10), visitor(time_on_site=9.99), False),
    ("gt equal", leaf(SECONDS, "gt", 10), visitor(time_on_site=10), False),
    ("gt above", leaf(SECONDS, "gt", 10), visitor(time_on_site=10.5), True),
    ("lt below", leaf(SECONDS, "lt", 0), visitor(time_on_site=-1), True),
    ("lt equal", leaf(SECONDS, "lt", 0), visitor(time_on_site=0), False),
    ("lte equal", leaf(SECONDS, "lte", 2.5), visitor(time_on_site=2.5), True),
    ("lte above", leaf(SECONDS, "lte", 2.5), visitor(time_on_site=3), False),
    ("gte missing", leaf(SECONDS, "gte", 10), {}, False),
    ("lt missing", leaf(SECONDS, "lt", 10), {}, False),
    ("gte on a string", leaf(SECONDS, "gte", 10), visitor(time_on_site="20"), False),
    ("gte on a boolean", leaf(SECONDS, "gte", 0), visitor(time_on_site=True), False),
    ("gte huge integer", leaf(SECONDS, "gte", 10), visitor(time_on_site=2**70), True),
    ("gt string", leaf(NAME, "gt", "b"), visitor(name="c"), True),
    ("gt string by code point", leaf(NAME, "gt", "a"), visitor(name="B"), False),
    ("gt string accent after z", leaf(NAME, "gt", "z"), visitor(name="é"), True),
    ("lt string vs number", leaf(NAME, "lt", "b"), visitor(name=1), False),
    # in: membership with the same JSON equality
    ("in string", leaf(NAME, "in", ["Ana", 1, True]), visitor(name="Ana"), True),
    ("in number", leaf(NAME, "in", ["Ana", 1, True]), visitor(name=1), True),
    ("in number as float", leaf(NAME, "in", ["Ana", 1, True]), visitor(name=1.0), True),
    ("in boolean", leaf(NAME, "in", ["Ana", 1, True]), visitor(name=True), True),
    ("in numeric string", leaf(NAME, "in", ["Ana", 1, True]), visitor(name="1"), False),
    ("in other", leaf(NAME, "in", ["Ana", 1, True]), visitor(name="Bia"), False),
    ("in missing", leaf(NAME, "in", ["Ana"]), {}, False),
    ("in on a list", leaf(NAME, "in", ["Ana"]), visitor(name=["Ana"]), False),
    ("in a long list", leaf(SECONDS, "in", list(range(100))), visitor(time_on_site=99), True),
    ("in a long list, not there", leaf(SECONDS, "in", list(range(100))), visitor(time_on_site=100), False),
    ("in a long list, kinds kept", leaf(SECONDS, "in", list(range(100))), visitor(time_on_site=True), False),
    # contains: list contains item, string contains substring
    ("contains list item", leaf("chat.tags", "contains", "vip"), {"chat": {"tags": ["new", "vip"]}}, True),
    ("contains list missing item", leaf("chat.tags", "contains", "vip"), {"chat": {"tags": ["new"]}}, False),
    ("contains list number", leaf("chat.tags", "contains", 1), {"chat": {"tags": [1.0]}}, True),
    ("contains list kinds", leaf("chat.tags", "contains", 1), {"chat": {"tags": ["1", True]}}, False),
    ("contains substring", leaf(NAME, "contains", "na B"), visitor(name="Ana Bia"), True),
    ("contains substring absent", leaf(NAME, "contains", "x"), visitor(name="Ana"), False),
    ("contains number in string", leaf(NAME, "contains", 1), visitor(name="a1"), False),
    ("contains on a number", leaf(SECONDS, "contains", 1), visitor(time_on_site=1), False),
    ("contains missing", leaf("chat.tags", "contains", "vip"), {}, False),
    # exists: present and not null
    ("exists present", leaf(NAME, "exists", True), visitor(name="Ana"), True),
    ("exists empty string", leaf(NAME, "exists", True), visitor(name=""), True),
    ("exists zero", leaf(SECONDS, "exists", True), visitor(time_on_site=0), True),
    (
        "exists false value",
        leaf(FIELD, "exists", True),
        {"visitor": {"custom_fields": {"plan": False}}},
        True,
    ),
    ("exists list", leaf("chat.tags", "exists", True), {"chat": {"tags": []}}, True),
    ("exists null", leaf(NAME, "exists", True), visitor(name=None), False),
    ("exists missing", leaf(NAME, "exists", True), {}, False),
    ("exists non-JSON value", leaf(NAME, "exists", True), visitor(name=object()), False),
    ("exists under a non-object", leaf(NAME, "exists", True), {"visitor": "Ana"}, False),
    ("not exists missing", leaf(NAME, "exists", False), {}, True),
    ("not exists present", leaf(NAME, "exists", False), visitor(name="Ana"), False),
    # matches: Python re.search, like Rocket.Chat's page-url condition
    (
        "matches searches",
        leaf("event.url", "matches", "/pricing"),
        page("https://x.io/pricing?plan=pro"),
        True,
    ),
    ("matches anchored", leaf("event.url", "matches", "^/pricing"), page("https://x.io/pricing"), False),
    ("matches anchored ok", leaf("event.url", "matches", "^https://"), page("https://x.io/"), True),
    (
        "matches case-insensitive flag",
        leaf("event.url", "matches", "(?i)PRICING"),
        page("https://x.io/pricing"),
        True,
    ),
    (
        "matches is case sensitive",
        leaf("event.url", "matches", "PRICING"),
        page("https://x.io/pricing"),
        False,
    ),
    ("matches digits", leaf("event.url", "matches", r"/order/\d{3}$"), page("/order/123"), True),
    ("matches digits too long", leaf("event.url", "matches", r"/order/\d{3}$"), page("/order/1234"), False),
    ("matches lookahead", leaf("event.url", "matches", "^(?=.*plan)(?=.*pro)"), page("/pro?plan"), True),
    ("matches lookahead miss", leaf("event.url", "matches", "^(?=.*plan)(?=.*pro)"), page("/plan"), False),
    ("matches negative lookahead", leaf("event.url", "matches", r"^/(?!admin)"), page("/admin"), False),
    ("matches alternation", leaf("event.url", "matches", r"\.(?:com|io)/"), page("https://x.io/a"), True),
    ("matches dot is any", leaf("event.url", "matches", "a.c"), page("abc"), True),
    ("matches a number fact", leaf(SECONDS, "matches", "1"), visitor(time_on_site=1), False),
    ("matches missing", leaf("event.url", "matches", "."), {}, False),
    ("matches unicode", leaf(NAME, "matches", r"^\w+ão$"), visitor(name="João"), True),
    # facts under a prefix: the rest of the name is one key, dots included
    (
        "custom field with a dot",
        leaf("visitor.custom_fields.utm.source", "eq", "ads"),
        {"visitor": {"custom_fields": {"utm.source": "ads"}}},
        True,
    ),
    (
        "setting",
        leaf("settings.Livechat_agent_grace_seconds", "gt", 0),
        {"settings": {"Livechat_agent_grace_seconds": 60}},
        True,
    ),
]


@pytest.mark.parametrize(
    ("condition", "facts", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_leaf_fires_exactly_when_its_comparison_holds(
    holds: Holds, condition: dict[str, Any], facts: dict[str, Any], expected: bool
) -> None:
    assert holds(condition, facts) is expected


@pytest.mark.parametrize(
    ("condition", "facts", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_not_of_a_leaf_is_its_exact_negation(
    holds: Holds, condition: dict[str, Any], facts: dict[str, Any], expected: bool
) -> None:
    assert holds({"not": condition}, facts) is (not expected)
    assert holds({"not": {"not": condition}}, facts) is expected


@pytest.mark.parametrize(
    ("condition", "facts", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_reference_interpreter_agrees(
    condition: dict[str, Any], facts: dict[str, Any], expected: bool
) -> None:
    full = {**facts, "event": {"type": "page_viewed", **facts.get("event", {})}}
    assert evaluate(parse_condition(condition), full) is expected


OLD = leaf(SECONDS, "gte", 10)
ANA = leaf(NAME, "eq", "Ana")
PRO = leaf(FIELD, "in", ["pro", "team"])

NESTED: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    ("all true", {"all": [OLD, ANA]}, visitor(time_on_site=11, name="Ana"), True),
    ("all one false", {"all": [OLD, ANA]}, visitor(time_on_site=11, name="Bia"), False),
    ("all one missing", {"all": [OLD, ANA]}, visitor(time_on_site=11), False),
    ("any one true", {"any": [OLD, ANA]}, visitor(name="Ana"), True),
    ("any none true", {"any": [OLD, ANA]}, visitor(time_on_site=1), False),
    ("any all missing", {"any": [OLD, ANA]}, {}, False),
    ("not all, one false", {"not": {"all": [OLD, ANA]}}, visitor(time_on_site=11, name="Bia"), True),
    ("not all, both true", {"not": {"all": [OLD, ANA]}}, visitor(time_on_site=11, name="Ana"), False),
    ("not all, all missing", {"not": {"all": [OLD, ANA]}}, {}, True),
    ("not any, none true", {"not": {"any": [OLD, ANA]}}, visitor(time_on_site=1, name="Bia"), True),
    ("not any, missing", {"not": {"any": [OLD, ANA]}}, {}, True),
    ("not any, one true", {"not": {"any": [OLD, ANA]}}, visitor(name="Ana"), False),
    ("all of any and not", {"all": [{"any": [OLD, ANA]}, {"not": PRO}]}, visitor(name="Ana"), True),
    (
        "all of any and not, pro",
        {"all": [{"any": [OLD, ANA]}, {"not": PRO}]},
        {"visitor": {"name": "Ana", "custom_fields": {"plan": "pro"}}},
        False,
    ),
    (
        "any of alls",
        {"any": [{"all": [OLD, ANA]}, {"all": [PRO, {"not": OLD}]}]},
        {"visitor": {"time_on_site": 3, "custom_fields": {"plan": "team"}}},
        True,
    ),
    (
        "any of alls, neither",
        {"any": [{"all": [OLD, ANA]}, {"all": [PRO, {"not": OLD}]}]},
        {"visitor": {"time_on_site": 30, "custom_fields": {"plan": "team"}}},
        False,
    ),
    ("single-item groups", {"all": [{"any": [{"all": [ANA]}]}]}, visitor(name="Ana"), True),
    (
        "not of a regex in any",
        {"any": [{"not": leaf("event.url", "matches", "admin")}, ANA]},
        page("/admin"),
        False,
    ),
]


@pytest.mark.parametrize(
    ("condition", "facts", "expected"), [c[1:] for c in NESTED], ids=[c[0] for c in NESTED]
)
def test_all_any_not_combine_like_logic(
    holds: Holds, condition: dict[str, Any], facts: dict[str, Any], expected: bool
) -> None:
    assert holds(condition, facts) is expected
    assert holds({"not": condition}, facts) is (not expected)


def test_a_condition_too_deep_for_durable_still_matches_exactly(holds: Holds) -> None:
    condition: dict[str, Any] = ANA
    for depth in range(20):  # 20 nested groups: more than durable holds in one rule
        condition = (
            {"all": [condition, leaf(SECONDS, "ne", depth)]}
            if depth % 2
            else {"any": [condition, leaf(SECONDS, "eq", depth)]}
        )
    outcomes = set()
    for seconds in range(0, 20, 3):
        for name in ("Ana", "Bia"):
            facts = visitor(name=name, time_on_site=seconds)
            expected = evaluate(parse_condition(condition), {**facts, "event": {"type": "page_viewed"}})
            assert holds(condition, facts) is expected
            assert holds({"not": condition}, facts) is (not expected)
            outcomes.add(expected)
    assert outcomes == {True, False}
