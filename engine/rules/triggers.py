"""Managers' triggers (Rocket.Chat documents) -> rules of the `triggers` rule set.

As in Rocket.Chat's widget, a trigger's first condition decides when it fires; its
`send-message` actions run in order. The server runs triggers, so they work for every
visitor the same way and `runOnce` holds across devices:

- `page-url` (regex, search semantics): on `page_viewed` whose URL matches;
- `time-on-site` (seconds): when the visitor arrives (first page view or registration) a
  timer starts; the rule fires when it comes back as `timer_fired`, even if nothing else happens;
- `chat-opened-by-visitor`: on `widget_opened`;
- `after-guest-registration`: on `visitor_registered`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from redis.asyncio import Redis

RULE_PREFIX = "trigger."  # generated rule ids; hand-written rules may not use it
ARRIVAL_EVENTS = ["page_viewed", "visitor_registered"]


def rule_id(trigger_id: str) -> str:
    return f"{RULE_PREFIX}{trigger_id}"


def seconds_of(value: Any) -> float | None:
    """A time-on-site value: seconds as a number or numeric text (the admin UI sends text)."""
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if 0 < seconds < float("inf") else None


def problems(trigger: dict[str, Any]) -> list[tuple[str, str]]:
    """What the schema cannot say about a trigger: (field, message) pairs."""
    found: list[tuple[str, str]] = []
    for index, condition in enumerate(trigger["conditions"]):
        field = f"conditions.{index}.value"
        if condition["name"] == "page-url":
            value = condition.get("value")
            if not isinstance(value, str) or not value:
                found.append((field, "page-url takes a regular expression"))
                continue
            try:
                re.compile(value)
            except re.error as exc:
                found.append((field, f"{value!r} is not a valid regular expression ({exc})"))
        elif condition["name"] == "time-on-site" and seconds_of(condition.get("value")) is None:
            found.append((field, "time-on-site takes a number of seconds above 0"))
    for index, action in enumerate(trigger["actions"]):
        params = action.get("params", {})
        if params.get("sender") == "custom" and not params.get("name"):
            found.append((f"actions.{index}.params.name", "A custom sender needs a name"))
    return found


def _send(action: dict[str, Any]) -> dict[str, Any]:
    params = action["params"]
    out = {"action": "send_message", "sender": params.get("sender", "queue"), "text": params["msg"]}
    if params.get("name"):
        out["name"] = params["name"]
    return out


def rules_for(trigger: dict[str, Any]) -> list[dict[str, Any]]:
    """The rules one trigger becomes (disabled triggers become disabled rules)."""
    condition = trigger["conditions"][0]
    name, value = condition["name"], condition.get("value")
    own_id = rule_id(trigger["_id"])
    rule: dict[str, Any] = {
        "id": own_id, "description": f"Trigger {trigger['name']!r}", "enabled": trigger["enabled"],
        "then": [_send(a) for a in trigger["actions"]],
    }
    if trigger["runOnce"]:
        rule["once"] = "per_visitor"
    extra: list[dict[str, Any]] = []
    if name == "page-url":
        rule.update(on="page_viewed", when={"fact": "event.url", "op": "matches", "value": value})
    elif name == "time-on-site":
        rule.update(on="timer_fired", when={"fact": "event.timer", "op": "eq", "value": own_id})
        seconds = seconds_of(value)
        extra.append({
            "id": f"{own_id}.arrival", "description": f"Trigger {trigger['name']!r}: count time on site",
            "enabled": trigger["enabled"], "on": ARRIVAL_EVENTS, "once": "per_visitor",
            "then": [{"action": "start_timer", "timer": own_id, "seconds": seconds}],
        })
    elif name == "chat-opened-by-visitor":
        rule["on"] = "widget_opened"
    else:  # after-guest-registration
        rule["on"] = "visitor_registered"
    return [*extra, rule]


def with_triggers(doc: dict[str, Any], triggers: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The `triggers` document in force: the hand-written rules, then every trigger's."""
    generated = [rule for trigger in triggers for rule in rules_for(trigger)]
    return {**doc, "rules": [*doc.get("rules", []), *generated]}


def reserved_id_problems(doc: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Hand-written rules may not take the ids generated for triggers."""
    rules = doc.get("rules")
    if not isinstance(rules, list):
        return []
    return [(("rules", i, "id"), f"ids starting with {RULE_PREFIX!r} are kept for managers' triggers")
            for i, r in enumerate(rules)
            if isinstance(r, dict) and isinstance(r.get("id"), str) and r["id"].startswith(RULE_PREFIX)]


async def compose(redis: Redis, name: str, doc: dict[str, Any]) -> dict[str, Any]:
    """RuleStore's hook: the `triggers` rule set also holds the triggers stored in Redis."""
    if name != "triggers":
        return doc
    from livechat.engine.state import triggers

    return with_triggers(doc, await triggers.list_all(redis))
