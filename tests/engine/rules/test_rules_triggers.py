"""Managers' triggers in, rules out: which events fire them and the actions they produce."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from livechat.engine.rules import triggers
from livechat.engine.rules.loader import load_ruleset
from livechat.engine.rules.matcher import Matcher


def trigger(condition: str, value: Any = None, **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": fields.pop("_id", "t1"), "name": "Pricing help", "description": "", "enabled": True,
        "runOnce": False, "conditions": [{"name": condition, "value": value}],
        "actions": [{"name": "send-message", "params": {"sender": "custom", "name": "Bia",
                                                        "msg": "Questions about plans?"}}],
    }
    return {**doc, **fields}


SAYS = {"action": "send_message", "sender": "custom", "name": "Bia", "text": "Questions about plans?"}


@pytest.fixture
def matcher_of() -> Iterator[Any]:
    made: list[Matcher] = []

    def make(*docs: dict[str, Any]) -> Matcher:
        composed = triggers.with_triggers({"ruleset": "triggers", "rules": []}, docs)
        matcher = Matcher({"triggers": load_ruleset(composed, "triggers.json")})
        made.append(matcher)
        return matcher

    yield make
    for matcher in made:
        matcher.close()


def fired(matcher: Matcher, event: dict[str, Any], **facts: Any) -> list[tuple[str, str | None, list[Any]]]:
    return [(m.rule_id, m.once, list(m.actions)) for m in matcher.match("triggers", {"event": event, **facts})]


def test_page_url_fires_on_a_page_view_whose_url_contains_a_match(matcher_of: Any) -> None:
    matcher = matcher_of(trigger("page-url", r"/pricing(/|$)"))
    assert fired(matcher, {"type": "page_viewed", "url": "https://shop.example/pricing/team"}) == [
        ("trigger.t1", None, [SAYS])]
    assert fired(matcher, {"type": "page_viewed", "url": "https://shop.example/pricing"}) != []
    assert fired(matcher, {"type": "page_viewed", "url": "https://shop.example/pricingx"}) == []
    assert fired(matcher, {"type": "widget_opened", "url": "https://shop.example/pricing"}) == []


def test_time_on_site_starts_a_timer_on_arrival_and_fires_when_it_comes_back(matcher_of: Any) -> None:
    matcher = matcher_of(trigger("time-on-site", "10"))
    arrival = [("trigger.t1.arrival", "per_visitor",
                [{"action": "start_timer", "timer": "trigger.t1", "seconds": 10.0}])]
    assert fired(matcher, {"type": "page_viewed", "url": "/"}) == arrival
    assert fired(matcher, {"type": "visitor_registered"}) == arrival
    assert fired(matcher, {"type": "timer_fired", "timer": "trigger.t1"}) == [("trigger.t1", None, [SAYS])]
    assert fired(matcher, {"type": "timer_fired", "timer": "trigger.t2"}) == []
    assert fired(matcher, {"type": "timer_fired", "timer": "agent_grace"}) == []


def test_chat_opened_by_visitor_fires_when_the_widget_opens(matcher_of: Any) -> None:
    matcher = matcher_of(trigger("chat-opened-by-visitor"))
    assert fired(matcher, {"type": "widget_opened"}) == [("trigger.t1", None, [SAYS])]
    assert fired(matcher, {"type": "page_viewed", "url": "/"}) == []


def test_after_guest_registration_fires_on_registration(matcher_of: Any) -> None:
    matcher = matcher_of(trigger("after-guest-registration"))
    assert fired(matcher, {"type": "visitor_registered"}) == [("trigger.t1", None, [SAYS])]
    assert fired(matcher, {"type": "widget_opened"}) == []


def test_run_once_holds_per_visitor(matcher_of: Any) -> None:
    matcher = matcher_of(trigger("chat-opened-by-visitor", runOnce=True))
    assert fired(matcher, {"type": "widget_opened"}) == [("trigger.t1", "per_visitor", [SAYS])]


def test_a_disabled_trigger_never_fires(matcher_of: Any) -> None:
    matcher = matcher_of(trigger("chat-opened-by-visitor", enabled=False), trigger("time-on-site", 5,
                                                                                    _id="t2", enabled=False))
    assert fired(matcher, {"type": "widget_opened"}) == []
    assert fired(matcher, {"type": "page_viewed", "url": "/"}) == []


def test_the_first_condition_decides_and_every_message_is_sent(matcher_of: Any) -> None:
    doc = trigger("chat-opened-by-visitor")
    doc["conditions"].append({"name": "page-url", "value": "/never"})
    doc["actions"] = [{"name": "send-message", "params": {"sender": "queue", "msg": "Hello"}},
                      {"name": "send-message", "params": {"sender": "custom", "name": "Bia", "msg": "Hi"}}]
    assert fired(matcher_of(doc), {"type": "widget_opened"}) == [("trigger.t1", None, [
        {"action": "send_message", "sender": "queue", "text": "Hello"},
        {"action": "send_message", "sender": "custom", "name": "Bia", "text": "Hi"}])]


def test_triggers_sit_beside_hand_written_rules() -> None:
    hand = {"id": "greet", "on": "widget_opened",
            "then": [{"action": "send_message", "sender": "system", "text": "Welcome"}]}
    composed = triggers.with_triggers({"ruleset": "triggers", "rules": [hand]}, [trigger("chat-opened-by-visitor")])
    with Matcher({"triggers": load_ruleset(composed, "triggers.json")}) as matcher:
        assert [m.rule_id for m in matcher.match("triggers", {"event": {"type": "widget_opened"}})] == [
            "greet", "trigger.t1"]


@pytest.mark.parametrize(("doc", "field", "message"), [
    (trigger("page-url", "(unclosed"), "conditions.0.value", "'(unclosed' is not a valid regular expression"),
    (trigger("page-url", ""), "conditions.0.value", "page-url takes a regular expression"),
    (trigger("time-on-site", 0), "conditions.0.value", "time-on-site takes a number of seconds above 0"),
    (trigger("time-on-site", "soon"), "conditions.0.value", "time-on-site takes a number of seconds above 0"),
    (trigger("chat-opened-by-visitor", actions=[{"name": "send-message", "params": {"sender": "custom",
                                                                                   "msg": "Hi"}}]),
     "actions.0.params.name", "A custom sender needs a name"),
])
def test_what_the_schema_cannot_say_is_reported_with_the_field(doc: dict[str, Any], field: str,
                                                                message: str) -> None:
    [(where, text)] = triggers.problems(doc)
    assert where == field and text.startswith(message)


def test_hand_written_rules_may_not_take_trigger_ids() -> None:
    doc = {"ruleset": "triggers", "rules": [{"id": "ok"}, {"id": "trigger.mine"}]}
    assert triggers.reserved_id_problems(doc) == [
        (("rules", 1, "id"), "ids starting with 'trigger.' are kept for managers' triggers")]
