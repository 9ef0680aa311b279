"""Realtime benchmark (SPEC §8 Realtime), beside the bare fan-out baseline measured in the same run.

    .venv/bin/python bench/realtime_bench.py [--rooms 200] [--agents 20] [--seconds 5] [--runs 3]
                                            [--idle 2000] [--fd-limit 1024] [--cuts 6]

a) Fan-out deliveries/s in rooms of two, one server process. Every room has a visitor socket;
   each agent socket serves rooms/agents rooms (20 × 10 by default). A publisher in this process
   PUBLISHes message frames (the server's own format and numbering, `{"type":"message",...,
   "seq":N}`) straight into the room channels, so what is timed is the server's forwarding —
   Redis subscription → hub → connection → socket — not the POST path (bench/message_path.py
   times that; at a few thousand POSTs/s it could never load the fan-out). The baseline
   (bench/bare_fanout.py) gets the same bytes on channels of its own, with the same sockets.
   Closed loop: at most --window frames in flight (published, not yet on every socket), so no
   server is pushed past its slow-client limits; every frame must arrive (lost = 0).
b) RSS per idle visitor socket (each its own registered visitor, no chat yet), beside the bare
   app's per-socket cost; then, in a server started with RLIMIT_NOFILE=--fd-limit, how many
   sockets it holds and whether it still serves once past the limit.
c) Reconnect with `since` under load: a visitor's socket is cut --cuts times while its chat
   gets messages (and the other rooms are flooded); across its connections every room frame
   must arrive once, seq contiguous, every message id once.

Everything runs on 127.0.0.1 with a private Redis; one load generator process (asyncio, uvloop,
raw sockets: it must cost far less than the servers). Figures are medians over --runs.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import uvloop
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from livechat.engine import keys  # noqa: E402
from livechat.engine.embedded_redis import EmbeddedRedis, free_port  # noqa: E402

ADMIN = ("admin", "bench-admin-password")
AGENT_PASSWORD = "bench-agent-password-1"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- processes -------------------------------------------------------------------------
def start(cmd: list[str], env: dict[str, str], url: str, nofile: int | None = None) -> subprocess.Popen[bytes]:
    def limit() -> None:
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                            preexec_fn=limit)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{cmd} did not start")


def server_env(redis_url: str) -> dict[str, str]:
    return {**os.environ, "REDIS_URL": redis_url, "LIVECHAT_ADMIN_USER": ADMIN[0],
            "LIVECHAT_ADMIN_PASSWORD": ADMIN[1], "LIVECHAT_LOG_LEVEL": "warning"}


def start_livechat(env: dict[str, str], nofile: int | None = None) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = start([sys.executable, "-m", "livechat.api.cli", "serve", "--port", str(port), "--workers", "0"],
                 env, f"http://127.0.0.1:{port}/api/info", nofile)
    return proc, port


def stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rss_kb(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1))  # type: ignore[union-attr]


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def self_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def nofile_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return f"{soft} (hard {hard})"
    return "?"


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


# --- a raw WebSocket client: frames are counted (or kept) as they are read ---------------------
class Stats:
    def __init__(self) -> None:
        self.frames = 0


HANDSHAKE = ("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")


class RawWS(asyncio.Protocol):
    """Server frames are unmasked and (from these servers) unfragmented, so reading is a header
    walk. Client frames would need a mask; this client only ever sends a close."""

    def __init__(self, path: str, port: int, stats: Stats | None, keep: bool) -> None:
        self.request = HANDSHAKE.format(path=path, port=port,
                                        key=base64.b64encode(os.urandom(16)).decode()).encode()
        self.stats, self.keep = stats, keep
        self.buf = bytearray()
        self.upgraded = False
        self.frames = 0
        self.payloads: list[bytes] = []
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[int] = loop.create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed before ready: {exc}"))
        if not self.closed.done():
            self.closed.set_result(1006)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.ready.set_exception(ConnectionError(bytes(buf[:end]).decode(errors="replace")))
                self.transport.close()  # type: ignore[union-attr]
                return
            del buf[:end + 4]
            self.upgraded = True
        pos, n, count = 0, len(buf), 0
        while n - pos >= 2:
            length, head = buf[pos + 1] & 0x7F, 2
            if length == 126:
                if n - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if n - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if n - pos < head + length:
                break
            opcode = buf[pos] & 0x0F
            if opcode == 1:
                if not self.ready.done():
                    self.ready.set_result(None)  # the first frame is {"type":"ready"}
                else:
                    count += 1
                    if self.keep:
                        self.payloads.append(bytes(buf[pos + head:pos + head + length]))
            elif opcode == 8:
                code = int.from_bytes(buf[pos + head:pos + head + 2], "big") if length >= 2 else 1005
                if not self.ready.done():
                    self.ready.set_exception(ConnectionError(f"closed {code} before ready"))
                if not self.closed.done():
                    self.closed.set_result(code)
            pos += head + length
        del buf[:pos]
        self.frames += count
        if self.stats is not None:
            self.stats.frames += count

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"\x88\x82\x00\x00\x00\x00\x03\xe8")  # close 1000, zero mask
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


async def ws_open(port: int, path: str, stats: Stats | None = None, keep: bool = False,
                  timeout: float = 10) -> RawWS:
    loop = asyncio.get_running_loop()
    _, proto = await asyncio.wait_for(
        loop.create_connection(lambda: RawWS(path, port, stats, keep), "127.0.0.1", port), timeout)
    try:
        await asyncio.wait_for(proto.ready, timeout)
    except BaseException:
        proto.abort()
        raise
    return proto


async def bounded(coros: list[Any], limit: int) -> list[Any]:
    """Run at most `limit` at once; results (or exceptions) in order."""
    sem = asyncio.Semaphore(limit)

    async def one(coro: Any) -> Any:
        async with sem:
            try:
                return await coro
            except Exception as exc:  # noqa: BLE001 - counted by the caller
                return exc

    return await asyncio.gather(*(one(c) for c in coros))


# --- a raw Redis publisher (RESP over one pipelined connection) -----------------------------
class Publisher(asyncio.Protocol):
    def __init__(self) -> None:
        self.replies = 0
        self.carry = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        data = self.carry + data  # every PUBLISH reply is one line, ":<receivers>\r\n"
        self.replies += data.count(b"\r\n")
        self.carry = data[-1:] if data.endswith(b"\r") else b""


async def publisher(redis_port: int) -> Publisher:
    _, proto = await asyncio.get_running_loop().create_connection(Publisher, "127.0.0.1", redis_port)
    return proto


class Room:
    """A room as the publisher sees it: its channel on one server and the frame it sends there."""

    def __init__(self, channel: str, rid: str, token: str, visitor_id: str, username: str) -> None:
        self.channel = channel.encode()
        self.head = (f'{{"type":"message","rid":"{rid}","message":{{"_id":"bench{rid[:6]}').encode()
        self.tail = (f'","rid":"{rid}","msg":"a message of ordinary length from the benchmark","ts":'
                     f'1764126000000,"_updatedAt":1764126000000,"token":"{token}","u":{{"_id":"{visitor_id}",'
                     f'"username":"{username}","name":"Bench Visitor"}}}},"seq":').encode()
        self.seq = 1_000_000  # above anything the server numbered in these rooms

    def command(self) -> bytes:
        self.seq += 1
        seq = str(self.seq).encode()
        frame = self.head + seq + self.tail + seq + b"}"
        return b"*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(self.channel), self.channel,
                                                                     len(frame), frame)


async def flood(pub: Publisher, rooms: list[Room], stats: Stats, seconds: float, window: int,
                pids: dict[str, int], warmup: float = 1.0, per_frame: int = 2) -> dict[str, float]:
    """Publish as fast as the sockets drain, at most `window` frames in flight; measure after warmup."""
    batch = 200
    published, i = 0, 0
    base = stats.frames
    t0 = time.perf_counter()
    warm_end, end = t0 + warmup, t0 + warmup + seconds
    mark: tuple[float, int, dict[str, float], float] | None = None
    while True:
        now = time.perf_counter()
        if mark is None and now >= warm_end:
            mark = (now, stats.frames, {k: cpu_s(p) for k, p in pids.items()}, self_cpu_s())
        if now >= end:
            break
        in_flight = published - (stats.frames - base) // per_frame
        assert pub.transport is not None
        if in_flight >= window or pub.transport.get_write_buffer_size() > 1 << 20:
            await asyncio.sleep(0.0005)
            continue
        n = min(batch, window - in_flight)
        chunks = []
        for _ in range(n):
            chunks.append(rooms[i].command())
            i = (i + 1) % len(rooms)
        pub.transport.write(b"".join(chunks))
        published += n
        await asyncio.sleep(0)
    assert mark is not None
    t_end, frames_end = time.perf_counter(), stats.frames
    cpu_end = {k: cpu_s(p) for k, p in pids.items()}
    gen_end = self_cpu_s()
    elapsed = t_end - mark[0]
    deadline = time.monotonic() + 15
    while stats.frames - base < published * per_frame and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    out = {"rate": (frames_end - mark[1]) / elapsed, "published": published,
           "lost": published * per_frame - (stats.frames - base), "loadgen_cpu": (gen_end - mark[3]) / elapsed}
    for k in pids:
        out[f"{k}_cpu"] = (cpu_end[k] - mark[2][k]) / elapsed
    return out


# --- the livechat API (setup only: not timed) --------------------------------------------------
class Api:
    def __init__(self, port: int) -> None:
        self.port = port
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                      limits=httpx.Limits(max_connections=64))
        self.admin: dict[str, str] = {}

    async def ok(self, method: str, path: str, auth: dict[str, str] | None = None, **kw: Any) -> dict[str, Any]:
        response = await self.http.request(method, f"/api/v1/{path}", headers=auth or {}, **kw)
        if response.status_code != 200:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        data: dict[str, Any] = response.json()
        return data

    async def login(self, user: str, password: str) -> dict[str, str]:
        data = (await self.ok("POST", "login", json={"user": user, "password": password}))["data"]
        return {"X-User-Id": data["userId"], "X-Auth-Token": data["authToken"]}

    async def login_admin(self) -> None:
        self.admin = await self.login(*ADMIN)

    async def agent(self, username: str, available: bool = True) -> dict[str, str]:
        await self.ok("POST", "users.create", self.admin, json={
            "username": username, "password": AGENT_PASSWORD, "name": username.title(),
            "email": f"{username}@example.com", "roles": ["livechat-agent"]})
        auth = await self.login(username, AGENT_PASSWORD)
        if available:
            await self.ok("POST", "livechat/agent.status", auth, json={"status": "available"})
        return auth

    async def visitor(self, token: str, name: str) -> None:
        await self.ok("POST", "livechat/visitor", json={"visitor": {"token": token, "name": name}})

    async def room(self, token: str) -> dict[str, Any]:
        room: dict[str, Any] = (await self.ok("GET", "livechat/room", params={"token": token}))["room"]
        return room

    async def setting(self, name: str, value: Any) -> None:
        await self.ok("POST", f"settings/{name}", self.admin, json={"value": value})

    async def close(self) -> None:
        await self.http.aclose()


def agent_path(auth: dict[str, str]) -> str:
    return f"/api/v1/livechat/ws?userId={auth['X-User-Id']}&authToken={auth['X-Auth-Token']}"


def visitor_path(token: str, rid: str | None = None, since: int | None = None) -> str:
    return f"/api/v1/livechat/ws?token={token}" + (f"&rid={rid}" if rid else "") + \
        (f"&since={since}" if since is not None else "")


def progress(text: str) -> None:
    print(text, flush=True)


# --- a) fan-out ----------------------------------------------------------------------------------
async def setup_rooms(api: Api, n_rooms: int, n_agents: int) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    agents = [await api.agent(f"rtagent{i:03d}") for i in range(n_agents)]
    tokens = [f"rt-{i:05d}-{os.urandom(4).hex()}" for i in range(n_rooms)]
    await bounded([api.visitor(t, f"Visitor {i}") for i, t in enumerate(tokens)], 16)
    rooms = []
    for t in tokens:  # one at a time: the round robin then gives every agent the same share
        rooms.append(await api.room(t))
    served = Counter(r.get("servedBy", {}).get("_id") for r in rooms)
    if None in served or len(served) != n_agents:
        raise RuntimeError(f"rooms not spread over the agents: {served}")
    return agents, rooms


async def fanout(args: argparse.Namespace, api: Api, ours_port: int, bare_port: int, pids: dict[str, int],
                 redis_port: int) -> tuple[list[RawWS], list[Room], Stats, Publisher]:
    agents, rooms = await setup_rooms(api, args.rooms, args.agents)
    by_agent: dict[str, list[str]] = {}
    for r in rooms:
        by_agent.setdefault(r["servedBy"]["_id"], []).append(r["_id"])
    ours_stats, bare_stats = Stats(), Stats()
    sockets: list[RawWS] = []
    for r in rooms:
        sockets.append(await ws_open(ours_port, visitor_path(r["v"]["token"], r["_id"]), ours_stats))
        sockets.append(await ws_open(bare_port, "/ws?channels=bare:" + keys.room_channel(r["_id"]), bare_stats))
    for auth in agents:
        sockets.append(await ws_open(ours_port, agent_path(auth), ours_stats))
        channels = ",".join("bare:" + keys.room_channel(rid) for rid in by_agent[auth["X-User-Id"]])
        sockets.append(await ws_open(bare_port, "/ws?channels=" + channels, bare_stats))
    await asyncio.sleep(1)  # the agents' replays (assignment frames) are drained
    progress(f"fan-out: {len(rooms)} rooms of two, {len(agents)} agents x {len(rooms) // len(agents)} rooms; "
             f"{len(sockets) // 2} sockets on each server; window {args.window} frames in flight")
    ours_rooms = [Room(keys.room_channel(r["_id"]), r["_id"], r["v"]["token"], r["v"]["_id"], r["v"]["username"])
                  for r in rooms]
    bare_rooms = [Room("bare:" + keys.room_channel(r["_id"]), r["_id"], r["v"]["token"], r["v"]["_id"],
                       r["v"]["username"]) for r in rooms]
    pub = await publisher(redis_port)
    bare_runs: list[dict[str, float]] = []
    ours_runs: list[dict[str, float]] = []
    for run in range(1, args.runs + 1):
        for target, stats, out, pid in ((bare_rooms, bare_stats, bare_runs, pids["bare"]),
                                        (ours_rooms, ours_stats, ours_runs, pids["ours"])):
            out.append(await flood(pub, target, stats, args.seconds, args.window,
                                   {"server": pid, "redis": pids["redis"]}))
            await asyncio.sleep(0.5)
        br, lr = bare_runs[-1], ours_runs[-1]
        progress(f"run {run}/{args.runs}: bare {br['rate']:.0f} deliveries/s (server CPU {br['server_cpu']:.0%}, "
                 f"redis {br['redis_cpu']:.0%}, load gen {br['loadgen_cpu']:.0%}, lost {br['lost']:.0f}); "
                 f"livechat {lr['rate']:.0f} deliveries/s (server CPU {lr['server_cpu']:.0%}, redis "
                 f"{lr['redis_cpu']:.0%}, load gen {lr['loadgen_cpu']:.0%}, lost {lr['lost']:.0f})")
    b = statistics.median(r["rate"] for r in bare_runs)
    o = statistics.median(r["rate"] for r in ours_runs)
    b_eff = statistics.median(r["rate"] / max(r["server_cpu"], 1e-9) for r in bare_runs)
    o_eff = statistics.median(r["rate"] / max(r["server_cpu"], 1e-9) for r in ours_runs)
    print(f"fan-out (median of {args.runs}): bare {b:.0f} deliveries/s, livechat {o:.0f} deliveries/s, "
          f"ratio {o / b:.0%} (target >= 50%)")
    print(f"fan-out per server CPU-second: bare {b_eff:.0f}, livechat {o_eff:.0f}, ratio {o_eff / b_eff:.0%}",
          flush=True)
    return sockets, ours_rooms, ours_stats, pub


# --- c) reconnect with since --------------------------------------------------------------------
class Poster:
    """A minimal HTTP/1.1 keep-alive client for the visitor's message POSTs."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
        return int(head.split(b" ", 2)[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def room_frames(payloads: list[bytes], rid: str) -> list[dict[str, Any]]:
    out = []
    for raw in payloads:
        frame = json.loads(raw)
        if frame.get("rid") == rid and "seq" in frame and frame["type"] != "typing":
            out.append(frame)
    return out


async def reconnect_check(args: argparse.Namespace, api: Api, port: int, redis: Redis,
                          load: Callable[[float], Any] | None) -> bool:
    token = f"rc-{os.urandom(6).hex()}"
    await api.visitor(token, "Reconnecting Visitor")
    rid = (await api.room(token))["_id"]
    steady = await ws_open(port, visitor_path(token, rid), keep=True)  # a second tab, never cut
    current = await ws_open(port, visitor_path(token, rid), keep=True)
    connections = [current]
    posted: list[str] = []
    duration = args.messages / args.rate

    async def post_all() -> None:
        due: asyncio.Queue[int | None] = asyncio.Queue()

        async def worker() -> None:
            poster = Poster(port)
            while (i := await due.get()) is not None:
                msg_id = f"rc{i:06d}{token[-6:]}"
                status, body = await poster.post("/api/v1/livechat/message", json.dumps(
                    {"token": token, "rid": rid, "msg": f"message {i}", "_id": msg_id}).encode())
                if status != 200:
                    raise RuntimeError(f"POST message {i}: {status} {body[:200]!r}")
                posted.append(msg_id)
            poster.close()

        workers = [asyncio.create_task(worker()) for _ in range(8)]
        t0 = time.perf_counter()
        for i in range(args.messages):
            delay = t0 + i / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            due.put_nowait(i)
        for _ in workers:
            due.put_nowait(None)
        await asyncio.gather(*workers)

    async def cut() -> None:
        nonlocal current
        for _ in range(args.cuts):
            await asyncio.sleep(duration / (args.cuts + 1) * random.uniform(0.6, 1.0))
            current.abort()  # mid-stream: whatever was on the wire and not read is gone
            frames = room_frames(current.payloads, rid)
            last = frames[-1]["seq"] if frames else since_of(connections[:-1])
            await asyncio.sleep(random.uniform(0.05, 0.3))  # frames go on flowing meanwhile
            current = await ws_open(port, visitor_path(token, rid, last), keep=True)
            connections.append(current)

    def since_of(conns: list[RawWS]) -> int:
        for conn in reversed(conns):
            frames = room_frames(conn.payloads, rid)
            if frames:
                return int(frames[-1]["seq"])
        return 0

    tasks = [post_all(), cut()]
    if load is not None:
        tasks.append(load(duration + 1))
    await asyncio.gather(*tasks)
    final = int(await redis.get(keys.room_seq(rid)) or 0)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (since_of([current]) < final or since_of([steady]) < final):
        await asyncio.sleep(0.05)
    ok = True
    for name, conns in (("reconnecting socket", connections), ("steady socket", [steady])):
        frames = [f for conn in conns for f in room_frames(conn.payloads, rid)]
        seqs = [int(f["seq"]) for f in frames]
        ids = Counter(f["message"]["_id"] for f in frames if f["type"] == "message")
        dup_seq = sum(c - 1 for c in Counter(seqs).values() if c > 1)
        gaps = len(set(range(1, final + 1)) - set(seqs))
        dup_ids = sum(c - 1 for c in ids.values() if c > 1)
        missing = len(set(posted) - set(ids))
        passed = seqs == list(range(1, final + 1)) and not dup_ids and not missing
        ok = ok and passed
        print(f"reconnect with since, {name}: {len(conns)} connection(s), {len(seqs)} room frames, seq 1..{final}, "
              f"{dup_seq} repeated, {gaps} missing, {len(posted)} messages posted, {missing} not received, "
              f"{dup_ids} received twice: {'PASS' if passed else 'FAIL'}", flush=True)
    for conn in (*connections, steady):
        conn.close()
    return ok


# --- b) idle sockets -----------------------------------------------------------------------------
async def connect_many(port: int, paths: list[str], concurrency: int = 64,
                       timeout: float = 10) -> tuple[list[RawWS], list[Exception]]:
    results = await bounded([ws_open(port, p, timeout=timeout) for p in paths], concurrency)
    return [r for r in results if isinstance(r, RawWS)], [r for r in results if isinstance(r, Exception)]


async def close_all(conns: list[RawWS]) -> None:
    for conn in conns:
        conn.close()
    await asyncio.sleep(0.5)


async def idle_memory(args: argparse.Namespace, api: Api, ours: tuple[int, int], bare: tuple[int, int],
                      redis: Redis) -> list[str]:
    tokens = [f"idle-{i:05d}-{os.urandom(4).hex()}" for i in range(args.idle)]
    t0 = time.perf_counter()
    await bounded([api.visitor(t, f"Idle {i}") for i, t in enumerate(tokens)], 32)
    progress(f"idle sockets: {len(tokens)} visitors registered in {time.perf_counter() - t0:.1f} s")
    results = {}
    for name, (port, pid), path_of in (
            ("bare", bare, lambda t: "/ws?channels=bare:" + keys.visitor_channel(t)),
            ("livechat", ours, visitor_path)):
        warm, failed = await connect_many(port, [path_of(t) for t in tokens[:200]])  # warm the code paths
        await close_all(warm)
        await asyncio.sleep(1.5)
        before = rss_kb(pid)
        t0 = time.perf_counter()
        conns, failed = await connect_many(port, [path_of(t) for t in tokens])
        took = time.perf_counter() - t0
        await asyncio.sleep(2)
        after, fds = rss_kb(pid), open_fds(pid)
        await close_all(conns)
        await asyncio.sleep(2)
        released = rss_kb(pid)
        per = (after - before) / max(len(conns), 1)
        results[name] = per
        print(f"idle {name}: {len(conns)} sockets open ({len(failed)} failed) in {took:.1f} s, server fds {fds}, "
              f"RSS {before / 1024:.1f} -> {after / 1024:.1f} MB = {per:.1f} KB per socket; "
              f"{released / 1024:.1f} MB after closing them", flush=True)
    left = len(await redis.pubsub_channels(keys.visitor_channel("idle-*")))
    left_bare = len(await redis.pubsub_channels("bare:" + keys.visitor_channel("idle-*")))
    print(f"idle per socket: bare {results['bare']:.1f} KB, livechat {results['livechat']:.1f} KB "
          f"(target <= 40 KB); channels still subscribed after close: livechat {left}, bare {left_bare}", flush=True)
    return tokens


async def fd_limit_check(args: argparse.Namespace, env: dict[str, str], tokens: list[str]) -> None:
    proc, port = start_livechat(env, nofile=args.fd_limit)
    try:
        base_fds = open_fds(proc.pid)
        want = min(len(tokens), args.fd_limit + 100)
        t0 = time.perf_counter()
        conns, failed = await connect_many(port, [visitor_path(t) for t in tokens[:want]], 32, timeout=5)
        took = time.perf_counter() - t0
        peak = open_fds(proc.pid)
        busy: int | str
        after: int | str
        async with httpx.AsyncClient(timeout=5) as http:
            try:
                busy = (await http.get(f"http://127.0.0.1:{port}/api/info")).status_code
            except httpx.HTTPError as exc:
                busy = type(exc).__name__
            await close_all(conns[:50])
            await asyncio.sleep(1)
            try:
                after = (await http.get(f"http://127.0.0.1:{port}/api/info")).status_code
            except httpx.HTTPError as exc:
                after = type(exc).__name__
        try:
            fresh = await ws_open(port, visitor_path(tokens[0]), timeout=5)
            fresh.close()
            fresh_ok = "ok"
        except Exception as exc:  # noqa: BLE001
            fresh_ok = f"failed ({exc!r:.80})"
        reasons = Counter(type(e).__name__ for e in failed)
        print(f"fd limit: server RLIMIT_NOFILE {nofile_limit(proc.pid)}, {base_fds} fds before; asked {want} "
              f"sockets in {took:.1f} s: {len(conns)} held, {len(failed)} refused {dict(reasons)}; server fds "
              f"at peak {peak}; /api/info at the limit: {busy}; after closing 50: /api/info {after}, new socket "
              f"{fresh_ok}", flush=True)
        await close_all(conns[50:])
    finally:
        stop_all([proc])


# --- main -----------------------------------------------------------------------------------------
async def run(args: argparse.Namespace, env: dict[str, str], redis_srv: EmbeddedRedis,
              ours: subprocess.Popen[bytes], ours_port: int, bare: subprocess.Popen[bytes], bare_port: int) -> int:
    api = Api(ours_port)
    redis = Redis.from_url(redis_srv.url)
    await api.login_admin()
    assert redis_srv.process is not None
    pids = {"ours": ours.pid, "bare": bare.pid, "redis": redis_srv.process.pid}
    ok = True
    try:
        sockets, ours_rooms, ours_stats, pub = await fanout(args, api, ours_port, bare_port, pids, redis_srv.port)
        if any(s.closed.done() for s in sockets):
            codes = Counter(s.closed.result() for s in sockets if s.closed.done())
            print(f"WARNING: fan-out sockets closed by the servers: {dict(codes)}")

        async def load(seconds: float) -> None:
            await flood(pub, ours_rooms, ours_stats, seconds, args.window, {}, warmup=0)

        ok = await reconnect_check(args, api, ours_port, redis, load)
        await close_all(sockets)
        assert pub.transport is not None
        pub.transport.close()
        tokens = await idle_memory(args, api, (ours_port, ours.pid), (bare_port, bare.pid), redis)
        if args.fd_limit:
            await fd_limit_check(args, env, tokens)
    finally:
        await api.close()
        await redis.aclose()
    return 0 if ok else 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rooms", type=int, default=200)
    ap.add_argument("--agents", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--window", type=int, default=2000, help="frames published and not yet delivered, at most")
    ap.add_argument("--idle", type=int, default=2000, help="idle visitor sockets for the memory figure")
    ap.add_argument("--fd-limit", type=int, default=1024, help="RLIMIT_NOFILE of the fd-limit server (0: skip)")
    ap.add_argument("--messages", type=int, default=2000, help="messages posted during the reconnect check")
    ap.add_argument("--rate", type=int, default=400, help="messages/s during the reconnect check")
    ap.add_argument("--cuts", type=int, default=6)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * args.idle + 4 * args.rooms + args.fd_limit + 1000
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))
    tmp = Path(tempfile.mkdtemp(prefix="lc-rt-bench-"))
    redis_srv = EmbeddedRedis(tmp / "redis").start()
    env = server_env(redis_srv.url)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        ours, ours_port = start_livechat(env)
        procs.append(ours)
        bare_port = free_port()
        bare = start([sys.executable, str(ROOT / "bench" / "bare_fanout.py"), str(bare_port)], env,
                     f"http://127.0.0.1:{bare_port}/")
        procs.append(bare)
        print(f"# realtime benchmark — {platform.node()}, {os.cpu_count()} cores, "
              f"{time.strftime('%Y-%m-%d %H:%M')} UTC, Python {platform.python_version()}, load average "
              f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())}; load generator "
              f"RLIMIT_NOFILE {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}, livechat server "
              f"RLIMIT_NOFILE {nofile_limit(ours.pid)}", flush=True)
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            code = runner.run(run(args, env, redis_srv, ours, ours_port, bare, bare_port))
    finally:
        stop_all(procs)
        redis_srv.stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
