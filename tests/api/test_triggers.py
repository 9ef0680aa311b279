"""Managers' triggers: proactive messages a visitor sees over the realtime channel and in the history."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import Api

SITE = "https://shop.example"


@pytest.fixture(autouse=True)
def no_triggers_left(api: Api) -> Iterator[None]:
    """The server keeps running between tests: leave it without triggers or rule changes."""
    yield
    for found in api.ok(api.get("livechat/triggers", api.admin, count=500))["triggers"]:
        api.http.delete(f"/api/v1/livechat/triggers/{found['_id']}", headers=api.admin)
    for name in ("routing", "lifecycle", "triggers"):
        api.http.delete(f"/api/v1/livechat/rules/{name}", headers=api.admin)


def make_trigger(api: Api, condition: str, value: Any = None, msg: str = "Questions about plans?",
                 sender: str = "custom", **fields: Any) -> dict[str, Any]:
    params = {"sender": sender, "msg": msg, **({"name": "Bia"} if sender == "custom" else {})}
    body = {"name": f"{condition} trigger", "description": "", "enabled": True, "runOnce": False,
            "conditions": [{"name": condition, "value": value}],
            "actions": [{"name": "send-message", "params": params}], **fields}
    trigger: dict[str, Any] = api.ok(api.post("livechat/triggers", body, api.admin))["trigger"]
    return trigger


def view(api: Api, token: str, path: str, rid: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"token": token, "pageInfo": {"title": path, "change": "url",
                                                         "location": {"href": SITE + path}}}
    if rid:
        body["rid"] = rid
    return api.ok(api.post("livechat/page.visited", body))


def arrive(api: Api) -> str:
    """A visitor lands on the home page (the widget reports it) without registering."""
    token = secrets.token_hex(8)
    view(api, token, "/")
    return token


def test_a_manager_creates_lists_updates_and_deletes_triggers(api: Api) -> None:
    created = make_trigger(api, "page-url", "/pricing", runOnce=True)
    assert created["_id"] and created["runOnce"] is True and created["conditions"][0]["value"] == "/pricing"
    make_trigger(api, "chat-opened-by-visitor", enabled=False)
    listed = api.ok(api.get("livechat/triggers", api.admin))
    assert listed["total"] == 2 and {t["enabled"] for t in listed["triggers"]} == {True, False}
    assert api.ok(api.get(f"livechat/triggers/{created['_id']}", api.admin))["trigger"] == created

    config = api.ok(api.get("livechat/config"))["config"]
    assert [t["_id"] for t in config["triggers"]] == [created["_id"]]  # enabled ones only
    assert set(config["triggers"][0]) == {"_id", "name", "runOnce", "conditions", "actions"}

    changed = api.ok(api.post("livechat/triggers", {**created, "name": "Pricing", "enabled": False},
                              api.admin))["trigger"]
    assert changed["_id"] == created["_id"] and changed["name"] == "Pricing"
    assert api.ok(api.get("livechat/config"))["config"]["triggers"] == []
    api.ok(api.http.delete(f"/api/v1/livechat/triggers/{created['_id']}", headers=api.admin))
    assert api.get(f"livechat/triggers/{created['_id']}", api.admin).status_code == 404
    assert api.ok(api.get("livechat/triggers", api.admin))["total"] == 1


GOOD = {"name": "t", "conditions": [{"name": "page-url", "value": "/pricing"}],
        "actions": [{"name": "send-message", "params": {"sender": "queue", "msg": "Hi"}}]}


@pytest.mark.parametrize(("body", "field", "says"), [
    ({**GOOD, "name": ""}, "name", "Invalid 'name'"),
    ({k: v for k, v in GOOD.items() if k != "actions"}, "actions", "The 'actions' param is required"),
    ({**GOOD, "conditions": [{"name": "page-title", "value": "x"}]}, "conditions.0.name", "is not one of"),
    ({**GOOD, "conditions": [{"name": "page-url", "value": "(unclosed"}]}, "conditions.0.value",
     "not a valid regular expression"),
    ({**GOOD, "conditions": [{"name": "time-on-site", "value": "-5"}]}, "conditions.0.value",
     "time-on-site takes a number of seconds above 0"),
    ({**GOOD, "actions": [{"name": "use-external-service", "params": {"msg": "x"}}]}, "actions.0.name",
     "Invalid 'actions.0.name'"),
    ({**GOOD, "actions": [{"name": "send-message", "params": {"sender": "custom", "msg": "Hi"}}]},
     "actions.0.params.name", "A custom sender needs a name"),
    ({**GOOD, "actions": [{"name": "send-message", "params": {"sender": "bot", "msg": "Hi"}}]},
     "actions.0.params.sender", "is not one of"),
    ({**GOOD, "priority": 3}, "priority", "Unknown field 'priority'"),
])
def test_an_invalid_trigger_is_refused_naming_the_field(api: Api, body: dict[str, Any], field: str,
                                                        says: str) -> None:
    refused = api.post("livechat/triggers", body, api.admin)
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == field and says in refused.json()["error"]
    assert api.ok(api.get("livechat/triggers", api.admin))["total"] == 0


def test_triggers_are_for_managers_and_unknown_ids_are_404(api: Api) -> None:
    _, agent = api.agent("bruno")
    assert api.get("livechat/triggers").status_code == 401
    assert api.post("livechat/triggers", GOOD, agent).status_code == 403
    assert api.post("livechat/triggers", {**GOOD, "_id": "nope"}, api.admin).status_code == 404
    assert api.http.delete("/api/v1/livechat/triggers/nope", headers=api.admin).status_code == 404


def test_a_page_url_trigger_greets_over_the_socket_and_the_message_opens_the_chat(api: Api) -> None:
    make_trigger(api, "page-url", r"/pricing(/|$)")
    token = arrive(api)
    socket = api.visitor_socket(token)
    view(api, token, "/pricingx")
    view(api, token, "/pricing/team")
    frame = socket.until("message")
    shown = frame["message"]
    assert frame["rid"] is None and shown["msg"] == "Questions about plans?" and shown["u"]["username"] == "Bia"
    assert socket.quiet(("message",)) == []  # /pricingx did not match: one message only

    api.agent("bruno")
    api.visitor("Ana", token=token)
    rid = api.room(token)["_id"]
    history = api.ok(api.get(f"livechat/messages.history/{rid}", token=token))["messages"]
    assert history[-1]["_id"] == shown["_id"] and history[-1]["msg"] == "Questions about plans?"
    socket.close()


def test_a_trigger_with_a_chat_open_speaks_in_the_chat(api: Api) -> None:
    make_trigger(api, "page-url", "/checkout")
    api.agent("bruno")
    token = api.visitor("Ana")
    rid = api.room(token)["_id"]
    socket = api.visitor_socket(token, rid)
    view(api, token, "/checkout")  # no rid: the server finds the visitor's open chat
    frame = socket.until("message")
    assert frame["rid"] == rid and frame["message"]["msg"] == "Questions about plans?"
    socket.close()


def test_run_once_greets_a_visitor_once_and_others_every_time(api: Api) -> None:
    make_trigger(api, "page-url", "/once", msg="only once", runOnce=True)
    make_trigger(api, "page-url", "/again", msg="every time")
    token = arrive(api)
    socket = api.visitor_socket(token)
    for path in ("/once", "/once", "/again", "/again"):
        view(api, token, path)
    said = [f["message"]["msg"] for f in socket.frames(3, kinds=("message",))]
    assert said == ["only once", "every time", "every time"]
    assert socket.quiet(("message",)) == []
    other = arrive(api)
    other_socket = api.visitor_socket(other)
    view(api, other, "/once")
    assert other_socket.until("message")["message"]["msg"] == "only once"  # per visitor
    socket.close()
    other_socket.close()


def test_a_queue_sender_shows_the_agent_who_would_take_the_chat(api: Api) -> None:
    make_trigger(api, "page-url", "/help", sender="queue", msg="Can I help?")
    agents = {api.agent("ana")[0]: "ana", api.agent("bia")[0]: "bia"}
    token = arrive(api)
    socket = api.visitor_socket(token)
    view(api, token, "/help")
    shown = socket.until("message")["message"]["u"]
    assert agents[shown["_id"]] == shown["username"]
    api.visitor("Ana", token=token)
    assert api.room(token)["servedBy"]["_id"] == shown["_id"]  # the chat went to the agent shown
    other = arrive(api)
    other_socket = api.visitor_socket(other)
    view(api, other, "/help")
    assert other_socket.until("message")["message"]["u"]["_id"] == (set(agents) - {shown["_id"]}).pop()
    socket.close()
    other_socket.close()


def test_time_on_site_fires_after_the_delay_even_if_the_visitor_does_nothing(api: Api) -> None:
    make_trigger(api, "time-on-site", "2", msg="Still looking?")
    token = secrets.token_hex(8)
    started = time.monotonic()
    view(api, token, "/")
    socket = api.visitor_socket(token)
    assert socket.quiet(("message",), wait=1.0) == []
    frame = socket.until("message", timeout=8)
    waited = time.monotonic() - started
    assert frame["message"]["msg"] == "Still looking?" and 1.9 <= waited <= 6, waited
    view(api, token, "/other")  # the clock counts from arrival, once per visitor
    assert socket.quiet(("message",), wait=3.0) == []
    socket.close()


def test_chat_opened_by_visitor_fires_when_the_widget_opens(api: Api) -> None:
    make_trigger(api, "chat-opened-by-visitor", msg="Hello! How can we help?")
    token = arrive(api)
    socket = api.visitor_socket(token)
    view(api, token, "/docs")
    assert socket.quiet(("message",)) == []
    api.ok(api.post("livechat/widget.opened", {"token": token}))
    assert socket.until("message")["message"]["msg"] == "Hello! How can we help?"
    socket.close()


def test_after_guest_registration_fires_when_the_visitor_registers(api: Api) -> None:
    make_trigger(api, "after-guest-registration", msg="Thanks, Ana will be with you")
    token = arrive(api)
    socket = api.visitor_socket(token)
    api.ok(api.post("livechat/widget.opened", {"token": token}))
    assert socket.quiet(("message",)) == []
    api.visitor("Ana", token=token)
    assert socket.until("message")["message"]["msg"] == "Thanks, Ana will be with you"
    socket.close()


def test_a_disabled_trigger_never_fires(api: Api) -> None:
    make_trigger(api, "chat-opened-by-visitor", enabled=False)
    token = arrive(api)
    socket = api.visitor_socket(token)
    api.ok(api.post("livechat/widget.opened", {"token": token}))
    assert socket.quiet(("message",)) == []
    socket.close()


def test_agents_see_the_last_fifty_pages_their_visitor_viewed(api: Api) -> None:
    _, agent = api.agent("bruno")
    _, other = api.agent("carla", available=False)
    token = api.visitor("Ana")
    rid = api.room(token)["_id"]
    for n in range(55):
        page = view(api, token, f"/page/{n}", rid)["page"]
    assert page["navigation"]["page"]["location"]["href"] == f"{SITE}/page/54"
    pages = api.ok(api.get(f"livechat/visitors.pagesVisited/{rid}", agent))["pages"]
    assert len(pages) == 50 and pages[0]["navigation"]["page"]["title"] == "/page/54"
    assert pages[-1]["navigation"]["page"]["title"] == "/page/5"
    assert api.get(f"livechat/visitors.pagesVisited/{rid}", other).status_code == 403


def test_page_views_name_only_the_visitors_own_chat(api: Api) -> None:
    api.agent("bruno")
    rid = api.room(api.visitor("Ana"))["_id"]
    refused = api.post("livechat/page.visited", {"token": arrive(api), "rid": rid,
                                                 "pageInfo": {"location": {"href": SITE}}})
    assert refused.status_code == 400 and refused.json()["errorType"] == "invalid-room"
