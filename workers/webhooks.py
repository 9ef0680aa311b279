"""CRM webhooks (SPEC §6): record first, then send, retry with scheduled jobs, never lose one.

- `submit` (engine/API side) stores a `preparing` record in its chat's lane, then enqueues
  `prepare`. `prepare` builds the payload from live state, stores it, and when nothing of
  that chat is ahead of it makes the first attempt in the same job.
- `deliver` makes one attempt. Anything but a 200 (or a timeout, a network error) is
  recorded, and the next attempt is an RQ job scheduled `Livechat_webhook_retry_delay`
  seconds later: no worker ever sleeps, so a failing CRM delays no one else.
- A lease lets one job at a time work on a record; a job that finds it leased, finished,
  or at another attempt count does nothing, so duplicated jobs are harmless.
- `recover_pending` re-enqueues work whose job vanished (a worker killed -9, a dead
  scheduler); workers run it at start and periodically (workers/recovery.py).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

import redis as sync_redis
from rq import get_current_job
from rq.job import Job, JobStatus

from livechat.engine import keys
from livechat.engine.jsonutil import now_ms
from livechat.engine.runtime import Jobs, Runtime
from livechat.engine.state import settings as settings_state
from livechat.workers import delivery_store as store
from livechat.workers import http, payloads
from livechat.workers.deliveries import (
    FAILED,
    MASK,
    PENDING,
    PREPARING,
    Attempt,
    Delivery,
    headers,
    redact_url,
)

log = logging.getLogger("livechat.webhooks")

PREPARE = "livechat.workers.webhooks.prepare"
DELIVER = "livechat.workers.webhooks.deliver"

PREPARE_LEASE_MS = 60_000  # building a payload takes milliseconds; a lease this old means the job died
LEASE_MARGIN_MS = 10_000  # an attempt holds its lease for the HTTP timeout plus this
FRESH_MS = 10_000  # a record this young may still be waiting for the job its creator is enqueueing
OVERDUE_MS = 10_000  # the scheduler polls every second: a retry 10 s late means none runs; enqueue it directly
SWEEP_LOCK_MS = 20_000  # one recovery sweep at a time; a sweep of thousands of records takes well under this
SWEEP_BATCH = 500


def _connection() -> sync_redis.Redis:
    job = get_current_job()
    if job is None:
        raise RuntimeError("webhook jobs run inside an RQ worker (no current job)")
    return job.connection


def _settings(conn: sync_redis.Redis) -> dict[str, Any]:
    return settings_state.decode(conn.hgetall(keys.SETTINGS))


def _job_id() -> str:
    return f"webhook-{uuid.uuid4().hex}"


def lane_for(event: dict[str, Any], delivery_id: str) -> str:
    """A chat's events share its lane (delivered in order); the rest each get their own."""
    return str(event.get("rid") or delivery_id)


async def submit(rt: Runtime, kind: str, event: dict[str, Any], redelivery_of: str = "") -> str:
    """Record a webhook for `event` and enqueue its preparation; returns the delivery id.

    The record takes its place in the chat's lane now, so events are delivered in the
    order they happened even when several workers prepare them at once.
    """
    delivery_id = uuid.uuid4().hex
    job_id = _job_id()
    record = Delivery(id=delivery_id, type=kind, lane=lane_for(event, delivery_id), created=now_ms(),
                      event=event, rid=str(event.get("rid") or ""), job_id=job_id,
                      redelivery_of=redelivery_of)
    await store.create_async(rt.redis, record)
    rt.jobs.enqueue(PREPARE, kind, event, delivery_id, job_id=job_id)
    return delivery_id


async def redeliver(rt: Runtime, original: Delivery) -> str:
    """Send a delivery's payload again as a new delivery (new id, the current URL and secret)."""
    event = {**original.event, "rid": original.rid or None}
    if not original.rid:
        event.pop("rid")
    return await submit(rt, original.type, event, redelivery_of=original.id)


def prepare(kind: str, event: dict[str, Any], delivery_id: str | None = None) -> str:
    """Build and store the payload; attempt it at once when nothing of its chat is ahead."""
    conn = _connection()
    if delivery_id is None:  # enqueued without `submit`: record it now, in the order jobs run
        job = get_current_job()
        delivery_id = job.id if job is not None else uuid.uuid4().hex
        store.create(conn, Delivery(id=delivery_id, type=kind, lane=lane_for(event, delivery_id),
                                    created=now_ms(), event=event, rid=str(event.get("rid") or ""),
                                    job_id=delivery_id))
    token = uuid.uuid4().hex
    record, why = store.claim(conn, delivery_id, token, PREPARE_LEASE_MS, PREPARING)
    if record is None:
        return f"skipped ({why})"
    current = _settings(conn)
    try:
        record.body = _body(conn, record)
        record.url = str(current["Livechat_webhookUrl"])
        if not record.url:
            raise payloads.PayloadError("no webhook URL is configured")
    except payloads.PayloadError as exc:
        _give_up(conn, record, token, str(exc))
        return FAILED
    record.next_at = now_ms()
    if store.ready(conn, record, token, _lease_ms(current)) != 1:
        return "waiting"  # the lane's head hands over to it when done
    return _send(conn, record, token, current)


def _body(conn: sync_redis.Redis, record: Delivery) -> str:
    if record.redelivery_of:
        original = store.load(conn, record.redelivery_of)
        if original is None or not original.body:
            raise payloads.PayloadError(f"delivery {record.redelivery_of!r} to redeliver is gone")
        return original.body
    return json.dumps(payloads.build(conn, record.type, record.event), separators=(",", ":"))


def _give_up(conn: sync_redis.Redis, record: Delivery, token: str, reason: str) -> None:
    attempt = Attempt(at=now_ms(), status=None, latency_ms=0, error=reason)
    next_job = _job_id()
    _, head, made = store.finish(conn, record, attempt, FAILED, token, 0, now_ms(), "", next_job)
    log.warning("webhook %s %s not sent: %s", record.type, record.id, reason)
    if head:
        Jobs(conn).enqueue(DELIVER, head, made, job_id=next_job)


def deliver(delivery_id: str, attempts_made: int | None = None) -> str:
    """One attempt of a pending delivery, if it is still due at that attempt count."""
    conn = _connection()
    current = _settings(conn)
    token = uuid.uuid4().hex
    record, why = store.claim(conn, delivery_id, token, _lease_ms(current), PENDING, attempts_made)
    if record is None:
        return f"skipped ({why})"
    return _send(conn, record, token, current)


def _lease_ms(current: dict[str, Any]) -> int:
    return _timeout_ms(current) + LEASE_MARGIN_MS


def _timeout_ms(current: dict[str, Any]) -> int:
    return max(int(current["Livechat_http_timeout"]), 1)


def _send(conn: sync_redis.Redis, record: Delivery, token: str, current: dict[str, Any]) -> str:
    """POST a leased pending record once, record the attempt, schedule what comes next."""
    secret = str(current["Livechat_secret_token"])
    sent_at = now_ms()
    answer = http.post(record.url, record.body, headers(record.id, secret, int(time.time()), record.body),
                       _timeout_ms(current) / 1000)
    attempt = Attempt(at=sent_at, status=answer.status, latency_ms=answer.latency_ms,
                      error=_without(secret, answer.error), response=_without(secret, answer.excerpt))
    made = record.attempts_made + 1
    delay_s = max(float(current["Livechat_webhook_retry_delay"]), 0.0)
    if attempt.ok:
        outcome = "delivered"
    else:
        outcome = "retry" if made <= int(current["Livechat_webhook_retries"]) else FAILED
    retry_job, next_job = _job_id(), _job_id()
    recorded, head, head_made = store.finish(conn, record, attempt, outcome, token,
                                             now_ms() + int(delay_s * 1000), now_ms(), retry_job, next_job)
    jobs = Jobs(conn)
    if recorded and outcome == "retry":
        jobs.enqueue(DELIVER, record.id, made, delay_s=delay_s, job_id=retry_job)
    if head:
        jobs.enqueue(DELIVER, head, head_made, job_id=next_job)
    log.log(logging.INFO if attempt.ok else logging.WARNING, "webhook %s %s to %s: attempt %d %s (%s)",
            record.type, record.id, redact_url(record.url), made, outcome, attempt.status or attempt.error)
    return outcome


def _without(secret: str, text: str) -> str:
    """An error or an answer may quote our headers back: the log never shows the secret."""
    return text.replace(secret, MASK) if secret else text


_ALIVE = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def recover_pending(connection: sync_redis.Redis) -> int:
    """Re-enqueue unfinished deliveries whose job vanished; returns how many. Safe to run anytime."""
    if not connection.set(keys.WEBHOOK_SWEEP_LOCK, "1", nx=True, px=SWEEP_LOCK_MS):
        return 0  # another worker is sweeping
    try:
        ids = [i.decode() for i in connection.zrange(keys.WEBHOOK_PENDING, 0, -1)]
        batches = (ids[i:i + SWEEP_BATCH] for i in range(0, len(ids), SWEEP_BATCH))
        return sum(_recover_batch(connection, batch) for batch in batches)
    finally:
        connection.delete(keys.WEBHOOK_SWEEP_LOCK)


def _recover_batch(conn: sync_redis.Redis, ids: list[str]) -> int:
    pipe = conn.pipeline(transaction=False)
    for delivery_id in ids:
        pipe.hgetall(keys.webhook_delivery(delivery_id))
        pipe.exists(keys.webhook_lease(delivery_id))
    found = pipe.execute()
    records: list[Delivery] = []
    for delivery_id, raw, leased in zip(ids, found[0::2], found[1::2], strict=True):
        if not raw or raw.get(b"state", b"").decode() not in (PREPARING, PENDING):
            conn.zrem(keys.WEBHOOK_PENDING, delivery_id)  # finished or gone: not pending any more
        elif not leased:
            records.append(Delivery.from_hash(raw))
    pipe = conn.pipeline(transaction=False)
    for record in records:
        pipe.lindex(keys.webhook_lane(record.lane), 0)
    heads = pipe.execute() if records else []
    jobs = Job.fetch_many([r.job_id for r in records], connection=conn)
    now = now_ms()
    queue = Jobs(conn)
    recovered = 0
    for record, head, job in zip(records, heads, jobs, strict=True):
        if record.state == PENDING and (head or b"").decode() != record.id:
            continue  # waits behind its chat's head
        if _alive(record, job, now):
            continue
        job_id = _job_id()
        if not store.repoint(conn, record.id, record.job_id, job_id):
            continue
        if record.state == PREPARING:
            queue.enqueue(PREPARE, record.type, record.event, record.id, job_id=job_id)
        else:
            delay_s = max(record.next_at - now, 0) / 1000
            queue.enqueue(DELIVER, record.id, record.attempts_made, delay_s=delay_s, job_id=job_id)
        log.warning("webhook %s %s: its job was lost; re-enqueued", record.type, record.id)
        recovered += 1
    return recovered


def _alive(record: Delivery, job: Job | None, now: int) -> bool:
    if record.state == PREPARING and record.created > now - FRESH_MS:
        return True  # its creator may be enqueueing the prepare job right now
    if job is None:
        return False
    status = job.get_status(refresh=False)
    if status == JobStatus.SCHEDULED:
        return now < record.next_at + OVERDUE_MS
    return status in _ALIVE
