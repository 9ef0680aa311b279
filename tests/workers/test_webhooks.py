"""Webhooks reach the CRM once, signed, in order per chat, whatever fails on the way."""

from __future__ import annotations

import json
import time
from typing import Any

import jsonschema
import pytest
import redis
from redis.asyncio import Redis
from rq import Queue
from rq.job import Job

from livechat.engine import keys
from livechat.engine.runtime import Runtime
from livechat.engine.state import offline
from livechat.workers import delivery_store, payloads, webhooks
from livechat.workers.deliveries import Attempt, Delivery, headers, mask, redact_url
from tests.workers.conftest import (
    SECRET,
    Receiver,
    Workers,
    check_request,
    schema_for,
    seed_chat,
    wait_for,
    webhook_settings,
)


def _state(conn: redis.Redis, delivery_id: str) -> Delivery | None:
    return delivery_store.load(conn, delivery_id)


def _finished(conn: redis.Redis, delivery_id: str) -> Delivery | None:
    found = _state(conn, delivery_id)
    return found if found is not None and found.state in ("delivered", "failed") else None


def _delivery_ids(receiver: Receiver) -> set[str]:
    return {r.headers["X-pimentachat-Delivery"] for r in receiver.requests}


# --- payloads -----------------------------------------------------------------------------

async def test_a_closed_chat_payload_has_exactly_the_documented_fields(conn: redis.Redis, aredis: Redis) -> None:
    chat = await seed_chat(aredis, close=True)
    event = {"rid": chat.room["_id"], "agent_id": chat.agent.id}
    payload = payloads.build(conn, "LivechatSession", event)
    jsonschema.validate(payload, schema_for("LivechatSession"))
    assert {"type", "_id", "label", "topic", "code", "createdAt", "lastMessageAt", "tags", "customFields",
            "visitor", "agent", "messages"} <= set(payload)
    assert payload["label"] == "" and payload["topic"] == "" and payload["code"] == chat.room["code"]
    assert payload["tags"] == ["billing"] and payload["customFields"] == {"plan": "pro"}
    assert payload["visitor"] == {
        "_id": chat.visitor["_id"], "name": "Ana Lima", "username": chat.visitor["username"],
        "department": "", "email": "ana@example.com", "phone": "+55 11 5555-0000", "ip": "203.0.113.9",
        "browser": "Chrome", "os": "Linux", "customFields": {"customerId": "c-42"},
    }
    assert payload["agent"] == {"_id": chat.agent.id, "username": chat.agent.username, "name": "Bruno",
                                "email": "bruno@example.com"}
    assert payload["messages"] == [
        {"username": chat.visitor["username"], "msg": "Hello, I need help <b>now</b>",
         "ts": payload["messages"][0]["ts"]},
        {"username": chat.agent.username, "agentId": chat.agent.id, "msg": "Hi Ana, how can I help?",
         "ts": payload["messages"][1]["ts"]},
    ]
    assert payload["closer"] == "user" and payload["closedBy"] == {"_id": chat.agent.id,
                                                                   "username": chat.agent.username}


@pytest.mark.parametrize("kind", ["LivechatSessionStart", "LivechatSessionQueued", "LivechatSessionTaken",
                                  "LivechatSessionForwarded", "Message", "LeadCapture", "LivechatSession"])
async def test_every_chat_payload_type_matches_its_schema(conn: redis.Redis, aredis: Redis, kind: str) -> None:
    chat = await seed_chat(aredis)
    history = await aredis.lrange(keys.room_messages(chat.room["_id"]), 0, -1)
    event = {"rid": chat.room["_id"], "agent_id": chat.agent.id, "message_id": json.loads(history[-1])["_id"],
             "previous_agent": chat.agent.id}
    payload = payloads.build(conn, kind, event)
    jsonschema.validate(payload, schema_for(kind))
    assert payload["type"] == kind
    if kind == "Message":
        assert [m["msg"] for m in payload["messages"]] == ["Hi Ana, how can I help?"]


async def test_an_offline_message_payload_is_the_form_as_sent(conn: redis.Redis, aredis: Redis) -> None:
    record = await offline.save(aredis, "Rita", "rita@example.com", "Call me back", "", "", "198.51.100.1")
    payload = payloads.build(conn, "LivechatOfflineMessage", {"offline_id": record["_id"]})
    jsonschema.validate(payload, schema_for("LivechatOfflineMessage"))
    assert payload == {"type": "LivechatOfflineMessage", "sentAt": record["ts"],
                       "visitor": {"name": "Rita", "email": "rita@example.com"}, "message": "Call me back"}


def test_the_webhook_test_sample_matches_the_session_schema() -> None:
    jsonschema.validate(payloads.SAMPLE_SESSION, schema_for("LivechatSession"))


def test_browser_and_os_come_from_the_user_agent() -> None:
    assert payloads.user_agent("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120 Safari/537.36 "
                               "Edg/120.0") == ("Edge", "Windows")
    assert payloads.user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 "
                               "Mobile/15E148 Safari/604.1") == ("Safari", "iOS")
    assert payloads.user_agent("") == ("", "")


# --- pure data ------------------------------------------------------------------------------

def test_a_delivery_record_survives_its_storage_format() -> None:
    attempt = Attempt(at=1_700_000_000_123, status=500, latency_ms=12, error="HTTP 500", response="boom")
    record = Delivery(id="d1", type="LivechatSession", lane="r1", created=1_700_000_000_000,
                      event={"type": "chat_closed", "rid": "r1"}, rid="r1", url="http://x/y", body='{"a":1}',
                      state="pending", attempts_made=1, next_at=5, job_id="j")
    raw = {k.encode(): v.encode() for k, v in record.to_hash().items()}
    again = Delivery.from_hash(raw, [attempt.dumps().encode()])
    assert again.to_hash() == record.to_hash() and again.attempts == [attempt]
    assert again.to_dict()["attempts"][0]["at"] == "2023-11-14T22:13:20.123Z"


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    sent = headers("d1", "k", 1700000000, '{"a":1}')
    assert sent["X-pimentachat-Signature"] == \
        "sha256=" + __import__("hmac").new(b"k", b'1700000000.{"a":1}', "sha256").hexdigest()
    assert sent["X-pimentachat-Delivery"] == "d1" and sent["X-pimentachat-Livechat-Token"] == "k"
    assert "X-pimentachat-Signature" not in headers("d1", "", 1700000000, "{}")


def test_secrets_and_url_credentials_are_never_shown() -> None:
    assert mask("top-secret") == "********" and mask("") == ""
    assert redact_url("https://user:pw@crm.example.com:8443/hook?token=abc#x") == "https://crm.example.com:8443/hook"


# --- delivery through real workers ------------------------------------------------------

async def test_a_receiver_failing_twice_gets_one_successful_delivery_after_three_attempts(
        conn: redis.Redis, workers: Workers, receiver: Receiver, rt: Runtime, aredis: Redis) -> None:
    receiver.answer = lambda n: (500 if n <= 2 else 200, 0.0)
    receiver.start()
    webhook_settings(conn, receiver.url, delay_s=1)
    chat = await seed_chat(aredis, close=True)
    workers.start(1)
    closed = {"type": "chat_closed", "rid": chat.room["_id"]}
    delivery_id = await webhooks.submit(rt, "LivechatSession", closed)

    done = wait_for(lambda: _finished(conn, delivery_id), what="delivery")
    time.sleep(1.5)  # nothing more arrives afterwards
    assert done.state == "delivered"
    assert [r.status for r in receiver.requests] == [500, 500, 200]
    assert _delivery_ids(receiver) == {delivery_id}
    bodies = {r.body for r in receiver.requests}
    assert len(bodies) == 1  # every retry sends the same payload
    assert check_request(receiver.requests[-1])["_id"] == chat.room["_id"]
    assert [a.status for a in done.attempts] == [500, 500, 200]
    assert done.attempts[-1].response == '{"ok": true}' and done.attempts[0].error == "HTTP 500"
    assert conn.zcard(keys.WEBHOOK_PENDING) == 0


async def test_a_receiver_down_for_a_while_gets_the_delivery_once_it_is_back(
        conn: redis.Redis, workers: Workers, receiver: Receiver, rt: Runtime, aredis: Redis) -> None:
    webhook_settings(conn, receiver.url, delay_s=1)  # nothing listens on the port yet
    chat = await seed_chat(aredis)
    workers.start(1)
    delivery_id = await webhooks.submit(rt, "LivechatSessionStart", {"type": "chat_requested",
                                                                     "rid": chat.room["_id"]})
    wait_for(lambda: conn.hget(keys.webhook_delivery(delivery_id), "attempts_made") in (b"2", b"3"),
             what="retries")
    time.sleep(3)
    receiver.start()

    done = wait_for(lambda: _finished(conn, delivery_id), what="delivery")
    assert done.state == "delivered"
    assert [r.status for r in receiver.requests] == [200]
    check_request(receiver.requests[0])
    assert all(a.status is None and a.error for a in done.attempts[:-1]) and done.attempts[-1].status == 200


async def test_kill_9_of_the_worker_between_retries_still_delivers_once(
        conn: redis.Redis, workers: Workers, receiver: Receiver, rt: Runtime, aredis: Redis) -> None:
    receiver.answer = lambda n: (500 if n <= 2 else 200, 0.0)
    receiver.start()
    webhook_settings(conn, receiver.url, delay_s=1)
    chat = await seed_chat(aredis, close=True)
    [first] = workers.start(1)
    closed = {"type": "chat_closed", "rid": chat.room["_id"]}
    delivery_id = await webhooks.submit(rt, "LivechatSession", closed)
    wait_for(lambda: len(receiver.requests) >= 2 and receiver.requests[1].status, what="second attempt")
    Workers.kill9(first)  # the worker and its scheduler, with a retry scheduled
    workers.start(1)

    done = wait_for(lambda: _finished(conn, delivery_id), what="delivery after the crash")
    time.sleep(1.5)
    assert done.state == "delivered"
    assert [r.status for r in receiver.requests] == [500, 500, 200]
    assert _delivery_ids(receiver) == {delivery_id}
    check_request(receiver.requests[-1])


async def test_kill_9_of_the_worker_during_an_attempt_still_delivers(
        conn: redis.Redis, workers: Workers, receiver: Receiver, rt: Runtime, aredis: Redis) -> None:
    # the first request hangs until the worker is dead; its lease expires and a new worker resumes
    receiver.answer = lambda n: (200, 3.0 if n == 1 else 0.0)
    receiver.start()
    webhook_settings(conn, receiver.url, delay_s=1, timeout_ms=1000)
    chat = await seed_chat(aredis)
    [first] = workers.start(1)
    delivery_id = await webhooks.submit(rt, "LivechatSessionTaken", {"type": "chat_taken",
                                                                     "rid": chat.room["_id"]})
    wait_for(lambda: receiver.requests, what="first request")
    Workers.kill9(first)
    workers.start(1)

    done = wait_for(lambda: _finished(conn, delivery_id), timeout_s=40, what="delivery after the crash")
    assert done.state == "delivered" and done.attempts_made == 1  # the killed attempt left no record
    assert _delivery_ids(receiver) == {delivery_id}  # a receiver deduplicates by delivery id
    assert [r.status for r in receiver.requests][-1] == 200
    check_request(receiver.requests[-1])


async def test_a_close_is_never_delivered_before_its_start(
        conn: redis.Redis, workers: Workers, receiver: Receiver, rt: Runtime, aredis: Redis) -> None:
    receiver.answer = lambda n: (200, 1.5 if n == 1 else 0.0)  # the first (the start) is slow
    receiver.start()
    webhook_settings(conn, receiver.url, delay_s=1)
    chat = await seed_chat(aredis, close=True)
    other = await seed_chat(aredis)
    workers.start(2)
    rid = chat.room["_id"]
    start = await webhooks.submit(rt, "LivechatSessionStart", {"type": "chat_requested", "rid": rid})
    close = await webhooks.submit(rt, "LivechatSession", {"type": "chat_closed", "rid": rid})
    elsewhere = await webhooks.submit(rt, "LivechatSessionStart", {"type": "chat_requested",
                                                                   "rid": other.room["_id"]})

    wait_for(lambda: all(_finished(conn, d) for d in (start, close, elsewhere)), what="deliveries")
    order = [r.headers["X-pimentachat-Delivery"] for r in receiver.requests]
    assert order.index(start) < order.index(close)
    assert order.index(elsewhere) < order.index(close)  # another chat does not wait for this one
    ours = [r for r in receiver.requests if r.headers["X-pimentachat-Delivery"] in (start, close)]
    payload_types = [check_request(r)["type"] for r in ours]
    assert payload_types == ["LivechatSessionStart", "LivechatSession"]


async def test_the_rule_action_enqueueing_prepare_directly_delivers(
        conn: redis.Redis, workers: Workers, receiver: Receiver, rt: Runtime, aredis: Redis) -> None:
    receiver.start()
    webhook_settings(conn, receiver.url)
    record = await offline.save(aredis, "Rita", "rita@example.com", "Call me", "", "", "198.51.100.1")
    workers.start(1)
    rt.jobs.enqueue(webhooks.PREPARE, "LivechatOfflineMessage",
                    {"type": "offline_message_sent", "offline_id": record["_id"]})

    wait_for(lambda: receiver.answered(200), what="delivery")
    assert check_request(receiver.requests[0])["message"] == "Call me"
    [listed] = conn.zrange(keys.WEBHOOK_DELIVERIES, 0, -1)
    assert wait_for(lambda: _finished(conn, listed.decode())).state == "delivered"


async def test_a_receiver_that_always_fails_is_given_up_after_the_retries_and_the_chat_moves_on(
        conn: redis.Redis, workers: Workers, receiver: Receiver, rt: Runtime, aredis: Redis) -> None:
    receiver.answer = lambda n: (503 if n <= 3 else 200, 0.0)
    receiver.start()
    webhook_settings(conn, receiver.url, retries=2, delay_s=1)
    chat = await seed_chat(aredis, close=True)
    workers.start(1)
    failing = await webhooks.submit(rt, "LivechatSessionStart", {"type": "chat_requested",
                                                                 "rid": chat.room["_id"]})
    after = await webhooks.submit(rt, "LivechatSession", {"type": "chat_closed", "rid": chat.room["_id"]})

    assert wait_for(lambda: _finished(conn, failing)).state == "failed"
    assert wait_for(lambda: _finished(conn, after)).state == "delivered"
    assert [r.status for r in receiver.requests] == [503, 503, 503, 200]
    assert _state(conn, failing).attempts_made == 3  # type: ignore[union-attr]


async def test_a_duplicated_job_for_a_delivered_webhook_sends_nothing(
        conn: redis.Redis, workers: Workers, receiver: Receiver, rt: Runtime, aredis: Redis) -> None:
    receiver.start()
    webhook_settings(conn, receiver.url)
    chat = await seed_chat(aredis)
    workers.start(1)
    delivery_id = await webhooks.submit(rt, "LivechatSessionQueued", {"type": "chat_queued",
                                                                      "rid": chat.room["_id"]})
    wait_for(lambda: _finished(conn, delivery_id), what="delivery")
    again = [
        rt.jobs.enqueue(webhooks.DELIVER, delivery_id),
        rt.jobs.enqueue(webhooks.DELIVER, delivery_id, 0)]
    jobs = [Job.fetch(job_id, connection=conn) for job_id in again]
    wait_for(lambda: all(j.get_status() == "finished" for j in jobs), what="duplicate jobs")
    assert [j.return_value() for j in jobs] == ["skipped (delivered)", "skipped (delivered)"]
    assert len(receiver.requests) == 1


async def test_recovery_requeues_a_delivery_whose_job_vanished(conn: redis.Redis, rt: Runtime) -> None:
    event: dict[str, Any] = {"type": "chat_requested", "rid": "r-lost"}
    delivery_id = await webhooks.submit(rt, "LivechatSessionStart", event)
    queue = Queue(keys.RQ_QUEUE, connection=conn)
    [lost] = queue.get_job_ids()
    Job.fetch(lost, connection=conn).delete()  # as if the worker that held it died
    assert webhooks.recover_pending(conn) == 0  # too young: its creator may still be enqueueing
    conn.hset(keys.webhook_delivery(delivery_id), "created", 0)

    assert webhooks.recover_pending(conn) == 1
    [job_id] = queue.get_job_ids()
    job = Job.fetch(job_id, connection=conn)
    assert job.func_name == webhooks.PREPARE and job.args == ("LivechatSessionStart", event, delivery_id)
    assert webhooks.recover_pending(conn) == 0  # its job is queued now


async def test_a_delivery_log_entry_never_holds_the_secret(
        conn: redis.Redis, workers: Workers, receiver: Receiver, rt: Runtime, aredis: Redis) -> None:
    receiver.start()
    webhook_settings(conn, receiver.url)
    chat = await seed_chat(aredis)
    workers.start(1)
    delivery_id = await webhooks.submit(rt, "LivechatSessionStart", {"type": "chat_requested",
                                                                     "rid": chat.room["_id"]})
    wait_for(lambda: _finished(conn, delivery_id), what="delivery")
    raw = conn.hgetall(keys.webhook_delivery(delivery_id))
    stored = json.dumps({k.decode(): v.decode() for k, v in raw.items()})
    assert SECRET not in stored
    shown = _state(conn, delivery_id).to_dict(with_body=True)  # type: ignore[union-attr]
    assert SECRET not in json.dumps(shown) and shown["url"].endswith("/hook")
