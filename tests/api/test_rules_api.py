"""Managers read and replace rule sets over HTTP; a change is in force in every process within a second."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from livechat.engine.embedded_redis import EmbeddedRedis
from tests.conftest import Server
from tests.helpers import Api

RELOAD_DEADLINE_S = 1.0


@pytest.fixture(autouse=True)
def default_rules_again(api: Api) -> Iterator[None]:
    yield
    for name in ("routing", "lifecycle", "triggers"):
        api.http.delete(f"/api/v1/livechat/rules/{name}", headers=api.admin)


def greeting(text: str = "Welcome!", rule_id: str = "welcome") -> dict[str, Any]:
    return {"ruleset": "triggers", "description": "Hand-written greetings", "rules": [
        {"id": rule_id, "description": "Greet whoever opens the widget", "on": "widget_opened",
         "then": [{"action": "send_message", "sender": "custom", "name": "Bia", "text": text}]}]}


def put(http: httpx.Client, api: Api, name: str, doc: Any) -> httpx.Response:
    return http.put(f"/api/v1/livechat/rules/{name}", json=doc, headers=api.admin)


def greeted(api: Api, http: httpx.Client, opened_at: list[float] | None = None) -> list[str]:
    """Open the widget (through `http`'s server) and list what the visitor was told; `opened_at`
    gets the moment the widget opened."""
    token = secrets.token_hex(8)
    http.post("/api/v1/livechat/page.visited",
              json={"token": token, "pageInfo": {"location": {"href": "https://shop.example/"}}}).raise_for_status()
    socket = api.visitor_socket(token)
    if opened_at is not None:
        opened_at.append(time.monotonic())
    http.post("/api/v1/livechat/widget.opened", json={"token": token}).raise_for_status()
    said = [f["message"]["msg"] for f in socket.quiet(("message",), wait=0.3)]
    socket.close()
    return said


def test_managers_read_every_rule_set_in_force(api: Api) -> None:
    sets = api.ok(api.get("livechat/rules", api.admin))["rulesets"]
    assert [s["name"] for s in sets] == ["routing", "lifecycle", "triggers"]
    assert all(s["source"] == "file" for s in sets)
    routing = api.ok(api.get("livechat/rules/routing", api.admin))["ruleset"]
    assert routing["document"]["rules"][0]["id"] == "route-to-department"
    assert api.get("livechat/rules/billing", api.admin).status_code == 404
    _, agent = api.agent("bruno")
    assert api.get("livechat/rules", agent).status_code == 403
    assert api.get("livechat/rules").status_code == 401
    assert api.http.put("/api/v1/livechat/rules/triggers", json=greeting()).status_code == 401
    assert api.http.put("/api/v1/livechat/rules/triggers", json=greeting(), headers=agent).status_code == 403


def test_a_saved_rule_set_is_in_force_at_once_and_reverting_restores_the_file(api: Api) -> None:
    assert greeted(api, api.http) == []
    saved = api.ok(put(api.http, api, "triggers", greeting()))["ruleset"]
    assert saved["source"] == "stored" and saved["document"] == greeting()
    assert greeted(api, api.http) == ["Welcome!"]
    api.ok(api.http.delete("/api/v1/livechat/rules/triggers", headers=api.admin))
    assert api.ok(api.get("livechat/rules/triggers", api.admin))["ruleset"]["source"] == "file"
    assert greeted(api, api.http) == []


def test_triggers_are_listed_beside_the_hand_written_rules(api: Api) -> None:
    api.ok(put(api.http, api, "triggers", greeting()))
    trigger = api.ok(api.post("livechat/triggers", {
        "name": "Hello", "conditions": [{"name": "chat-opened-by-visitor"}],
        "actions": [{"name": "send-message", "params": {"sender": "custom", "name": "Bia", "msg": "Hello"}}]},
        api.admin))["trigger"]
    ruleset = api.ok(api.get("livechat/rules/triggers", api.admin))["ruleset"]
    assert [r["id"] for r in ruleset["document"]["rules"]] == ["welcome"]
    assert [r["id"] for r in ruleset["generated"]] == [f"trigger.{trigger['_id']}"]
    assert greeted(api, api.http) == ["Welcome!", "Hello"]
    api.ok(api.http.delete(f"/api/v1/livechat/triggers/{trigger['_id']}", headers=api.admin))
    assert greeted(api, api.http) == ["Welcome!"]


def rule_with(**changes: Any) -> dict[str, Any]:
    doc = greeting()
    doc["rules"][0] = {**doc["rules"][0], **changes}
    return doc


@pytest.mark.parametrize(("name", "doc", "path", "message"), [
    ("triggers", rule_with(on="widget_openned"), "$.rules[0].on",
     "'widget_openned' is not an event type (did you mean 'widget_opened'?)"),
    ("triggers", rule_with(when={"fact": "visitor.shoe_size", "op": "eq", "value": 42}), "$.rules[0].when.fact",
     "'visitor.shoe_size' is not a known fact"),
    ("triggers", rule_with(when={"fact": "event.url", "op": "matches", "value": "(pricing"}),
     "$.rules[0].when.value", "'(pricing' is not a valid regular expression"),
    ("triggers", rule_with(then=[{"action": "launch_rocket"}]), "$.rules[0].then[0].action",
     "'launch_rocket' is not one of"),
    ("triggers", rule_with(then=[{"action": "set_status", "status": "archived"}]),
     "$.rules[0].then[0].status", "'archived' is not one of ['queued', 'taken', 'on_hold', 'closed']"),
    ("triggers", rule_with(id="trigger.mine"), "$.rules[0].id",
     "ids starting with 'trigger.' are kept for managers' triggers"),
    ("triggers", {"ruleset": "triggers"}, "$", "'rules' is a required property"),
    ("routing", greeting(), "$.ruleset", "this document is for rule set 'routing', not 'triggers'"),
])
def test_an_invalid_rule_set_is_refused_with_the_json_path_and_changes_nothing(
        api: Api, name: str, doc: dict[str, Any], path: str, message: str) -> None:
    api.ok(put(api.http, api, "triggers", greeting("Still the good one")))
    refused = put(api.http, api, name, doc)
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["errorType"] == "error-invalid-ruleset" and body["field"] == path
    error = body["errors"][0]
    assert error["source"] == f"{name}.json" and error["path"] == path and error["message"].startswith(message)
    assert api.ok(api.get("livechat/rules/triggers", api.admin))["ruleset"]["document"] == greeting(
        "Still the good one")
    assert greeted(api, api.http) == ["Still the good one"]


def test_every_error_of_a_document_is_listed(api: Api) -> None:
    doc = greeting()
    doc["rules"].append({"id": "welcome", "on": "page_viewd", "then": []})
    errors = put(api.http, api, "triggers", doc).json()["errors"]
    assert [e["path"] for e in errors] == ["$.rules[1].id", "$.rules[1].on", "$.rules[1].then"]


def in_force_after(api: Api, http: httpx.Client, changed_at: float, said: list[str]) -> float:
    """Seconds from the change to the first widget opening (through `http`) that gets `said`."""
    while True:
        opened_at: list[float] = []
        if greeted(api, http, opened_at) == said:
            return opened_at[0] - changed_at
        assert opened_at[0] - changed_at < 3 * RELOAD_DEADLINE_S, "never in force"


def test_a_change_reaches_a_second_server_within_a_second(api: Api, redis_server: EmbeddedRedis,
                                                          tmp_path: Path) -> None:
    second = Server(redis_server.url, tmp_path, workers=0)
    other = httpx.Client(base_url=second.url, timeout=10)
    try:
        assert greeted(api, other) == []
        changed_at = time.monotonic()
        api.ok(put(api.http, api, "triggers", greeting("Hot reloaded")))
        assert in_force_after(api, other, changed_at, ["Hot reloaded"]) < RELOAD_DEADLINE_S

        refused = other.put("/api/v1/livechat/rules/triggers", json=rule_with(on="nope"), headers=api.admin)
        assert refused.status_code == 400
        assert greeted(api, api.http) == ["Hot reloaded"]  # the invalid one changed nothing anywhere

        changed_at = time.monotonic()
        other.delete("/api/v1/livechat/rules/triggers", headers=api.admin).raise_for_status()
        assert in_force_after(api, api.http, changed_at, []) < RELOAD_DEADLINE_S
    finally:
        other.close()
        second.stop()
