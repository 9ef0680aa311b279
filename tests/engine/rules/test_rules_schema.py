"""schemas/ruleset.schema.json: the action list equals the registry; every action's parameters."""

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from livechat.engine.rules.action_names import ACTION_NAMES
from livechat.engine.rules.validation import ruleset_schema


def schema_action_names() -> set[str]:
    schema = ruleset_schema()
    listed = set(schema["$defs"]["action"]["properties"]["action"]["enum"])
    branches = {
        branch["if"]["properties"]["action"]["const"] for branch in schema["$defs"]["action"]["allOf"]
    }
    assert listed == branches, "every listed action needs its parameter schema"
    return listed


def test_the_schema_names_exactly_the_registered_actions() -> None:
    assert schema_action_names() == set(ACTION_NAMES)


def test_the_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(ruleset_schema())
    assert ruleset_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def action_errors(action: dict[str, Any]) -> list[str]:
    doc = {"ruleset": "triggers", "rules": [{"id": "r", "on": "page_viewed", "then": [action]}]}
    return [e.message for e in Draft202012Validator(ruleset_schema()).iter_errors(doc)]


VALID: list[dict[str, Any]] = [
    {"action": "send_message", "sender": "queue", "text": "Hi"},
    {"action": "send_message", "sender": "custom", "name": "Bia", "text": "Hi"},
    {"action": "send_message", "sender": "system", "text": "Hi"},
    {"action": "route", "pool": "department"},
    {"action": "route", "pool": "all", "otherwise": "none"},
    {"action": "enqueue"},
    {"action": "drain_queue"},
    {"action": "assign"},
    {"action": "assign", "agent": "u1"},
    {"action": "set_status", "status": "on_hold"},
    {"action": "close_chat"},
    {"action": "close_chat", "comment": "bye"},
    {"action": "transfer", "department": "d1"},
    {"action": "transfer", "agent": "u2"},
    {"action": "return_to_queue"},
    {"action": "start_timer", "timer": "t", "seconds": 0.5},
    {"action": "start_timer", "timer": "t", "seconds_setting": "Livechat_agent_grace_seconds"},
    {"action": "cancel_timer", "timer": "t"},
    *(
        {"action": "webhook", "event": event}
        for event in (
            "LivechatSessionStart",
            "LivechatSessionQueued",
            "LivechatSessionTaken",
            "LivechatSessionForwarded",
            "LivechatSession",
            "LivechatOfflineMessage",
            "Message",
            "LeadCapture",
        )
    ),
    {"action": "email", "template": "transcript"},
    {"action": "email", "template": "offline_message", "to": "team@example.com"},
    {"action": "set_custom_field", "key": "plan", "value": "pro", "scope": "visitor"},
    {"action": "set_custom_field", "key": "score", "value": 3, "scope": "room", "overwrite": False},
    {"action": "tag", "tags": ["vip", "sales"]},
    {"action": "set_agent_status", "status": "not-available"},
]


@pytest.mark.parametrize("action", VALID, ids=lambda a: f"{a['action']}-{'-'.join(map(str, a.values()))}")
def test_a_valid_action_passes(action: dict[str, Any]) -> None:
    assert action_errors(action) == []


def test_every_action_has_a_valid_example() -> None:
    assert {a["action"] for a in VALID} == set(ACTION_NAMES)


INVALID: list[dict[str, Any]] = [
    {"action": "send_message", "sender": "bot", "text": "Hi"},
    {"action": "send_message", "sender": "queue", "text": ""},
    {"action": "route"},
    {"action": "route", "pool": "all", "otherwise": "drop"},
    {"action": "enqueue", "department": "d1"},
    {"action": "drain_queue", "limit": 3},
    {"action": "assign", "agent": ""},
    {"action": "set_status"},
    {"action": "close_chat", "comment": 3},
    {"action": "transfer", "room": "r1"},
    {"action": "return_to_queue", "delay": 5},
    {"action": "start_timer", "timer": "t", "seconds": -1},
    {"action": "start_timer", "timer": "Bad Name", "seconds": 1},
    {"action": "cancel_timer"},
    {"action": "webhook"},
    {"action": "email", "template": "invoice"},
    {"action": "set_custom_field", "key": "k", "value": {"nested": 1}, "scope": "visitor"},
    {"action": "set_custom_field", "key": "k", "value": 1, "scope": "agent"},
    {"action": "tag", "tags": [""]},
    {"action": "tag", "tags": "vip"},
    {"action": "set_agent_status", "status": "away"},
    {"text": "no action name"},
]


@pytest.mark.parametrize("action", INVALID, ids=lambda a: "-".join(map(str, a.values())))
def test_an_invalid_action_fails(action: dict[str, Any]) -> None:
    assert action_errors(action) != []
