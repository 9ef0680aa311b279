"""`livechat`: serve, worker, user add, rules check/test."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

DEFAULT_PORT = 3000
# On Ctrl-C/SIGTERM open widgets and consoles get this long before their sockets are cut; they
# reconnect (with `since`) to whichever process is up.
GRACEFUL_SHUTDOWN_S = 3


def _uvicorn_server() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """Uvicorn re-raises SIGINT/SIGTERM after its shutdown, which would skip our cleanup of the
        worker and Redis; here a signal only asks the server to stop."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self.handle_exit)
            yield

    return Server


def _raise_fd_limit() -> None:
    """Every socket is a file descriptor: hold as many as the system allows, not the shell's 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from livechat.engine.embedded_redis import EmbeddedRedis, detach_but_die_with_parent

    _raise_fd_limit()
    _Server = _uvicorn_server()
    embedded = None
    if not os.environ.get("REDIS_URL"):
        data_dir = Path(os.environ.get("LIVECHAT_DATA_DIR", "./data"))
        print(f"==> starting embedded Redis (AOF on) with data in {data_dir.resolve()}", flush=True)
        embedded = EmbeddedRedis(data_dir / "redis", appendfsync=os.environ.get("LIVECHAT_APPENDFSYNC", "everysec"))
        embedded.start()
        os.environ["REDIS_URL"] = embedded.url
    workers = []
    try:
        for _ in range(args.workers):
            workers.append(subprocess.Popen([sys.executable, "-m", "livechat.api.cli", "worker"],
                                            preexec_fn=detach_but_die_with_parent))
        port = args.port or int(os.environ.get("LIVECHAT_PORT", DEFAULT_PORT))
        base = os.environ.get("LIVECHAT_PUBLIC_URL") or f"http://{args.host}:{port}"
        print(f"==> pimentaCHAT Livechat on {base}\n    agent console   {base}/agent\n"
              f"    manager console {base}/manager\n    demo page       {base}/demo\n", flush=True)
        config = uvicorn.Config("livechat.api.app:create_app", factory=True, host=args.host, port=port,
                                log_level=os.environ.get("LIVECHAT_LOG_LEVEL", "info"), ws_ping_interval=None,
                                proxy_headers=True, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
        _Server(config).run()
    finally:
        _stop_groups(workers)
        if embedded:
            embedded.stop()
    return 0


WORKER_STOP_TIMEOUT_S = 10  # a worker finishes its current job (one webhook POST) first


def _stop_groups(children: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each worker's process group (the worker and its scheduler), then make sure."""
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + WORKER_STOP_TIMEOUT_S
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        while time.monotonic() < deadline and _group_alive(child.pid):
            time.sleep(0.05)  # the scheduler process may outlive the worker by a moment
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def worker(args: argparse.Namespace) -> int:
    import redis
    from rq import Queue

    from livechat.engine import keys
    from livechat.workers.recovery import RecoveringWorker

    url = os.environ.get("RQ_REDIS_URL") or os.environ.get("REDIS_URL")
    if not url:
        print("REDIS_URL is not set (serve sets it; for extra workers export the URL serve printed)",
              file=sys.stderr)
        return 2
    connection = redis.Redis.from_url(url)
    _recover(connection)
    queue = Queue(keys.RQ_QUEUE, connection=connection)
    RecoveringWorker([queue], connection=connection).work(with_scheduler=True, burst=args.burst,
                                                          logging_level="WARNING")
    return 0


def _recover(connection: object) -> None:
    """Deliveries whose job was lost with a killed worker are sent again (once) at start."""
    from livechat.workers import webhooks

    webhooks.recover_pending(connection)


def user_add(args: argparse.Namespace) -> int:
    from redis.asyncio import Redis

    from livechat.engine.state import users

    url = os.environ.get("REDIS_URL")
    if not url:
        print("REDIS_URL is not set", file=sys.stderr)
        return 2
    password = args.password or os.environ.get("LIVECHAT_NEW_USER_PASSWORD")
    if not password:
        import getpass

        password = getpass.getpass(f"Password for {args.username}: ")

    async def create() -> None:
        redis = Redis.from_url(url)
        try:
            await users.create(redis, args.username, password, args.name or "", args.email or "", args.role)
        finally:
            await redis.aclose()

    try:
        asyncio.run(create())
    except users.UserError as exc:
        print(f"error: {exc.field}: {exc}", file=sys.stderr)
        return 1
    print(f"user {args.username!r} created with roles {', '.join(args.role)}")
    return 0


def parser() -> argparse.ArgumentParser:
    from livechat.engine.rules.cli import add_rules_commands

    p = argparse.ArgumentParser(prog="livechat", description="pimentaCHAT Livechat")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the API, realtime endpoint and a worker")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--workers", type=int, default=1, help="RQ workers to start beside the API")
    s.set_defaults(func=serve)
    w = sub.add_parser("worker", help="run one more RQ worker against REDIS_URL")
    w.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    w.set_defaults(func=worker)
    u = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True)
    a = u.add_parser("add", help="create a user")
    a.add_argument("username")
    a.add_argument("--password")
    a.add_argument("--name")
    a.add_argument("--email")
    a.add_argument("--role", action="append", choices=["admin", "livechat-manager", "livechat-agent"],
                   default=None)
    a.set_defaults(func=user_add)
    add_rules_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    if getattr(args, "role", "unset") is None:
        args.role = ["livechat-agent"]
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
