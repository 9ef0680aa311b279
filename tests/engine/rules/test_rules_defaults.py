"""The shipped rule files: they load, and they route and look after chats as the product promises."""

from collections.abc import Iterator
from typing import Any

import pytest

from livechat.engine.rules.loader import default_rulesets
from livechat.engine.rules.matcher import Matcher


@pytest.fixture(scope="module")
def matcher() -> Iterator[Matcher]:
    with Matcher(default_rulesets()) as matcher:
        yield matcher


def fired(
    matcher: Matcher, ruleset: str, event: dict[str, Any], **facts: Any
) -> list[tuple[str, list[dict[str, Any]]]]:
    return [(m.rule_id, list(m.actions)) for m in matcher.match(ruleset, {"event": event, **facts})]


def actions(matcher: Matcher, ruleset: str, event: dict[str, Any], **facts: Any) -> list[dict[str, Any]]:
    return [action for _, acts in fired(matcher, ruleset, event, **facts) for action in acts]


def test_the_default_rule_files_load_cleanly() -> None:
    rulesets = default_rulesets()
    assert sorted(rulesets) == ["lifecycle", "routing", "triggers"]
    assert rulesets["triggers"].rules == ()
    for compiled in rulesets.values():
        assert compiled.description
        assert all(rule.description for rule in compiled.rules)


REQUESTED = {"type": "chat_requested"}


@pytest.mark.parametrize(
    "chat",
    [{}, {"department": None}, {"department": ""}],
    ids=["no department field", "null department", "empty department"],
)
def test_a_chat_without_a_department_is_routed_among_all_agents(
    matcher: Matcher, chat: dict[str, Any]
) -> None:
    assert actions(matcher, "routing", REQUESTED, chat=chat) == [
        {"action": "route", "pool": "all", "otherwise": "enqueue"}
    ]


def test_a_chat_for_a_department_is_routed_within_it(matcher: Matcher) -> None:
    assert actions(
        matcher, "routing", REQUESTED, chat={"department": "sales"}, department={"id": "sales"}
    ) == [{"action": "route", "pool": "department", "otherwise": "enqueue"}]


@pytest.mark.parametrize(
    "event",
    [
        {"type": "agent_status_changed", "status": "available"},
        {"type": "agent_joined_department", "department": "sales"},
        {"type": "chat_closed"},
    ],
    ids=lambda e: e["type"],
)
def test_freed_or_new_capacity_drains_the_queue(matcher: Matcher, event: dict[str, Any]) -> None:
    assert actions(matcher, "routing", event) == [{"action": "drain_queue"}]


def test_an_agent_going_away_does_not_drain_the_queue(matcher: Matcher) -> None:
    assert fired(matcher, "routing", {"type": "agent_status_changed", "status": "not-available"}) == []


GRACE = {"action": "start_timer", "timer": "agent_grace", "seconds_setting": "Livechat_agent_grace_seconds"}


def test_an_agent_serving_chats_who_goes_away_gets_a_grace_period(matcher: Matcher) -> None:
    away = {"type": "agent_status_changed", "status": "not-available"}
    assert actions(matcher, "lifecycle", away, agent={"status": "not-available", "load": 2}) == [GRACE]
    assert actions(matcher, "lifecycle", {"type": "agent_disconnected"}, agent={"load": 1}) == [GRACE]


def test_an_idle_agent_going_away_starts_no_timer(matcher: Matcher) -> None:
    away = {"type": "agent_status_changed", "status": "not-available"}
    assert fired(matcher, "lifecycle", away, agent={"load": 0}) == []
    assert fired(matcher, "lifecycle", {"type": "agent_disconnected"}) == []


def test_after_the_grace_period_the_chat_returns_to_the_queue_unless_the_agent_is_back(
    matcher: Matcher,
) -> None:
    timer = {"type": "timer_fired", "timer": "agent_grace"}
    assert actions(matcher, "lifecycle", timer, agent={"status": "not-available"}) == [
        {"action": "return_to_queue"}
    ]
    assert actions(matcher, "lifecycle", timer, agent={}) == [{"action": "return_to_queue"}]
    assert fired(matcher, "lifecycle", timer, agent={"status": "available", "connected": True}) == []


def test_an_agent_whose_consoles_stay_closed_stops_taking_chats_and_their_chats_return(
    matcher: Matcher,
) -> None:
    timer = {"type": "timer_fired", "timer": "agent_grace"}
    assert fired(matcher, "lifecycle", timer, agent={"status": "available", "connected": False}) == [
        ("agent-gone-return-to-queue",
         [{"action": "set_agent_status", "status": "not-available"}, {"action": "return_to_queue"}])
    ]


def test_an_agent_back_cancels_the_grace_timer(matcher: Matcher) -> None:
    back = {"type": "agent_status_changed", "status": "available"}
    assert actions(matcher, "lifecycle", back) == [{"action": "cancel_timer", "timer": "agent_grace"}]


VISITOR_SAYS = {"type": "message_sent", "sender": "visitor", "text": "hello"}
INACTIVITY = {
    "action": "start_timer",
    "timer": "visitor_inactivity",
    "seconds_setting": "Livechat_visitor_inactivity_close_seconds",
}


def test_visitor_messages_restart_the_inactivity_timer_only_when_it_is_configured(matcher: Matcher) -> None:
    configured = {"Livechat_visitor_inactivity_close_seconds": 600}
    assert actions(matcher, "lifecycle", VISITOR_SAYS, settings=configured) == [
        INACTIVITY,
        {"action": "webhook", "event": "Message"},
    ]
    off = {"Livechat_visitor_inactivity_close_seconds": 0}
    assert actions(matcher, "lifecycle", VISITOR_SAYS, settings=off) == [
        {"action": "webhook", "event": "Message"}
    ]
    agent_says = {**VISITOR_SAYS, "sender": "agent"}
    assert actions(matcher, "lifecycle", agent_says, settings=configured) == [
        {"action": "webhook", "event": "Message"}
    ]
    taken = {"type": "chat_taken", "agent_id": "a1"}
    assert actions(matcher, "lifecycle", taken, settings=configured) == [
        INACTIVITY,
        {"action": "webhook", "event": "LivechatSessionTaken"},
    ]
    assert actions(matcher, "lifecycle", taken, settings=off) == [
        {"action": "webhook", "event": "LivechatSessionTaken"}
    ]


def test_an_inactive_visitor_s_chat_in_service_is_closed(matcher: Matcher) -> None:
    timer = {"type": "timer_fired", "timer": "visitor_inactivity"}
    assert actions(matcher, "lifecycle", timer, chat={"status": "taken"}) == [
        {"action": "close_chat", "comment": "Closed after visitor inactivity"}
    ]
    assert fired(matcher, "lifecycle", timer, chat={"status": "queued"}) == []
    assert (
        fired(matcher, "lifecycle", {"type": "timer_fired", "timer": "other"}, chat={"status": "taken"}) == []
    )


@pytest.mark.parametrize(
    ("event_type", "webhook"),
    [
        ("chat_requested", "LivechatSessionStart"),
        ("chat_queued", "LivechatSessionQueued"),
        ("chat_taken", "LivechatSessionTaken"),
        ("chat_forwarded", "LivechatSessionForwarded"),
        ("chat_closed", "LivechatSession"),
        ("offline_message_sent", "LivechatOfflineMessage"),
        ("message_sent", "Message"),
    ],
)
def test_chat_events_reach_the_crm_webhook(matcher: Matcher, event_type: str, webhook: str) -> None:
    assert actions(matcher, "lifecycle", {"type": event_type}) == [{"action": "webhook", "event": webhook}]
