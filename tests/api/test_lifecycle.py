"""What happens to chats over time, with real scheduled timers: agents leaving, capacity, the
queue moving, inactive visitors, and what closing requires."""

from __future__ import annotations

import time
from typing import Any

from tests.helpers import Api


def setting(api: Api, name: str, value: Any) -> None:
    api.ok(api.post(f"settings/{name}", {"value": value}, api.admin))


def server(api: Api, token: str) -> str | None:
    room = api.room(token)
    return room["servedBy"]["_id"] if room.get("servedBy") else None


def status_of(api: Api, agent_id: str) -> str:
    agents = api.ok(api.get("livechat/users/agent", api.admin))["users"]
    return str(next(a["statusLivechat"] for a in agents if a["_id"] == agent_id))


def wait_for(check: Any, timeout: float) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, "did not happen in time"
        time.sleep(0.1)
    return time.monotonic() - started


def serving_ana_with_bia_ready(api: Api) -> tuple[str, dict[str, str], str, str]:
    """Ana serves the visitor's chat; Bia is available and free."""
    ana, ana_auth = api.agent("ana")
    bia, bia_auth = api.agent("bia", available=False)
    token = api.visitor("Carol")
    assert server(api, token) == ana
    api.set_status(bia_auth, "available")
    return ana, ana_auth, bia, token


# --- the serving agent goes away -----------------------------------------------------


def test_an_agent_who_goes_unavailable_loses_their_chats_after_the_grace_period(api: Api) -> None:
    setting(api, "Livechat_agent_grace_seconds", 1)
    ana, ana_auth, bia, token = serving_ana_with_bia_ready(api)
    rid = api.room(token)["_id"]
    visitor_ws = api.visitor_socket(token, rid)
    api.set_status(ana_auth, "not-available")
    assert server(api, token) == ana  # the grace period: still Ana's
    waited = wait_for(lambda: server(api, token) == bia, timeout=6)
    assert 0.5 <= waited <= 5
    assert [f["agent"]["_id"] for f in visitor_ws.frames(2, kinds=("agent",))] == [ana, bia]
    history = api.ok(api.get(f"livechat/messages.history/{rid}", token=token))["messages"]
    assert any(m.get("t") == "livechat_returned" for m in history)
    visitor_ws.close()


def test_an_agent_back_within_the_grace_period_keeps_their_chats(api: Api) -> None:
    setting(api, "Livechat_agent_grace_seconds", 2)
    ana, ana_auth, _, token = serving_ana_with_bia_ready(api)
    api.set_status(ana_auth, "not-available")
    time.sleep(0.5)
    api.set_status(ana_auth, "available")
    time.sleep(3)  # past the grace period
    assert server(api, token) == ana


def test_an_agent_whose_console_disconnects_loses_their_chats_after_the_grace_period(api: Api) -> None:
    setting(api, "Livechat_agent_grace_seconds", 1)
    ana, ana_auth, bia, token = serving_ana_with_bia_ready(api)
    console = api.agent_socket(ana_auth)
    console.close()
    assert server(api, token) == ana
    wait_for(lambda: server(api, token) == bia, timeout=6)
    assert status_of(api, ana) == "not-available"  # no new chats for a console nobody watches


def test_a_console_that_reconnects_within_the_grace_period_keeps_its_chats(api: Api) -> None:
    setting(api, "Livechat_agent_grace_seconds", 1)
    ana, ana_auth, _, token = serving_ana_with_bia_ready(api)
    api.agent_socket(ana_auth).close()
    console = api.agent_socket(ana_auth)  # a page reload
    time.sleep(2.5)
    assert server(api, token) == ana and status_of(api, ana) == "available"
    console.close()


# --- capacity ---------------------------------------------------------------------------


def test_routing_and_taking_respect_the_global_chat_limit(api: Api) -> None:
    setting(api, "Livechat_max_chats_per_agent", 1)
    ana, ana_auth = api.agent("ana")
    first, second = api.visitor("A"), api.visitor("B")
    assert server(api, first) == ana
    waiting = api.room(second)
    assert waiting["status"] == "queued"
    refused = api.post("livechat/inquiries.take", {"inquiryId": waiting["_id"]}, ana_auth)
    assert refused.status_code == 400 and refused.json()["errorType"] == "error-max-chats"
    api.ok(api.post("livechat/room.closeByUser", {"rid": api.room(first)["_id"], "comment": "done"}, ana_auth))
    assert server(api, second) == ana  # the freed slot takes the next in line


def test_a_departments_own_limit_overrides_the_global_one(api: Api) -> None:
    setting(api, "Livechat_max_chats_per_agent", 1)
    ana, ana_auth = api.agent("ana")
    sales = api.department("Sales", [ana], maxNumberSimultaneousChat=2)
    tokens = [api.visitor(f"V{i}", department=sales) for i in range(3)]
    assert [server(api, t) for t in tokens] == [ana, ana, None]
    third = api.room(tokens[2])["_id"]
    refused = api.post("livechat/inquiries.take", {"inquiryId": third}, ana_auth)
    assert refused.json()["errorType"] == "error-max-chats"
    api.ok(api.http.put(f"/api/v1/livechat/department/{sales}", headers=api.admin, json={
        "department": {"name": "Sales", "maxNumberSimultaneousChat": 3}}))
    api.ok(api.post("livechat/inquiries.take", {"inquiryId": third}, ana_auth))
    assert server(api, tokens[2]) == ana


# --- the queue moving ---------------------------------------------------------------------


def test_every_waiting_visitor_hears_their_new_place_when_the_queue_moves(api: Api) -> None:
    setting(api, "Livechat_max_chats_per_agent", 1)
    _, ana_auth = api.agent("ana", available=False)
    tokens = [api.visitor(f"V{i}") for i in range(3)]
    rooms = [api.room(t)["_id"] for t in tokens]
    sockets = [api.visitor_socket(t, r) for t, r in zip(tokens, rooms, strict=True)]
    assert [s.until("queue")["position"] for s in sockets] == [1, 2, 3]
    config = api.ok(api.get("livechat/config", token=tokens[2]))["config"]
    assert config["queueInfo"]["spot"] == 3
    api.set_status(ana_auth, "available")  # takes the first in line
    assert sockets[0].until("agent")["agent"]["username"] == "ana"
    assert [s.until("queue")["position"] for s in sockets[1:]] == [1, 2]
    api.ok(api.post("livechat/room.close", {"token": tokens[1], "rid": rooms[1]}))  # one gives up
    assert sockets[2].until("queue")["position"] == 1
    for s in sockets:
        s.close()


# --- inactive visitors ----------------------------------------------------------------------


def test_a_silent_visitors_chat_closes_after_the_inactivity_period(api: Api) -> None:
    setting(api, "Livechat_visitor_inactivity_close_seconds", 1)
    _, agent = api.agent("ana")
    token = api.visitor()
    rid = api.room(token)["_id"]
    socket = api.visitor_socket(token, rid)
    api.say(token, rid, "hello?")
    api.answer(agent, rid, "Hi! How can I help?")
    closed = socket.until("closed", timeout=6)
    assert closed["closer"] == "system" and closed["comment"] == "Closed after visitor inactivity"
    socket.close()


def test_a_visitor_who_keeps_talking_is_not_closed_and_zero_turns_it_off(api: Api) -> None:
    setting(api, "Livechat_visitor_inactivity_close_seconds", 2)
    api.agent("ana")
    token = api.visitor()
    rid = api.room(token)["_id"]
    socket = api.visitor_socket(token, rid)
    for n in range(4):
        api.say(token, rid, f"still here {n}")
        time.sleep(1)
    assert socket.quiet(("closed",), wait=0.2) == []
    setting(api, "Livechat_visitor_inactivity_close_seconds", 0)
    other = api.visitor("B")
    other_rid = api.room(other)["_id"]
    api.say(other, other_rid, "hi")
    other_socket = api.visitor_socket(other, other_rid)
    assert other_socket.quiet(("closed",), wait=3) == []
    socket.close()
    other_socket.close()


# --- what closing requires ------------------------------------------------------------------


def test_a_department_can_require_a_closing_comment(api: Api) -> None:
    ana, ana_auth = api.agent("ana")
    api.department("Support", [ana], requestCommentBeforeClosingChat=True)
    rid = api.room(api.visitor())["_id"]
    refused = api.post("livechat/room.closeByUser", {"rid": rid, "comment": "  "}, ana_auth)
    assert refused.status_code == 400 and refused.json()["errorType"] == "error-comment-is-required"
    assert refused.json()["field"] == "comment"
    api.ok(api.post("livechat/room.closeByUser", {"rid": rid, "comment": "Refund issued"}, ana_auth))


def test_the_global_setting_requires_a_closing_comment_everywhere(api: Api) -> None:
    setting(api, "Livechat_request_comment_when_closing_conversation", True)
    _, ana_auth = api.agent("ana")
    rid = api.room(api.visitor())["_id"]
    refused = api.post("livechat/room.closeByUser", {"rid": rid}, ana_auth)
    assert refused.json()["errorType"] == "error-comment-is-required"
    api.ok(api.post("livechat/room.closeByUser", {"rid": rid, "comment": "ok"}, ana_auth))
