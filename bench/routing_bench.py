"""Routing benchmark (SPEC §8 Routing): 1,000 chats requested at once across 2 API processes
sharing one private Redis, with 50 available agents (consoles open, half on each process).

    .venv/bin/python bench/routing_bench.py [--agents 50] [--chats 1000] [--capacity 0 15]

One round per --capacity value (Livechat_max_chats_per_agent; 0 = no limit; 15 with 50 agents
leaves 250 chats to queue), each on a fresh Redis and fresh servers. All chats are requested at
once: one keep-alive connection per visitor, opened first, half to each process, then every
`GET /api/v1/livechat/room?token=` is written at the same moment. Printed: time to route them
all, chats/s, p50/p99 request latency; then the checks:
  - every request answered 200, one distinct room per visitor, and exactly one open room per
    visitor in Redis;
  - every room assigned or queued, never both, never neither; assigned = min(chats, agents × cap);
  - per-agent livechatCount (GET /api/v1/livechat/users/agent, as admin) within 1 of each other,
    none over capacity, equal to the agent's rooms in the routing state;
  - each assigned room's frame stream holds exactly one `agent` frame (none for queued rooms),
    and each agent's socket got one `agent` frame per room it serves, whichever process routed it.
Then a probe (after the checks): --probe visitors each request their chat twice at once, once
on each process; a visitor left with two open chats is a double assignment.

Everything on 127.0.0.1; one load generator process (asyncio, uvloop, raw sockets).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import uvloop
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.realtime_bench import (  # noqa: E402
    Api,
    RawWS,
    agent_path,
    bounded,
    nofile_limit,
    progress,
    server_env,
    start_livechat,
    stop_all,
    ws_open,
)
from livechat.engine import keys  # noqa: E402
from livechat.engine.embedded_redis import EmbeddedRedis  # noqa: E402


class Http:
    """One keep-alive HTTP/1.1 connection; GET only, Content-Length bodies (what Starlette sends)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def get(self, path: str) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
        return int(head.split(b" ", 2)[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def request_all(ports: list[int], tokens: list[str], timeout: float) -> tuple[list[Any], list[float], float]:
    """Open one connection per token (alternating processes), then request every chat at once."""
    conns = [Http(ports[i % len(ports)]) for i in range(len(tokens))]
    failed = [r for r in await bounded([c.connect() for c in conns], 200) if isinstance(r, Exception)]
    if failed:
        raise RuntimeError(f"{len(failed)} connections failed: {failed[0]!r}")
    latencies: list[float] = [0.0] * len(tokens)
    go = asyncio.Event()

    async def one(i: int) -> Any:
        await go.wait()
        t = time.perf_counter()
        status, body = await conns[i].get(f"/api/v1/livechat/room?token={tokens[i]}")
        latencies[i] = time.perf_counter() - t
        return (status, json.loads(body))

    tasks = [asyncio.create_task(one(i)) for i in range(len(tokens))]
    await asyncio.sleep(0.05)
    t0 = time.perf_counter()
    go.set()
    done = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout)
    took = time.perf_counter() - t0
    for c in conns:
        c.close()
    return done, latencies, took


def check(name: str, passed: bool, detail: str) -> bool:
    print(f"  {'PASS' if passed else 'FAIL'}  {name}: {detail}", flush=True)
    return passed


async def verify(redis: Redis, api: Api, results: list[Any], tokens: list[str], agents: list[dict[str, str]],
                 sockets: dict[str, RawWS], cap: int) -> bool:
    ok = True
    n = len(tokens)
    errors = [r for r in results if isinstance(r, BaseException) or r[0] != 200]
    rids = [r[1]["room"]["_id"] for r in results if not isinstance(r, BaseException) and r[0] == 200]
    statuses = Counter(r[1]["room"]["status"] for r in results if not isinstance(r, BaseException) and r[0] == 200)
    ok &= check("answers", not errors and len(set(rids)) == n,
                f"{n - len(errors)} of {n} answered 200 ({errors[:1]!r:.200}), {len(set(rids))} distinct rooms; "
                f"statuses in the answers {dict(statuses)}")

    pipe = redis.pipeline(transaction=False)
    for t in tokens:
        pipe.zrange(keys.visitor_rooms(t), 0, -1)
    visitor_rooms = [[r.decode() for r in rs] for rs in await pipe.execute()]
    all_rooms = [r for rs in visitor_rooms for r in rs]
    pipe = redis.pipeline(transaction=False)
    for r in all_rooms:
        pipe.hget(keys.room(r), "open")
    is_open = dict(zip(all_rooms, [v == b"1" for v in await pipe.execute()], strict=True))
    open_per_visitor = Counter(sum(is_open[r] for r in rs) for rs in visitor_rooms)
    ok &= check("one open chat per visitor", open_per_visitor == Counter({1: n}),
                f"visitors by open chats {dict(open_per_visitor)}; rooms in Redis {len(all_rooms)}, "
                f"open set {await redis.scard(keys.OPEN_ROOMS)}")

    assigned = {k.decode(): v.decode() for k, v in (await redis.hgetall(keys.ASSIGNMENTS)).items()}
    queued = {r.decode() for r in await redis.zrange(keys.QUEUE, 0, -1)}
    both = set(assigned) & queued
    neither = set(rids) - set(assigned) - queued
    want_assigned = n if cap == 0 else min(n, cap * len(agents))
    ok &= check("assigned or queued, exactly once", not both and not neither and len(assigned) + len(queued) == n
                and len(assigned) == want_assigned,
                f"{len(assigned)} assigned (expected {want_assigned}), {len(queued)} queued, {len(both)} both, "
                f"{len(neither)} neither")

    listed = (await api.ok("GET", "livechat/users/agent", api.admin))["users"]
    counts = {u["_id"]: u["livechatCount"] for u in listed}
    ours = [counts.get(a["X-User-Id"], 0) for a in agents]
    per_agent = Counter(assigned.values())
    pipe = redis.pipeline(transaction=False)
    for a in agents:
        pipe.scard(keys.agent_rooms(a["X-User-Id"]))
    room_sets = await pipe.execute()
    consistent = all(counts.get(a["X-User-Id"], 0) == per_agent.get(a["X-User-Id"], 0) == room_sets[i]
                     for i, a in enumerate(agents))
    ok &= check("balanced", max(ours) - min(ours) <= 1,
                f"livechatCount min {min(ours)}, max {max(ours)}, sum {sum(ours)}; distribution {dict(Counter(ours))}")
    ok &= check("capacity", cap == 0 or max(ours) <= cap, f"max {max(ours)}, capacity {cap or 'unlimited'}")
    ok &= check("counts agree", consistent, "livechatCount = assignments = the agent's room set, for every agent")

    pipe = redis.pipeline(transaction=False)
    for r in rids:
        pipe.xrange(keys.room_frames(r))
    agent_frames: Counter[str] = Counter()
    queue_frames: Counter[str] = Counter()
    for r, entries in zip(rids, await pipe.execute(), strict=True):
        for _, fields in entries:
            kind = json.loads(fields[b"f"])["type"]
            if kind == "agent":
                agent_frames[r] += 1
            elif kind == "queue":
                queue_frames[r] += 1
    bad = [r for r in rids if agent_frames[r] != (1 if r in assigned else 0)]
    unannounced = [r for r in queued if queue_frames[r] == 0]
    ok &= check("announced once", not bad and not unannounced,
                f"{len(bad)} rooms with a wrong number of agent frames, {len(unannounced)} queued rooms "
                f"without a queue frame")

    await asyncio.sleep(1)
    wrong, dup = 0, 0
    for a in agents:
        got = Counter(json.loads(p).get("rid") for p in sockets[a["X-User-Id"]].payloads
                      if p.startswith(b'{"type":"agent"'))
        dup += sum(c - 1 for c in got.values() if c > 1)
        wrong += len(set(got) ^ {r for r, who in assigned.items() if who == a["X-User-Id"]})
    ok &= check("agents told", not wrong and not dup,
                f"{len(agents)} agent sockets: {wrong} rooms missing or extra, {dup} announced twice")
    return bool(ok)


async def probe(ports: list[int], apis: list[Api], count: int, redis: Redis) -> bool:
    tokens = [f"probe-{i:04d}-{os.urandom(3).hex()}" for i in range(count)]
    await bounded([apis[i % 2].visitor(t, f"Probe {i}") for i, t in enumerate(tokens)], 32)
    twice = [t for t in tokens for _ in range(2)]  # the pair goes to both processes at once
    results, _, _ = await request_all(ports, twice, 60)
    pipe = redis.pipeline(transaction=False)
    for t in tokens:
        pipe.zcard(keys.visitor_rooms(t))
    per_visitor = Counter(await pipe.execute())
    errors = sum(1 for r in results if isinstance(r, BaseException) or r[0] != 200)
    doubled = sum(c for k, c in per_visitor.items() if k > 1)
    print(f"  {'PASS' if not doubled else 'FAIL'}  probe, the same visitor's chat requested twice at once "
          f"(once on each process): {count} visitors, {doubled} got two chats, {errors} errors", flush=True)
    return not doubled


async def one_round(args: argparse.Namespace, cap: int) -> tuple[bool, bool]:
    tmp = Path(tempfile.mkdtemp(prefix="lc-routing-bench-"))
    redis_srv = EmbeddedRedis(tmp / "redis").start()
    env = server_env(redis_srv.url)
    procs = []
    redis = Redis.from_url(redis_srv.url)
    apis: list[Api] = []
    sockets: dict[str, RawWS] = {}
    try:
        ports = []
        for _ in range(2):
            proc, port = start_livechat(env)
            procs.append(proc)
            ports.append(port)
        apis = [Api(p) for p in ports]
        for api in apis:
            await api.login_admin()
        if cap:
            await apis[0].setting("Livechat_max_chats_per_agent", cap)
        t0 = time.perf_counter()
        agents = list(await asyncio.gather(*(apis[i % 2].agent(f"ragent{i:03d}") for i in range(args.agents))))
        for i, a in enumerate(agents):  # each console on one process, alternating
            sockets[a["X-User-Id"]] = await ws_open(ports[i % 2], agent_path(a), keep=True)
        available = await redis.scard(keys.AVAILABLE_AGENTS)
        tokens = [f"rv-{i:05d}-{os.urandom(3).hex()}" for i in range(args.chats)]
        failed = [r for r in await bounded([apis[i % 2].visitor(t, f"Visitor {i}") for i, t in enumerate(tokens)],
                                           32) if isinstance(r, Exception)]
        if failed:
            raise RuntimeError(f"{len(failed)} visitor registrations failed: {failed[0]!r}")
        progress(f"round capacity={cap or 'unlimited'}: 2 API processes (ports {ports}), {len(agents)} agents "
                 f"({available} available, consoles open) and {len(tokens)} visitors set up in "
                 f"{time.perf_counter() - t0:.1f} s")
        results, latencies, took = await request_all(ports, tokens, args.timeout)
        print(f"  routed {len(tokens)} chats requested at once in {took:.2f} s = {len(tokens) / took:.0f} chats/s; "
              f"request latency p50 {pct(latencies, 0.5) * 1000:.0f} ms, p99 {pct(latencies, 0.99) * 1000:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms", flush=True)
        await asyncio.sleep(1)  # follow-ups (assignment frames, queue positions) settle
        ok = await verify(redis, apis[0], results, tokens, agents, sockets, cap)
        probed = await probe(ports, apis, args.probe, redis) if args.probe else True
        return ok, probed
    finally:
        for s in sockets.values():
            s.close()
        for api in apis:
            await api.close()
        await redis.aclose()
        stop_all(procs)
        redis_srv.stop()


async def run(args: argparse.Namespace) -> int:
    ok, probed = True, True
    for cap in args.capacity:
        checks, probe_ok = await one_round(args, cap)
        ok, probed = ok and checks, probed and probe_ok
    print(f"routing (SPEC checks): {'PASS' if ok else 'FAIL'}" +
          (f"; double-request probe: {'PASS' if probed else 'FAIL'}" if args.probe else ""))
    return 0 if ok and probed else 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=50)
    ap.add_argument("--chats", type=int, default=1000)
    ap.add_argument("--capacity", type=int, nargs="+", default=[0, 15], help="Livechat_max_chats_per_agent per round")
    ap.add_argument("--probe", type=int, default=50, help="visitors requesting twice at once (0: skip)")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * args.chats + 4 * args.probe + 500
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"# routing benchmark — {platform.node()}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')} UTC, "
          f"Python {platform.python_version()}, load average {load}; RLIMIT_NOFILE {nofile_limit(os.getpid())}",
          flush=True)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        code = runner.run(run(args))
    sys.exit(code)


if __name__ == "__main__":
    main()
