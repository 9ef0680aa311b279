"""A bad rule document is refused with every problem, each at its exact JSON path."""

import json
from pathlib import Path
from typing import Any

import pytest

from livechat.engine.rules.errors import RulesetError, RulesetInvalid
from livechat.engine.rules.loader import load_ruleset, load_ruleset_file


def errors_of(doc: Any, source: str = "routing.json") -> list[tuple[str, str]]:
    with pytest.raises(RulesetInvalid) as raised:
        load_ruleset(doc, source)
    assert all(e.source == source for e in raised.value.errors)
    return [(e.path, e.message) for e in raised.value.errors]


def one_rule(**fields: Any) -> dict[str, Any]:
    doc = {"id": "r", "on": "chat_requested", "then": [{"action": "enqueue"}], **fields}
    return {"ruleset": "routing", "rules": [{k: v for k, v in doc.items() if v is not None}]}


def with_when(when: Any) -> dict[str, Any]:
    return one_rule(when=when)


def with_action(action: dict[str, Any]) -> dict[str, Any]:
    return one_rule(then=[{"action": "enqueue"}, action])


def test_an_error_reads_file_path_message() -> None:
    doc = with_when(
        {
            "all": [
                {"fact": "visitor.name", "op": "exists", "value": True},
                {"fact": "event.url", "op": "matches", "value": "pric["},
            ]
        }
    )
    with pytest.raises(RulesetInvalid) as raised:
        load_ruleset(doc, "routing.json")
    [error] = raised.value.errors
    assert str(error) == (
        "routing.json: $.rules[0].when.all[1].value: 'pric[' is not a valid regular expression "
        "(unterminated character set at position 4)"
    )
    assert error == RulesetError("routing.json", "$.rules[0].when.all[1].value", error.message)
    assert str(raised.value) == str(error)


SEMANTIC: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "unknown fact",
        with_when({"fact": "visitor.age", "op": "gt", "value": 18}),
        "$.rules[0].when.fact",
        "'visitor.age' is not a known fact",
    ),
    (
        "unknown fact deep",
        with_when(
            {
                "any": [
                    {
                        "not": {
                            "all": [
                                {"fact": "visitor.name", "op": "exists", "value": True},
                                {"fact": "chat.colour", "op": "eq", "value": "red"},
                            ]
                        }
                    }
                ]
            }
        ),
        "$.rules[0].when.any[0].not.all[1].fact",
        "'chat.colour' is not a known fact",
    ),
    (
        "prefix alone is no fact",
        with_when({"fact": "settings.", "op": "exists", "value": True}),
        "$.rules[0].when.fact",
        "'settings.' is not a known fact",
    ),
    ("unknown event type", one_rule(on="chat_opened"), "$.rules[0].on", "'chat_opened' is not an event type"),
    (
        "unknown event type in a list",
        one_rule(on=["chat_requested", "visitor_left"]),
        "$.rules[0].on[1]",
        "'visitor_left' is not an event type",
    ),
    (
        "bad regex",
        with_when({"fact": "event.url", "op": "matches", "value": "(unclosed"}),
        "$.rules[0].when.value",
        "'(unclosed' is not a valid regular expression (missing ), unterminated subpattern at position 0)",
    ),
    (
        "in without a list",
        with_when({"fact": "visitor.name", "op": "in", "value": "Ana"}),
        "$.rules[0].when.value",
        "'in' takes a list of values, got 'Ana'",
    ),
    (
        "exists with a string",
        with_when({"fact": "visitor.name", "op": "exists", "value": "yes"}),
        "$.rules[0].when.value",
        "'exists' takes true or false, got 'yes'",
    ),
    (
        "exists with 1",
        with_when({"fact": "visitor.name", "op": "exists", "value": 1}),
        "$.rules[0].when.value",
        "'exists' takes true or false, got 1",
    ),
    (
        "eq with a list",
        with_when({"fact": "visitor.name", "op": "eq", "value": ["Ana"]}),
        "$.rules[0].when.value",
        "'eq' takes a single value, got the list ['Ana']",
    ),
    (
        "ordering a boolean",
        with_when({"fact": "visitor.name", "op": "gt", "value": True}),
        "$.rules[0].when.value",
        "'gt' compares numbers or strings, got True",
    ),
    (
        "matches a number",
        with_when({"fact": "visitor.name", "op": "matches", "value": 5}),
        "$.rules[0].when.value",
        "'matches' takes a regular expression, got 5",
    ),
    (
        "not a finite number",
        with_when({"fact": "visitor.time_on_site", "op": "lt", "value": float("inf")}),
        "$.rules[0].when.value",
        "inf is not a finite number",
    ),
]


@pytest.mark.parametrize(("doc", "path", "message"), [c[1:] for c in SEMANTIC], ids=[c[0] for c in SEMANTIC])
def test_a_semantic_error_names_its_path(doc: dict[str, Any], path: str, message: str) -> None:
    [(got_path, got_message)] = errors_of(doc)
    assert got_path == path
    assert got_message.startswith(message)


def test_a_duplicate_rule_id_points_at_both() -> None:
    doc = {
        "ruleset": "routing",
        "rules": [one_rule()["rules"][0], {**one_rule()["rules"][0], "id": "s"}, one_rule()["rules"][0]],
    }
    assert errors_of(doc) == [("$.rules[2].id", "duplicate rule id 'r' (first used at $.rules[0].id)")]


def test_a_misspelled_name_gets_a_suggestion() -> None:
    [(_, message)] = errors_of(with_when({"fact": "visitor.time_on_sit", "op": "gt", "value": 1}))
    assert message == "'visitor.time_on_sit' is not a known fact (did you mean 'visitor.time_on_site'?)"
    [(_, message)] = errors_of(one_rule(on="chat_request"))
    assert message == "'chat_request' is not an event type (did you mean 'chat_requested'?)"


SCHEMA: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "set_status to an unknown status",
        with_action({"action": "set_status", "status": "archived"}),
        "$.rules[0].then[1].status",
        "'archived' is not one of ['queued', 'taken', 'on_hold', 'closed']",
    ),
    (
        "unknown action",
        with_action({"action": "launch_rocket"}),
        "$.rules[0].then[1].action",
        "'launch_rocket' is not one of",
    ),
    (
        "unknown action parameter",
        with_action({"action": "enqueue", "queue": "vip"}),
        "$.rules[0].then[1]",
        "Additional properties are not allowed ('queue' was unexpected)",
    ),
    (
        "missing action parameter",
        with_action({"action": "send_message", "sender": "queue"}),
        "$.rules[0].then[1]",
        "'text' is a required property",
    ),
    (
        "bad route pool",
        with_action({"action": "route", "pool": "nearest"}),
        "$.rules[0].then[1].pool",
        "'nearest' is not one of ['department', 'all']",
    ),
    (
        "timer with both delays",
        with_action({"action": "start_timer", "timer": "t", "seconds": 5, "seconds_setting": "S"}),
        "$.rules[0].then[1]",
        "start_timer takes exactly one of 'seconds' or 'seconds_setting'",
    ),
    (
        "timer without a delay",
        with_action({"action": "start_timer", "timer": "t"}),
        "$.rules[0].then[1]",
        "start_timer takes exactly one of 'seconds' or 'seconds_setting'",
    ),
    (
        "timer of zero seconds",
        with_action({"action": "start_timer", "timer": "t", "seconds": 0}),
        "$.rules[0].then[1].seconds",
        "0 is less than or equal to the minimum of 0",
    ),
    (
        "bad webhook event",
        with_action({"action": "webhook", "event": "ChatClosed"}),
        "$.rules[0].then[1].event",
        "'ChatClosed' is not one of",
    ),
    (
        "custom field without scope",
        with_action({"action": "set_custom_field", "key": "k", "value": 1}),
        "$.rules[0].then[1]",
        "'scope' is a required property",
    ),
    (
        "tag with no tags",
        with_action({"action": "tag", "tags": []}),
        "$.rules[0].then[1].tags",
        "[] should be non-empty",
    ),
    ("no actions", one_rule(then=[]), "$.rules[0].then", "[] should be non-empty"),
    ("bad rule id", one_rule(id="Route Me"), "$.rules[0].id", "'Route Me' does not match"),
    (
        "bad once",
        one_rule(once="per_day"),
        "$.rules[0].once",
        "'per_day' is not one of ['per_visitor', 'per_chat']",
    ),
    (
        "bad operator",
        with_when({"fact": "visitor.name", "op": "like", "value": "A%"}),
        "$.rules[0].when.op",
        "'like' is not one of",
    ),
    (
        "leaf without value",
        with_when({"fact": "visitor.name", "op": "exists"}),
        "$.rules[0].when",
        "'value' is a required property",
    ),
    ("empty all", with_when({"all": []}), "$.rules[0].when.all", "[] should be non-empty"),
    (
        "all with any",
        with_when({"all": [{"fact": "visitor.name", "op": "exists", "value": True}], "any": []}),
        "$.rules[0].when",
        "Additional properties are not allowed ('any' was unexpected)",
    ),
    (
        "null value",
        with_when({"fact": "visitor.name", "op": "eq", "value": None}),
        "$.rules[0].when.value",
        "None is not of type",
    ),
    ("unknown ruleset", {"ruleset": "billing", "rules": []}, "$.ruleset", "'billing' is not one of"),
    ("rules missing", {"ruleset": "routing"}, "$", "'rules' is a required property"),
]


@pytest.mark.parametrize(("doc", "path", "message"), [c[1:] for c in SCHEMA], ids=[c[0] for c in SCHEMA])
def test_a_schema_error_names_its_path(doc: dict[str, Any], path: str, message: str) -> None:
    [(got_path, got_message)] = errors_of(doc)
    assert got_path == path
    assert got_message.startswith(message)


def test_every_problem_of_a_file_is_reported_in_file_order() -> None:
    doc = {
        "ruleset": "routing",
        "rules": [
            {
                "id": "a",
                "on": ["chat_opened"],
                "when": {
                    "all": [
                        {"fact": "event.url", "op": "matches", "value": "pric["},
                        {"fact": "visitor.age", "op": "exists", "value": True},
                    ]
                },
                "then": [{"action": "set_status", "status": "done"}],
            },
            {"id": "a", "on": "chat_closed", "then": [{"action": "enqueue"}], "colour": "red"},
            "not a rule",
        ],
    }
    assert [path for path, _ in errors_of(doc)] == [
        "$.rules[0].on[0]",
        "$.rules[0].when.all[0].value",
        "$.rules[0].when.all[1].fact",
        "$.rules[0].then[0].status",
        "$.rules[1]",
        "$.rules[1].id",
        "$.rules[2]",
    ]


@pytest.mark.parametrize("doc", [None, [], "rules", 3])
def test_a_document_that_is_not_an_object_is_refused(doc: Any) -> None:
    [(path, _)] = errors_of(doc)
    assert path == "$"


def test_a_file_is_named_by_its_file_name(tmp_path: Path) -> None:
    path = tmp_path / "lifecycle.json"
    path.write_text(
        json.dumps(
            {"ruleset": "lifecycle", "rules": [{"id": "x", "on": "chat_closed", "then": [{"action": "nap"}]}]}
        )
    )
    with pytest.raises(RulesetInvalid) as raised:
        load_ruleset_file(path)
    assert str(raised.value).startswith("lifecycle.json: $.rules[0].then[0].action: 'nap' is not one of")


def test_a_file_with_broken_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "routing.json"
    path.write_text('{"ruleset": "routing", "rules": [}')
    with pytest.raises(RulesetInvalid) as raised:
        load_ruleset_file(path)
    [error] = raised.value.errors
    assert (error.source, error.path) == ("routing.json", "$")
    assert error.message.startswith("not valid JSON: Expecting value: line 1 column 34")


def test_a_key_given_twice_is_refused_rather_than_silently_dropped(tmp_path: Path) -> None:
    path = tmp_path / "routing.json"
    rule = '{"id": "r", "on": "chat_closed", "when": {}, "when": {}, "then": []}'
    path.write_text(f'{{"ruleset": "routing", "rules": [{rule}]}}')
    with pytest.raises(RulesetInvalid, match="key 'when' appears twice in one object"):
        load_ruleset_file(path)


def test_a_valid_document_fills_in_documented_defaults() -> None:
    doc = one_rule(then=[{"action": "route", "pool": "all"}])
    compiled = load_ruleset(doc, "api")
    [rule] = compiled.rules
    assert (rule.enabled, rule.priority, rule.once, rule.description, rule.on) == (
        True,
        0,
        None,
        "",
        ("chat_requested",),
    )
    assert rule.then == ({"action": "route", "pool": "all", "otherwise": "enqueue"},)
    assert doc["rules"][0]["then"] == [
        {"action": "route", "pool": "all"}
    ]  # the caller's document is untouched


@pytest.mark.parametrize("leaf,message", [
    ({"fact": "chat.status", "op": "eq", "value": "waiting"},
     "unreachable state: chat.status is one of new, queued, taken, closed, never 'waiting'"),
    ({"fact": "agent.status", "op": "in", "value": ["available", "away"]},
     "unreachable state: agent.status is one of available, not-available, never 'away'"),
    ({"fact": "event.sender", "op": "ne", "value": "bot"},
     "unreachable state: event.sender is one of visitor, agent, never 'bot'"),
])
def test_a_comparison_with_a_state_that_never_occurs_is_refused(leaf: dict[str, Any], message: str) -> None:
    assert errors_of(with_when({"all": [{"fact": "chat.id", "op": "exists", "value": True}, leaf]})) == [
        ("$.rules[0].when.all[1].value", message)]


def test_known_states_are_accepted() -> None:
    load_ruleset(with_when({"fact": "chat.status", "op": "in", "value": ["queued", "taken"]}), "routing.json")
