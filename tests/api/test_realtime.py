"""Realtime that loses nothing: reconnects with `since`, fan-out across processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from livechat.engine.embedded_redis import EmbeddedRedis
from tests.conftest import Server
from tests.helpers import Api


def test_a_reconnecting_visitor_gets_exactly_the_messages_it_missed(api: Api) -> None:
    _, agent = api.agent("bruno")
    token = api.visitor()
    rid = api.room(token)["_id"]
    visitor_ws = api.visitor_socket(token, rid)
    api.answer(agent, rid, "before the drop")
    last_seen = visitor_ws.until("message")["seq"]
    visitor_ws.close()

    sent = [api.answer(agent, rid, f"missed {i}")["_id"] for i in range(5)]
    visitor_ws = api.visitor_socket(token, rid, since=last_seen)
    frames = visitor_ws.frames(5, kinds=("message",))
    assert [f["message"]["_id"] for f in frames] == sent
    assert [f["seq"] for f in frames] == list(range(last_seen + 1, last_seen + 6))
    assert visitor_ws.quiet(("message",)) == []  # nothing twice

    api.answer(agent, rid, "live again")
    assert visitor_ws.until("message")["message"]["msg"] == "live again"
    visitor_ws.close()


def test_sequence_numbers_increase_per_room_without_gaps(api: Api) -> None:
    _, agent = api.agent("bruno")
    token = api.visitor()
    rid = api.room(token)["_id"]
    visitor_ws = api.visitor_socket(token, rid)
    for i in range(5):
        api.say(token, rid, f"v{i}")
        api.answer(agent, rid, f"a{i}")
    frames = visitor_ws.frames(11)  # the assignment, then ten messages
    seqs = [f["seq"] for f in frames]
    assert seqs == list(range(1, 12))
    visitor_ws.close()


def test_a_visitor_socket_opened_before_the_chat_follows_it_once_created(api: Api) -> None:
    api.agent("bruno")
    token = api.visitor()
    visitor_ws = api.visitor_socket(token)
    rid = api.room(token)["_id"]
    assert visitor_ws.until("room")["room_id"] == rid
    assert visitor_ws.until("agent")["rid"] == rid
    visitor_ws.close()


def test_unknown_tokens_and_bad_credentials_are_refused(api: Api) -> None:
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    for query in ("?token=nobody", "?userId=x&authToken=y"):
        with connect(api.server.ws_url + query) as conn, pytest.raises(ConnectionClosed) as closed:
            conn.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


@pytest.fixture
def second_server(redis_server: EmbeddedRedis, tmp_path: Path) -> Iterator[Server]:
    other = Server(redis_server.url, tmp_path, workers=0)
    yield other
    other.stop()


def test_a_visitor_on_one_process_and_an_agent_on_another_see_each_other(api: Api, second_server: Server) -> None:
    _, agent = api.agent("bruno")
    other = Api(second_server)
    try:
        agent_ws = other.agent_socket(agent)  # the agent's console talks to process 2
        token = api.visitor()
        rid = api.room(token)["_id"]  # the visitor's widget talks to process 1
        visitor_ws = api.visitor_socket(token, rid)
        agent_ws.until("agent")
        api.say(token, rid, "from process one")
        assert agent_ws.until("message")["message"]["msg"] == "from process one"
        other.answer(agent, rid, "from process two")
        mine, answer = visitor_ws.frames(2, kinds=("message",))
        assert (mine["message"]["msg"], answer["message"]["msg"]) == ("from process one", "from process two")
        agent_ws.close()
        visitor_ws.close()
    finally:
        other.close()


def test_an_agent_joining_a_long_chat_gets_all_its_kept_frames_without_being_cut(api: Api) -> None:
    from livechat.api.ws import OUTBOX_LIMIT

    _, agent = api.agent("bruno")
    token = api.visitor()
    rid = api.room(token)["_id"]
    import httpx

    with httpx.Client(base_url=api.server.url) as client:
        for i in range(OUTBOX_LIMIT + 100):
            client.post("/api/v1/livechat/message", json={"token": token, "rid": rid, "msg": f"m{i}"})
    agent_ws = api.agent_socket(agent)
    frames = agent_ws.frames(OUTBOX_LIMIT + 101, timeout=10)  # the assignment and every message
    assert frames[-1]["message"]["msg"] == f"m{OUTBOX_LIMIT + 99}"
    agent_ws.close()
