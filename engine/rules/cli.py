"""`livechat rules check PATH...` and `livechat rules test PATH --events FILE.jsonl`."""

import argparse
import json
from collections import Counter
from pathlib import Path

from livechat.engine.events import EVENT_TYPES
from livechat.engine.rules.compiler import CompiledRuleset
from livechat.engine.rules.errors import RulesetInvalid
from livechat.engine.rules.loader import load_ruleset_file
from livechat.engine.rules.matcher import Matcher, event_type_of


def add_rules_commands(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Adds `rules check` and `rules test`; each sets `func(args) -> exit code` on the namespace."""
    rules = subparsers.add_parser("rules", help="check rule files, or dry-run events through one")
    commands = rules.add_subparsers(dest="rules_command", required=True, metavar="{check,test}")
    check_parser = commands.add_parser("check", help="validate rule files; print OK or every error")
    check_parser.add_argument("paths", nargs="+", metavar="PATH")
    check_parser.set_defaults(func=lambda args: check(args.paths))
    test_parser = commands.add_parser("test", help="show which rules fire, and their actions, for each event")
    test_parser.add_argument("path", metavar="PATH")
    test_parser.add_argument(
        "--events", required=True, metavar="FILE.jsonl", help="one facts object per line"
    )
    test_parser.set_defaults(func=lambda args: dry_run(args.path, args.events))


def check(paths: list[str]) -> int:
    status = 0
    for path in paths:
        compiled = _load(path)
        if compiled is None:
            status = 1
        else:
            count = len(compiled.rules)
            print(f"OK {Path(path).name} ({count} rule{'' if count == 1 else 's'})")
    return status


def dry_run(path: str, events_path: str) -> int:
    compiled = _load(path)
    if compiled is None:
        return 1
    try:
        lines = Path(events_path).read_text("utf-8").splitlines()
    except OSError as exc:
        print(f"{events_path}: cannot read: {exc.strerror or exc}")
        return 1
    fired: Counter[str] = Counter()
    events = bad = actions = 0
    with Matcher({compiled.name: compiled}) as matcher:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                facts = json.loads(line)
                event_type = event_type_of(facts if isinstance(facts, dict) else {})
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                print(f"{Path(events_path).name}:{number}: skipped: {exc}")
                bad += 1
                continue
            events += 1
            unknown = "" if event_type in EVENT_TYPES else " (not an event type: no rule can fire)"
            print(f"{number}: {event_type}{unknown}")
            for match in matcher.match(compiled.name, facts):
                fired[match.rule_id] += 1
                actions += len(match.actions)
                print(f"  {match.rule_id} -> {json.dumps(list(match.actions))}")
    counts = ", ".join(f"{rule_id} x{n}" for rule_id, n in fired.most_common())
    print(
        f"{events} event{'' if events == 1 else 's'}, {fired.total()} rule firings"
        f"{f' ({counts})' if counts else ''}, {actions} actions"
        f"{f', {bad} bad lines' if bad else ''}"
    )
    return 1 if bad else 0


def _load(path: str) -> CompiledRuleset | None:
    try:
        return load_ruleset_file(path)
    except RulesetInvalid as exc:
        for error in exc.errors:
            print(error)
    except OSError as exc:
        print(f"{Path(path).name}: cannot read: {exc.strerror or exc}")
    return None
