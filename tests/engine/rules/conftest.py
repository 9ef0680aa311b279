from collections.abc import Callable, Iterator
from typing import Any

import pytest

from livechat.engine.rules.loader import load_ruleset
from livechat.engine.rules.matcher import Matcher

MakeMatcher = Callable[..., Matcher]


def rule(rule_id: str, when: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A rule document with defaults that let a test name only what it is about."""
    doc: dict[str, Any] = {"id": rule_id, "on": "page_viewed", "then": [{"action": "enqueue"}], **fields}
    if when is not None:
        doc["when"] = when
    return doc


@pytest.fixture
def matcher_for() -> Iterator[MakeMatcher]:
    """`matcher_for(rule, rule, ...)`: a Matcher over one `triggers` rule set of those rules."""
    made: list[Matcher] = []

    def make(*rules: dict[str, Any], ruleset: str = "triggers") -> Matcher:
        compiled = load_ruleset({"ruleset": ruleset, "rules": list(rules)}, "test.json")
        matcher = Matcher({ruleset: compiled})
        made.append(matcher)
        return matcher

    yield make
    for matcher in made:
        matcher.close()


@pytest.fixture
def holds(matcher_for: MakeMatcher) -> Callable[[dict[str, Any], dict[str, Any]], bool]:
    """`holds(condition, facts)`: does a rule with this `when` fire on these page_viewed facts?"""

    def check(condition: dict[str, Any], facts: dict[str, Any]) -> bool:
        matcher = matcher_for(rule("r", condition))
        event = {"type": "page_viewed", **facts.get("event", {})}
        return [m.rule_id for m in matcher.match("triggers", {**facts, "event": event})] == ["r"]

    return check
