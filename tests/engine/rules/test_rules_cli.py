"""`livechat rules check` and `livechat rules test`, through the functions the main CLI calls."""

import argparse
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from livechat.engine.rules.cli import add_rules_commands, check, dry_run


def packaged(name: str) -> str:
    return str(resources.files("livechat.rules").joinpath(name))


def write(path: Path, doc: Any) -> str:
    path.write_text(json.dumps(doc))
    return str(path)


TRIGGERS = {
    "ruleset": "triggers",
    "rules": [
        {
            "id": "pricing-greeting",
            "on": "page_viewed",
            "when": {
                "all": [
                    {"fact": "event.url", "op": "matches", "value": "/pricing"},
                    {"fact": "visitor.time_on_site", "op": "gte", "value": 10},
                ]
            },
            "then": [{"action": "send_message", "sender": "queue", "text": "Questions about plans?"}],
            "once": "per_visitor",
        },
        {"id": "tag-opened", "on": "widget_opened", "then": [{"action": "tag", "tags": ["opened"]}]},
    ],
}


def test_check_says_ok_with_the_rule_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert check([packaged("routing.json"), packaged("lifecycle.json"), packaged("triggers.json")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "OK routing.json (5 rules)",
        "OK lifecycle.json (13 rules)",
        "OK triggers.json (0 rules)",
    ]


def test_check_prints_each_error_on_its_own_line_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        tmp_path / "routing.json",
        {
            "ruleset": "routing",
            "rules": [
                {
                    "id": "r",
                    "on": "chat_opened",
                    "when": {"fact": "event.url", "op": "matches", "value": "pric["},
                    "then": [{"action": "set_status", "status": "done"}],
                },
            ],
        },
    )
    good = write(tmp_path / "triggers.json", TRIGGERS)
    assert check([bad, good, str(tmp_path / "missing.json")]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "routing.json: $.rules[0].on: 'chat_opened' is not an event type (did you mean 'chat_queued'?)",
        "routing.json: $.rules[0].when.value: 'pric[' is not a valid regular expression "
        "(unterminated character set at position 4)",
        "routing.json: $.rules[0].then[0].status: "
        "'done' is not one of ['queued', 'taken', 'on_hold', 'closed']",
        "OK triggers.json (2 rules)",
        "missing.json: cannot read: No such file or directory",
    ]


def test_dry_run_shows_the_rules_that_fire_and_their_actions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write(tmp_path / "triggers.json", TRIGGERS)
    events = tmp_path / "events.jsonl"
    events.write_text(
        "\n".join(
            json.dumps(line)
            for line in [
                {
                    "event": {"type": "page_viewed", "url": "https://x.io/pricing"},
                    "visitor": {"time_on_site": 12},
                },
                {
                    "event": {"type": "page_viewed", "url": "https://x.io/pricing"},
                    "visitor": {"time_on_site": 3},
                },
                {"event": {"type": "widget_opened"}},
            ]
        )
        + "\n\n"
    )
    assert dry_run(rules, str(events)) == 0
    assert capsys.readouterr().out.splitlines() == [
        "1: page_viewed",
        "  pricing-greeting -> "
        '[{"action": "send_message", "sender": "queue", "text": "Questions about plans?"}]',
        "2: page_viewed",
        "3: widget_opened",
        '  tag-opened -> [{"action": "tag", "tags": ["opened"]}]',
        "3 events, 2 rule firings (pricing-greeting x1, tag-opened x1), 2 actions",
    ]


def test_dry_run_reports_bad_lines_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = write(tmp_path / "triggers.json", TRIGGERS)
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"event": {"type": "page_viewed"}}\nnot json\n{"visitor": {}}\n{"event": {"type": "bogus"}}\n'
    )
    assert dry_run(rules, str(events)) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "1: page_viewed"
    assert out[1].startswith("events.jsonl:2: skipped: Expecting value")
    assert out[2] == "events.jsonl:3: skipped: facts need a string event.type, got event=None"
    assert out[3] == "4: bogus (not an event type: no rule can fire)"
    assert out[4] == "2 events, 0 rule firings, 0 actions, 2 bad lines"


def test_dry_run_of_an_invalid_rule_file_prints_its_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write(tmp_path / "triggers.json", {"ruleset": "triggers", "rules": [{"id": "x"}]})
    assert dry_run(rules, str(tmp_path / "events.jsonl")) == 1
    assert capsys.readouterr().out.splitlines() == [
        "triggers.json: $.rules[0]: 'on' is a required property",
        "triggers.json: $.rules[0]: 'then' is a required property",
    ]


def test_the_rules_commands_plug_into_a_main_parser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="livechat")
    add_rules_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["rules", "check", packaged("routing.json")])
    assert args.func(args) == 0
    events = tmp_path / "events.jsonl"
    events.write_text(
        json.dumps({"event": {"type": "chat_requested"}, "chat": {"department": "sales"}}) + "\n"
    )
    args = parser.parse_args(["rules", "test", packaged("routing.json"), "--events", str(events)])
    assert args.func(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "OK routing.json (5 rules)"
    assert (
        out[2]
        == '  route-to-department -> [{"action": "route", "pool": "department", "otherwise": "enqueue"}]'
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["rules", "test", packaged("routing.json")])  # --events is required
