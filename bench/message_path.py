"""Message path benchmark: visitor POST -> agent's socket, beside the bare Starlette+Redis
baseline measured in the same run (SPEC §8).

    .venv/bin/python bench/message_path.py [--seconds 10] [--rate 1000] [--runs 3]

Needs `wrk` (Debian package) for the throughput half. Everything runs on 127.0.0.1 with a
private Redis; one server process each, one load generator.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from redis.asyncio import Redis
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.realtime_bench import ADMIN, start  # noqa: E402
from livechat.engine.embedded_redis import EmbeddedRedis, free_port  # noqa: E402


def setup_chat(base: str) -> tuple[dict[str, str], str, str]:
    """An available agent, a visitor and their open chat; returns (agent auth, token, rid)."""
    with httpx.Client(base_url=base, timeout=10) as c:
        data = c.post("/api/v1/login", json={"user": ADMIN[0], "password": ADMIN[1]}).json()["data"]
        auth = {"X-User-Id": data["userId"], "X-Auth-Token": data["authToken"]}
        c.post("/api/v1/livechat/agent.status", json={"status": "available"}, headers=auth).raise_for_status()
        token = f"bench-{time.time_ns()}"
        c.post("/api/v1/livechat/visitor", json={"visitor": {"token": token, "name": "Bench"}}).raise_for_status()
        rid = c.get("/api/v1/livechat/room", params={"token": token}).json()["room"]["_id"]
    return auth, token, rid


def wrk(url: str, body: dict[str, str], seconds: int) -> float:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                      f"wrk.body = [[{json.dumps(body)}]]\n")
    out = subprocess.run(["wrk", "-t1", "-c32", f"-d{seconds}s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    script.unlink()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed requests against {url}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


class Drain(threading.Thread):
    """Reads the agent's socket as fast as it comes, recording when each message arrived."""

    def __init__(self, ws_url: str) -> None:
        super().__init__(daemon=True)
        self.conn = connect(ws_url, max_size=None, legacy=True)
        self.arrivals: dict[str, int] = {}
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            try:
                raw = self.conn.recv(timeout=0.5)
            except TimeoutError:
                continue
            except Exception:
                return
            at = raw.find('"msg":"lat:')
            if at >= 0:  # only the latency run's messages are parsed: the drain must stay cheap
                self.arrivals[raw[at + 7:raw.index('"', at + 7)]] = time.perf_counter_ns()


class Connection:
    """A minimal HTTP/1.1 keep-alive client: the load generator must cost far less than the server."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
        await self.reader.readexactly(length)
        return status


async def paced_posts(url: str, make_body, rate: int, seconds: int) -> dict[str, int]:
    """Open loop: request i is due at start + i/rate whatever the answers do. Latency counts from
    when it was due, so a stalled server is not hidden by a stalled client."""
    parsed = httpx.URL(url)
    due: asyncio.Queue[tuple[str, int] | None] = asyncio.Queue()
    sent: dict[str, int] = {}
    failures = 0

    async def worker() -> None:
        nonlocal failures
        conn = Connection(parsed.host, parsed.port or 80)
        while (item := await due.get()) is not None:
            text, _ = item
            if await conn.post(parsed.raw_path.decode(), json.dumps(make_body(text)).encode()) != 200:
                failures += 1

    workers = [asyncio.create_task(worker()) for _ in range(64)]
    start = time.perf_counter()
    for i in range(rate * seconds):
        at = start + i / rate
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        text = f"lat:{i}"
        sent[text] = int(at * 1e9)
        due.put_nowait((text, i))
    for _ in workers:
        due.put_nowait(None)
    await asyncio.gather(*workers)
    if failures:
        raise RuntimeError(f"{failures} POSTs failed")
    return sent


def percentiles(sent: dict[str, int], arrived: dict[str, int]) -> tuple[float, float, int]:
    lat = sorted((arrived[k] - v) / 1e6 for k, v in sent.items() if k in arrived)
    if not lat:
        return float("nan"), float("nan"), 0
    return lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))], len(sent) - len(lat)


async def bare_latency(base: str, redis_url: str, rate: int, seconds: int) -> tuple[float, float, int]:
    redis = Redis.from_url(redis_url)
    pubsub = redis.pubsub()
    await pubsub.subscribe("bench:bare")
    arrived: dict[str, int] = {}

    async def listen() -> None:
        while True:
            m = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
            if m:
                arrived[json.loads(m["data"])["msg"]] = time.perf_counter_ns()

    listener = asyncio.create_task(listen())
    sent = await paced_posts(f"{base}/bare", lambda t: {"rid": "r", "msg": t}, rate, seconds)
    await asyncio.sleep(1)
    listener.cancel()
    await pubsub.aclose()
    await redis.aclose()
    return percentiles(sent, arrived)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lc-bench-"))
    redis = EmbeddedRedis(tmp / "redis").start()
    env = {**os.environ, "REDIS_URL": redis.url, "LIVECHAT_ADMIN_USER": ADMIN[0],
           "LIVECHAT_ADMIN_PASSWORD": ADMIN[1], "LIVECHAT_LOG_LEVEL": "warning"}
    bare_port, ours_port = free_port(), free_port()
    bare = start([sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(bare_port),
                  "--log-level", "warning", "--no-access-log"], env, f"http://127.0.0.1:{bare_port}/")
    ours = start([sys.executable, "-m", "livechat.api.cli", "serve", "--port", str(ours_port), "--workers", "0"],
                 {**env, "LIVECHAT_LOG_LEVEL": "warning"}, f"http://127.0.0.1:{ours_port}/api/info")
    base = f"http://127.0.0.1:{ours_port}"
    try:
        auth, token, rid = setup_chat(base)
        ws_url = f"ws://127.0.0.1:{ours_port}/api/v1/livechat/ws?userId={auth['X-User-Id']}" \
                 f"&authToken={auth['X-Auth-Token']}"
        drain = Drain(ws_url)
        drain.start()
        print(f"# message path benchmark — {platform.node()}, {os.cpu_count()} cores, "
              f"{time.strftime('%Y-%m-%d %H:%M')} UTC", flush=True)
        bare_rps, ours_rps = [], []
        for run in range(1, args.runs + 1):
            bare_rps.append(wrk(f"http://127.0.0.1:{bare_port}/bare", {"rid": "r", "msg": "hello"}, args.seconds))
            ours_rps.append(wrk(f"{base}/api/v1/livechat/message", {"token": token, "rid": rid, "msg": "hello"},
                                args.seconds))
            print(f"run {run}/{args.runs}: bare {bare_rps[-1]:.0f} req/s, message path {ours_rps[-1]:.0f} req/s",
                  flush=True)
        b, o = statistics.median(bare_rps), statistics.median(ours_rps)
        print(f"throughput (median of {args.runs}): bare {b:.0f} req/s, message path {o:.0f} req/s, "
              f"ratio {o / b:.0%} (target >= 50%)")

        drain.stop = True  # a fresh socket: the flood above may have outrun (and cut) the first
        drain = Drain(ws_url)
        drain.start()
        print(f"latency at {args.rate} msg/s for {args.seconds} s ...", flush=True)
        b50, b99, blost = asyncio.run(bare_latency(f"http://127.0.0.1:{bare_port}", redis.url, args.rate,
                                                   args.seconds))
        sent = asyncio.run(paced_posts(f"{base}/api/v1/livechat/message",
                                       lambda t: {"token": token, "rid": rid, "msg": t}, args.rate, args.seconds))
        time.sleep(1)
        o50, o99, olost = percentiles(sent, drain.arrivals)
        print(f"bare POST -> subscriber:      p50 {b50:.2f} ms, p99 {b99:.2f} ms, missing {blost}")
        print(f"visitor POST -> agent socket: p50 {o50:.2f} ms, p99 {o99:.2f} ms, missing {olost} "
              f"(target p99 <= 20 ms)")
        drain.stop = True
    finally:
        for proc in (bare, ours):
            proc.terminate()
            proc.wait(timeout=20)
        redis.stop()


if __name__ == "__main__":
    main()
