"""Worker fixtures: a real Redis, real RQ workers in child processes, a local HTTP receiver.

Only the network edge is ours: receivers listen on 127.0.0.1 free ports.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from redis.asyncio import Redis
from rq import Worker

from livechat.api import inputs
from livechat.engine import keys
from livechat.engine.embedded_redis import EmbeddedRedis, free_port
from livechat.engine.runtime import Jobs, Runtime
from livechat.engine.state import rooms, users, visitors
from livechat.workers import payloads

SECRET = "s3cret-token"
WAIT_S = 30.0  # longest a test waits for workers before failing


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float
    status: int = 0


@dataclass
class Receiver:
    """An HTTP server answering each POST with the status (and after the delay) `answer(n)` picks."""

    answer: Callable[[int], tuple[int, float]] = lambda n: (200, 0.0)
    port: int = field(default_factory=free_port)
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server: ThreadingHTTPServer | None = None
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook?key=abc"

    def start(self) -> Receiver:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # answer at once, as a real HTTP server does

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received = Received(dict(self.headers.items()), body, time.monotonic())
                with owner.lock:
                    owner.requests.append(received)
                    status, delay = owner.answer(len(owner.requests))
                time.sleep(delay)
                received.status = status
                reply = b'{"ok": true}' if status == 200 else b'{"error": "nope"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def answered(self, status: int) -> list[Received]:
        return [r for r in self.requests if r.status == status]


def schema_for(kind: str) -> dict[str, Any]:
    return inputs.schema(payloads.SCHEMAS[kind])


def check_request(received: Received, secret: str = SECRET) -> dict[str, Any]:
    """The request is signed as documented and its payload matches its type's schema."""
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["x-pimentachat-livechat-token"] == secret
    timestamp = headers["x-pimentachat-timestamp"]
    assert abs(int(timestamp) - time.time()) < 120
    signed = timestamp.encode() + b"." + received.body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-pimentachat-signature"], f"sha256={expected}")
    payload: dict[str, Any] = json.loads(received.body)
    jsonschema.validate(payload, schema_for(payload["type"]), format_checker=jsonschema.FormatChecker())
    return payload


def wait_for(condition: Callable[[], Any], timeout_s: float = WAIT_S, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


WORKER_SCRIPT = """
import sys, redis
from rq import Queue
from livechat.workers.recovery import RecoveringWorker
c = redis.Redis.from_url(sys.argv[1])
RecoveringWorker([Queue("livechat", connection=c)], connection=c,
                 maintenance_interval=int(sys.argv[2])).work(with_scheduler=True, logging_level="WARNING")
"""


class Workers:
    """RQ workers (with their schedulers) as child processes, each in its own process group."""

    def __init__(self, url: str, log_dir: Path) -> None:
        self.url = url
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int = 1, maintenance_interval_s: int = 1) -> list[subprocess.Popen[bytes]]:
        """Start `count` workers and wait until they listen (a dead worker stays registered a while)."""
        connection = redis.Redis.from_url(self.url)
        registered = Worker.count(connection=connection)
        started = []
        for _ in range(count):
            log = open(self.log_dir / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115
            started.append(subprocess.Popen(
                [sys.executable, "-c", WORKER_SCRIPT, self.url, str(maintenance_interval_s)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=dict(os.environ)))
            log.close()
            self.processes.append(started[-1])
        wait_for(lambda: Worker.count(connection=connection) >= registered + count, what="workers")
        connection.close()
        return started

    @staticmethod
    def kill9(process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and its scheduler, as a crash of the machine would."""
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()

    def stop(self) -> None:
        for process in self.processes:
            self.kill9(process)
        self.processes.clear()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """A Redis of their own: workers started here must not share jobs with a `livechat serve` worker."""
    with EmbeddedRedis(tmp_path_factory.mktemp("worker-redis")) as server:
        yield server


@pytest.fixture
def conn(redis_server: EmbeddedRedis) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def workers(redis_server: EmbeddedRedis, tmp_path: Path, conn: redis.Redis) -> Iterator[Workers]:
    pool = Workers(redis_server.url, tmp_path)
    yield pool
    pool.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.stop()


@pytest.fixture
async def aredis(redis_server: EmbeddedRedis, conn: redis.Redis) -> Any:
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


@pytest.fixture
def rt(aredis: Redis, conn: redis.Redis) -> Runtime:
    """Enough of a runtime for `webhooks.submit` (no rules are matched here)."""
    return Runtime(redis=aredis, matcher=None, jobs=Jobs(conn))


def configure(conn: redis.Redis, **values: Any) -> None:
    conn.hset(keys.SETTINGS, mapping={k: json.dumps(v) for k, v in values.items()})


def webhook_settings(conn: redis.Redis, url: str, retries: int = 10, delay_s: float = 1,
                     timeout_ms: int = 2000) -> None:
    configure(conn, Livechat_webhookUrl=url, Livechat_secret_token=SECRET, Livechat_http_timeout=timeout_ms,
              Livechat_webhook_retries=retries, Livechat_webhook_retry_delay=delay_s)


class Inbox:
    """A real SMTP server (aiosmtpd) on a free loopback port, keeping what it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    @property
    def port(self) -> int:
        return int(self.controller.port)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.original_content or b"", policy=email.policy.default)
                for e in self.envelopes]


def text_parts(message: EmailMessage) -> dict[str, str]:
    """{'plain': ..., 'html': ...} of a received message."""
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[part.get_content_subtype()] = payload.decode()
    return found


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    box.controller.start()
    yield box
    box.controller.stop()


@dataclass
class Chat:
    room: dict[str, Any]
    visitor: dict[str, Any]
    agent: users.User


async def seed_chat(redis_client: Redis, close: bool = False) -> Chat:
    """A visitor's chat served by an agent, with messages both ways and one system message."""
    visitor, _ = await visitors.register(redis_client, f"tok-{time.monotonic_ns()}", {
        "name": "Ana Lima", "email": "ana@example.com", "phone": "+55 11 5555-0000", "ip": "203.0.113.9",
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
    }, {"customerId": "c-42"})
    agent = await users.create(redis_client, f"bruno{time.monotonic_ns()}", "password-123", "Bruno",
                               "bruno@example.com", ["livechat-agent"])
    room = await rooms.create(redis_client, visitor, "")
    await redis_client.hset(keys.ASSIGNMENTS, room["_id"], agent.id)
    await rooms.update(redis_client, room["_id"], {"tags": ["billing"], "livechatData": {"plan": "pro"}})
    author_v = {"_id": visitor["_id"], "username": visitor["username"], "name": visitor["name"]}
    author_a = {"_id": agent.id, "username": agent.username, "name": agent.name}
    for message, counter in (
        (rooms.make_message(room["_id"], "Hello, I need help <b>now</b>", author_v, token=visitor["token"]),
         "visitorMsgs"),
        (rooms.make_message(room["_id"], "Agent joined", author_a, kind="command"), "systemMsgs"),
        (rooms.make_message(room["_id"], "Hi Ana, how can I help?", author_a), "agentMsgs"),
    ):
        await rooms.append_message(redis_client, message, None, counter)
    if close:
        await rooms.mark_closed(redis_client, room["_id"], "user", agent.id, "Solved", None)
        await redis_client.hdel(keys.ASSIGNMENTS, room["_id"])
    found = await rooms.get(redis_client, room["_id"])
    assert found is not None
    return Chat(found, visitor, agent)
