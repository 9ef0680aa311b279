"""The Matcher API: ordering, event types, rule sets, hot reload, threads, isolation between events."""

import datetime
import random
import threading
from collections.abc import Callable
from typing import Any

import pytest

from livechat.engine.rules.conditions import evaluate
from livechat.engine.rules.loader import load_ruleset
from livechat.engine.rules.matcher import Match, Matcher
from livechat.engine.rules.model import parse_condition

MakeMatcher = Callable[..., Matcher]


def rule(rule_id: str, when: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": rule_id, "on": "page_viewed", "then": [{"action": "enqueue"}], **fields}
    return doc if when is None else {**doc, "when": when}


def ids(matches: list[Match]) -> list[str]:
    return [m.rule_id for m in matches]


def viewed(**visitor: Any) -> dict[str, Any]:
    return {"event": {"type": "page_viewed", "url": "/"}, "visitor": visitor}


def test_a_match_carries_the_rule_and_its_actions_in_order(matcher_for: MakeMatcher) -> None:
    actions: list[dict[str, Any]] = [
        {"action": "send_message", "sender": "custom", "name": "Bia", "text": "Hi!"},
        {"action": "tag", "tags": ["greeted"]},
    ]
    matcher = matcher_for(rule("greet", then=actions, priority=3, once="per_visitor"))
    assert matcher.match("triggers", viewed()) == [
        Match("triggers", "greet", 3, "per_visitor", tuple(actions))
    ]


def test_higher_priority_fires_first_then_file_order(matcher_for: MakeMatcher) -> None:
    matcher = matcher_for(
        rule("a"), rule("b", priority=5), rule("c"), rule("d", priority=-1), rule("e", priority=5)
    )
    assert ids(matcher.match("triggers", viewed())) == ["b", "e", "a", "c", "d"]


def test_a_disabled_rule_never_matches(matcher_for: MakeMatcher) -> None:
    matcher = matcher_for(
        rule("off", enabled=False),
        rule("off-conditional", {"fact": "visitor.name", "op": "exists", "value": False}, enabled=False),
        rule("on"),
    )
    assert ids(matcher.match("triggers", viewed())) == ["on"]


def test_only_rules_listening_to_the_event_type_match(matcher_for: MakeMatcher) -> None:
    matcher = matcher_for(
        rule("pages", on="page_viewed"),
        rule("both", on=["widget_opened", "page_viewed"]),
        rule("widget", on=["widget_opened"]),
        rule("negative", {"fact": "visitor.name", "op": "exists", "value": False}, on="widget_opened"),
    )
    assert ids(matcher.match("triggers", viewed(name="Ana"))) == ["pages", "both"]
    assert ids(matcher.match("triggers", {"event": {"type": "widget_opened"}})) == [
        "both",
        "widget",
        "negative",
    ]
    assert ids(matcher.match("triggers", {"event": {"type": "chat_closed"}})) == []
    assert ids(matcher.match("triggers", {"event": {"type": "no_such_event"}})) == []


def test_a_purely_negative_rule_fires_only_on_its_events(matcher_for: MakeMatcher) -> None:
    # durable keeps a state fact of its own that a bare negative condition would match
    matcher = matcher_for(rule("no-name", {"not": {"fact": "visitor.name", "op": "exists", "value": True}}))
    assert ids(matcher.match("triggers", viewed(name="Ana"))) == []
    assert ids(matcher.match("triggers", viewed(name="Ana"))) == []
    assert ids(matcher.match("triggers", viewed())) == ["no-name"]


def test_a_rule_fires_once_per_event_even_when_several_branches_hold(matcher_for: MakeMatcher) -> None:
    either = {
        "any": [
            {"fact": "visitor.name", "op": "eq", "value": "Ana"},
            {"fact": "visitor.time_on_site", "op": "gt", "value": 1},
        ]
    }
    matcher = matcher_for(rule("either", either))
    assert ids(matcher.match("triggers", viewed(name="Ana", time_on_site=5))) == ["either"]


def test_values_that_are_not_json_count_as_missing(matcher_for: MakeMatcher) -> None:
    matcher = matcher_for(
        rule("named", {"fact": "visitor.name", "op": "exists", "value": True}),
        rule("not-ana", {"fact": "visitor.name", "op": "ne", "value": "Ana"}),
    )
    facts = viewed(name=datetime.datetime(2024, 1, 1), email={1, 2})
    assert ids(matcher.match("triggers", facts)) == ["not-ana"]


def test_facts_without_an_event_type_are_refused(matcher_for: MakeMatcher) -> None:
    matcher = matcher_for(rule("a"))
    with pytest.raises(ValueError, match="event.type"):
        matcher.match("triggers", {"visitor": {}})
    with pytest.raises(ValueError, match="event.type"):
        matcher.match("triggers", {"event": {"type": 3}})


def test_an_unknown_rule_set_is_named(matcher_for: MakeMatcher) -> None:
    matcher = matcher_for(rule("a"))
    with pytest.raises(LookupError, match="'routing'.*triggers"):
        matcher.match("routing", viewed())


def compiled(name: str, *rules: dict[str, Any]) -> Any:
    return load_ruleset({"ruleset": name, "rules": list(rules)}, f"{name}.json")


def test_match_all_runs_routing_then_lifecycle_then_triggers_then_the_rest() -> None:
    rulesets = {
        "triggers": compiled("triggers", rule("t")),
        "extra": compiled("triggers", rule("x", priority=99)),
        "lifecycle": compiled("lifecycle", rule("l")),
        "routing": compiled("routing", rule("r", priority=-5)),
    }
    with Matcher(rulesets) as matcher:
        assert [(m.ruleset, m.rule_id) for m in matcher.match_all(viewed())] == [
            ("routing", "r"),
            ("lifecycle", "l"),
            ("triggers", "t"),
            ("extra", "x"),
        ]
        assert matcher.rulesets == ("routing", "lifecycle", "triggers", "extra")


def test_replace_swaps_one_rule_set_and_leaves_the_others() -> None:
    with Matcher(
        {"triggers": compiled("triggers", rule("old")), "routing": compiled("routing", rule("r"))}
    ) as m:
        m.replace(
            "triggers",
            compiled("triggers", rule("new", {"fact": "visitor.name", "op": "eq", "value": "Ana"})),
        )
        assert ids(m.match("triggers", viewed(name="Ana"))) == ["new"]
        assert ids(m.match("triggers", viewed(name="Bia"))) == []
        assert ids(m.match("routing", viewed())) == ["r"]
        m.replace("lifecycle", compiled("lifecycle", rule("added")))
        assert ids(m.match("lifecycle", viewed())) == ["added"]


def test_reloading_many_times_keeps_working() -> None:
    with Matcher({"triggers": compiled("triggers", rule("v0"))}) as matcher:
        for version in range(1, 300):
            matcher.replace(
                "triggers",
                compiled(
                    "triggers", rule(f"v{version}", {"fact": "visitor.name", "op": "exists", "value": True})
                ),
            )
        assert ids(matcher.match("triggers", viewed(name="Ana"))) == ["v299"]


def test_a_closed_matcher_matches_nothing_and_says_so(matcher_for: MakeMatcher) -> None:
    matcher = matcher_for(rule("a"))
    matcher.close()
    with pytest.raises(LookupError):
        matcher.match("triggers", viewed())


VISITOR_RULES = [
    rule("lingering", {"fact": "visitor.time_on_site", "op": "gte", "value": 30}),
    rule(
        "pricing",
        {
            "all": [
                {"fact": "event.url", "op": "matches", "value": "/pricing"},
                {"fact": "visitor.pages_viewed", "op": "gt", "value": 2},
            ]
        },
    ),
    rule("vip", {"fact": "visitor.custom_fields.plan", "op": "in", "value": ["pro", "team"]}),
    rule("anonymous", {"not": {"fact": "visitor.name", "op": "exists", "value": True}}),
    rule("not-from-ads", {"fact": "visitor.custom_fields.utm", "op": "ne", "value": "ads"}),
]


def visitor_facts(rng: random.Random, number: int) -> dict[str, Any]:
    visitor: dict[str, Any] = {
        "token": f"v{number}",
        "time_on_site": rng.randint(0, 60),
        "pages_viewed": rng.randint(0, 5),
    }
    if rng.random() < 0.5:
        visitor["name"] = f"Visitor {number}"
    visitor["custom_fields"] = {
        k: rng.choice(v)
        for k, v in {"plan": ["free", "pro", "team"], "utm": ["ads", "mail"]}.items()
        if rng.random() < 0.7
    }
    url = rng.choice(["/", "/pricing", "/docs/pricing-faq", "/blog"])
    return {"event": {"type": "page_viewed", "url": url}, "visitor": visitor}


def expected_ids(facts: dict[str, Any]) -> list[str]:
    return [doc["id"] for doc in VISITOR_RULES if evaluate(parse_condition(doc["when"]), facts)]


def test_ten_thousand_visitors_each_match_on_their_own_facts_only() -> None:
    rng = random.Random(7)
    visitors = [visitor_facts(rng, n) for n in range(10_000)]
    ruleset = compiled("triggers", *VISITOR_RULES)
    with Matcher({"triggers": ruleset}) as first, Matcher({"triggers": ruleset}) as second:
        forward = [ids(first.match("triggers", facts)) for facts in visitors]
        backward = [ids(second.match("triggers", facts)) for facts in reversed(visitors)][::-1]
        again = [ids(first.match("triggers", facts)) for facts in visitors]
    assert forward == backward == again == [expected_ids(facts) for facts in visitors]
    assert len({tuple(result) for result in forward}) > 10  # the visitors really differ


def test_threads_matching_while_rules_reload_all_get_exact_answers() -> None:
    rng = random.Random(11)
    visitors = [visitor_facts(rng, n) for n in range(400)]
    expected = [expected_ids(facts) for facts in visitors]
    failures: list[str] = []
    stop = threading.Event()
    with Matcher({"triggers": compiled("triggers", *VISITOR_RULES)}) as matcher:

        def match_all_visitors() -> None:
            for _ in range(5):
                for facts, want in zip(visitors, expected, strict=True):
                    got = ids(matcher.match("triggers", facts))
                    if got != want:
                        failures.append(f"{facts}: {got} != {want}")

        def reload() -> None:
            while not stop.is_set():
                matcher.replace("triggers", compiled("triggers", *VISITOR_RULES))

        reloader = threading.Thread(target=reload)
        workers = [threading.Thread(target=match_all_visitors) for _ in range(6)]
        reloader.start()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        stop.set()
        reloader.join()
    assert failures == []
