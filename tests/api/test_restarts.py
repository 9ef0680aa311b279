"""Nothing accepted is lost when Redis (AOF on) or the API process is killed and restarted."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from livechat.engine.embedded_redis import EmbeddedRedis
from tests.conftest import Server, reset
from tests.helpers import Api

AOF_FSYNC_S = 1.0  # appendfsync everysec: what was accepted more than a second ago is on disk


def eventually(call, timeout: float = 15.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except (AssertionError, httpx.HTTPError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_redis_crash_loses_no_accepted_message_and_live_sockets_resume(tmp_path: Path) -> None:
    store = EmbeddedRedis(tmp_path / "redis").start()
    server = Server(store.url, tmp_path, workers=0)
    api = Api.__new__(Api)
    try:
        reset(store.url)
        api.__init__(server)  # type: ignore[misc]
        _, agent = api.agent("bruno")
        token = api.visitor()
        rid = api.room(token)["_id"]
        agent_ws = api.agent_socket(agent)
        api.say(token, rid, "before the crash")
        agent_ws.until("message")
        time.sleep(AOF_FSYNC_S + 0.5)

        store.kill()  # SIGKILL: no shutdown, no final fsync
        down = api.post("livechat/message", {"token": token, "rid": rid, "msg": "while down"})
        assert down.status_code == 503 and down.json()["errorType"] == "error-unavailable"
        store.start()  # same port, same append-only file

        eventually(lambda: api.say(token, rid, "after the crash"))
        history = eventually(lambda: api.ok(api.get(f"livechat/messages.history/{rid}", token=token))["messages"])
        assert [m["msg"] for m in history] == ["after the crash", "before the crash"]
        frame = agent_ws.until("message", timeout=15)  # the server resubscribed by itself
        assert frame["message"]["msg"] == "after the crash"
        agent_ws.close()
    finally:
        api.close()
        server.stop()
        store.stop()


def test_an_api_process_killed_mid_chat_loses_nothing_and_another_carries_on(tmp_path: Path) -> None:
    store = EmbeddedRedis(tmp_path / "redis").start()
    first = Server(store.url, tmp_path, workers=0)
    try:
        reset(store.url)
        api = Api(first)
        _, agent = api.agent("bruno")
        token = api.visitor()
        rid = api.room(token)["_id"]
        api.say(token, rid, "hello", msg_id="m-1")
        first.process.kill()
        first.process.wait()
        first.log.close()
        api.close()
        second = Server(store.url, tmp_path, workers=0)
        try:
            api = Api(second)
            api.say(token, rid, "hello", msg_id="m-1")  # the widget's retry: not doubled
            api.answer(agent, rid, "still here")
            history = api.ok(api.get(f"livechat/messages.history/{rid}", token=token))["messages"]
            assert [m["msg"] for m in history] == ["still here", "hello"]
            api.close()
        finally:
            second.stop()
    finally:
        store.stop()
