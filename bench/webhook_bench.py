"""Webhook deliveries/s with 2 non-forking RQ workers, beside empty RQ jobs/s on the same workers.

    .venv/bin/python bench/webhook_bench.py --deliveries 1000 --failing 100 --rounds 3

Everything is local: a private Redis, two receivers on 127.0.0.1 (one answers 200, one always
500), two `RecoveringWorker` child processes with their scheduler. Three phases, timed with
RQ's own job timestamps over the middle 80 % of each phase (worker start-up, enqueueing and
the tail are not counted), repeated `--rounds` times; medians are reported (a shared 2-core
machine is noisy):

1. baseline: empty jobs (`abs(0)`);
2. healthy: chats closed, each a `LivechatSession` webhook through the whole path
   (`submit` -> `prepare` builds the payload from Redis -> signed POST -> recorded);
3. the same healthy deliveries while a second receiver fails every attempt in parallel
   (each failing delivery retried 10 times, 1 s apart, by scheduled jobs).

Targets (SPEC §8): phase 2 >= 50 % of phase 1; phase 3 close to phase 2 (no worker waits
on the failing receiver; it only costs the CPU of its own attempts).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from typing import Any

import redis
from redis.asyncio import Redis
from rq import Queue
from rq.job import Job
from rq.suspension import resume, suspend

from livechat.engine import keys
from livechat.engine.embedded_redis import EmbeddedRedis, free_port
from livechat.engine.jsonutil import now_ms
from livechat.engine.runtime import Jobs, Runtime
from livechat.engine.state import rooms, users, visitors
from livechat.workers import delivery_store, payloads, webhooks
from livechat.workers.deliveries import PENDING, Delivery

TARGET_RATIO = 0.5
PHASE_TIMEOUT_S = 180  # a phase that takes longer is reported as failed, never waited on forever
WORKERS = 2

WORKER_SCRIPT = """
import logging, sys, redis
from rq import Queue
from livechat.workers.recovery import RecoveringWorker
logging.getLogger("livechat").setLevel(logging.ERROR)
c = redis.Redis.from_url(sys.argv[1])
RecoveringWorker([Queue("livechat", connection=c)], connection=c).work(with_scheduler=True,
                                                                      logging_level="ERROR")
"""


def receive(port: int, status: int, counter: Any) -> None:
    """A receiver process answering every POST with `status` (keep-alive), counting requests.

    A bare asyncio protocol rather than http.server, whose header parsing would cost more CPU
    than the delivery being measured (the workers share the 2 cores with it).
    """
    reply = (f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\nContent-Type: application/json\r\n"
             "Content-Length: 11\r\n\r\n{\"ok\":true}").encode()

    class Receiver(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            self.transport, self.buffer = transport, b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
                head = self.buffer[:end].lower()
                length = int(head.split(b"content-length:")[1].split(b"\r\n")[0]) if b"content-length:" in head else 0
                if len(self.buffer) < end + 4 + length:
                    return
                self.buffer = self.buffer[end + 4 + length:]
                with counter.get_lock():
                    counter.value += 1
                self.transport.write(reply)

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(Receiver, "127.0.0.1", port)
        await server.serve_forever()

    asyncio.run(serve())


def rate(conn: redis.Redis, job_ids: list[str], label: str) -> float:
    done = wait_done(conn, job_ids)
    took, _ = span(conn, job_ids)
    middle = len(job_ids) * 9 // 10 - len(job_ids) // 10
    value = middle / took if took else 0.0
    print(f"  {label}: {done}/{len(job_ids)} done, {value:.0f}/s", flush=True)
    return value


def wait_idle(conn: redis.Redis) -> None:
    """Let the failing receiver's retries run out before the next round."""
    deadline = time.monotonic() + PHASE_TIMEOUT_S
    while conn.zcard(keys.WEBHOOK_PENDING) and time.monotonic() < deadline:
        time.sleep(0.5)


def seconds(value: datetime | None) -> float:
    return value.timestamp() if value else 0.0


def span(conn: redis.Redis, job_ids: list[str]) -> tuple[float, int]:
    """(seconds, jobs) between the 10th and the 90th percentile of job end times, and jobs finished.

    The middle of the run: both workers are busy (they leave suspension up to a second apart)
    and no tail of a single last job skews it.
    """
    ends: list[float] = []
    for i in range(0, len(job_ids), 500):
        ends.extend(seconds(job.ended_at) for job in Job.fetch_many(job_ids[i:i + 500], connection=conn)
                    if job is not None and job.ended_at is not None)
    ends.sort()
    if len(ends) < 10:
        return 0.0, len(ends)
    low, high = len(ends) // 10, len(ends) * 9 // 10
    return ends[high] - ends[low], len(ends)


def wait_done(conn: redis.Redis, job_ids: list[str]) -> int:
    deadline = time.monotonic() + PHASE_TIMEOUT_S
    queue = Queue(keys.RQ_QUEUE, connection=conn)
    while time.monotonic() < deadline and queue.count:
        time.sleep(0.2)
    while time.monotonic() < deadline:
        _, done = span(conn, job_ids)
        if done == len(job_ids):
            return done
        time.sleep(0.5)
    return span(conn, job_ids)[1]


async def seed_chats(url: str, count: int) -> list[str]:
    """`count` closed chats, each with a visitor, an agent and three messages."""
    client = Redis.from_url(url)
    agent = await users.create(client, f"bench{time.monotonic_ns()}", "password-123", "Bench Agent",
                               "agent@example.com", ["livechat-agent"])
    author_a = {"_id": agent.id, "username": agent.username, "name": agent.name}
    rids = []
    for n in range(count):
        visitor, _ = await visitors.register(client, f"bench-{n}-{time.monotonic_ns()}",
                                             {"name": f"Visitor {n}", "email": f"v{n}@example.com",
                                              "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"})
        room = await rooms.create(client, visitor, "")
        author_v = {"_id": visitor["_id"], "username": visitor["username"], "name": visitor["name"]}
        for text, author, token in (("Hello", author_v, visitor["token"]), ("Hi, how can I help?", author_a, None),
                                    ("All good, thanks", author_v, visitor["token"])):
            counter = "visitorMsgs" if token else "agentMsgs"
            await rooms.append_message(client, rooms.make_message(room["_id"], text, author, token=token), None,
                                       counter)
        await rooms.mark_closed(client, room["_id"], "user", agent.id, "", None)
        rids.append(room["_id"])
    await client.aclose()
    return rids


async def submit_healthy(url: str, conn: redis.Redis, rids: list[str]) -> list[str]:
    client = Redis.from_url(url)
    rt = Runtime(redis=client, matcher=None, jobs=Jobs(conn))
    ids = [await webhooks.submit(rt, "LivechatSession", {"type": "chat_closed", "rid": rid}) for rid in rids]
    await client.aclose()
    return [delivery_store.load(conn, i).job_id for i in ids]


def submit_failing(conn: redis.Redis, count: int, url: str) -> list[str]:
    """Deliveries addressed to the failing receiver (as if the URL changed since)."""
    body = json.dumps(payloads.SAMPLE_SESSION, separators=(",", ":"))
    jobs, job_ids = Jobs(conn), []
    for n in range(count):
        delivery_id, job_id = f"failing-{n}-{time.monotonic_ns()}", f"webhook-failing-{n}-{time.monotonic_ns()}"
        delivery_store.create(conn, Delivery(id=delivery_id, type="LivechatSession", lane=delivery_id,
                                             created=now_ms(), url=url, body=body, state=PENDING, job_id=job_id))
        jobs.enqueue(webhooks.DELIVER, delivery_id, 0, job_id=job_id)
        job_ids.append(job_id)
    return job_ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=1000, help="healthy deliveries per phase")
    parser.add_argument("--failing", type=int, default=100, help="deliveries to the failing receiver per round")
    parser.add_argument("--empty-jobs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="phases repeat; medians are reported")
    args = parser.parse_args()
    print(f"webhook bench: {WORKERS} SimpleWorkers, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}",
          flush=True)

    data_dir = tempfile.mkdtemp(prefix="webhook-bench-")
    healthy_hits, failing_hits = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    healthy_port, failing_port = free_port(), free_port()
    receivers = [multiprocessing.Process(target=receive, args=(healthy_port, 200, healthy_hits), daemon=True),
                 multiprocessing.Process(target=receive, args=(failing_port, 500, failing_hits), daemon=True)]
    workers: list[subprocess.Popen[bytes]] = []
    with EmbeddedRedis(data_dir) as server:
        conn = redis.Redis.from_url(server.url)
        try:
            for process in receivers:
                process.start()
            conn.hset(keys.SETTINGS, mapping={k: json.dumps(v) for k, v in {
                "Livechat_webhookUrl": f"http://127.0.0.1:{healthy_port}/hook",
                "Livechat_secret_token": "bench-secret", "Livechat_http_timeout": 5000,
                "Livechat_webhook_retries": 10, "Livechat_webhook_retry_delay": 1}.items()})
            print("seeding chats ...", flush=True)
            rids = asyncio.run(seed_chats(server.url, args.deliveries * 2 * args.rounds))
            workers = [subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT, server.url], start_new_session=True)
                       for _ in range(WORKERS)]
            queue = Queue(keys.RQ_QUEUE, connection=conn)
            failing_url = f"http://127.0.0.1:{failing_port}/hook"
            rates: dict[str, list[float]] = {"empty": [], "healthy": [], "mixed": []}
            per_round = args.deliveries
            for n in range(args.rounds):
                print(f"round {n + 1}/{args.rounds}", flush=True)
                suspend(conn)
                empty_ids = [queue.enqueue("builtins.abs", 0, result_ttl=600).id for _ in range(args.empty_jobs)]
                resume(conn)
                rates["empty"].append(rate(conn, empty_ids, "empty jobs"))

                chats = rids[2 * n * per_round:(2 * n + 1) * per_round]
                suspend(conn)
                healthy_ids = asyncio.run(submit_healthy(server.url, conn, chats))
                resume(conn)
                rates["healthy"].append(rate(conn, healthy_ids, "deliveries"))

                before = failing_hits.value
                chats = rids[(2 * n + 1) * per_round:(2 * n + 2) * per_round]
                suspend(conn)
                submit_failing(conn, args.failing, failing_url)
                mixed_ids = asyncio.run(submit_healthy(server.url, conn, chats))
                resume(conn)
                rates["mixed"].append(rate(conn, mixed_ids, "deliveries beside a failing receiver"))
                print(f"  (the failing receiver got {failing_hits.value - before} attempts meanwhile)", flush=True)
                wait_idle(conn)

            empty, healthy, mixed = (statistics.median(rates[k]) for k in ("empty", "healthy", "mixed"))
            ratio = healthy / empty if empty else 0.0
            print("", flush=True)
            print(f"medians over {args.rounds} rounds ({healthy_hits.value} healthy deliveries received, "
                  f"{failing_hits.value} failing attempts)", flush=True)
            print(f"deliveries/s vs empty jobs/s: {healthy:.0f} / {empty:.0f} = {ratio:.0%} "
                  f"(target >= {TARGET_RATIO:.0%}: {'met' if ratio >= TARGET_RATIO else 'NOT met'})", flush=True)
            print(f"healthy alone {healthy:.0f}/s, beside a failing receiver {mixed:.0f}/s "
                  f"({mixed / healthy if healthy else 0:.0%})", flush=True)
        finally:
            for worker in workers:
                try:
                    os.killpg(worker.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            for worker in workers:
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
            for process in receivers:
                process.terminate()
            conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
