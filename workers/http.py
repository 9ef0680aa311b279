"""One JSON POST with the standard library, reusing a kept-alive connection per host.

A worker sends thousands of webhooks to the same CRM; opening a TCP (and TLS)
connection for each would cost more than the request itself.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

RESPONSE_EXCERPT_CHARS = 500  # enough to show a CRM's error message in the delivery log
MAX_RESPONSE_BYTES = 64 * 1024  # read at most this much of an answer; larger ones drop the connection

_local = threading.local()


@dataclass
class Response:
    status: int | None  # None when no HTTP answer came
    excerpt: str
    error: str
    latency_ms: int


def _connections() -> dict[tuple[str, str, int], http.client.HTTPConnection]:
    pool: dict[tuple[str, str, int], http.client.HTTPConnection] | None = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
    return pool


def _connect(scheme: str, host: str, port: int, timeout_s: float) -> http.client.HTTPConnection:
    if scheme == "https":
        context = ssl.create_default_context()
        return http.client.HTTPSConnection(host, port, timeout=timeout_s, context=context)
    return http.client.HTTPConnection(host, port, timeout=timeout_s)


def post(url: str, body: str, headers: dict[str, str], timeout_s: float) -> Response:
    """POST `body`; never raises for network trouble, which is reported in `Response.error`."""
    started = time.monotonic()
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {parts.scheme}://{parts.hostname or ''}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        status, excerpt = _send((parts.scheme, parts.hostname, port), target, body, headers, timeout_s)
        return Response(status, excerpt, "" if status == 200 else f"HTTP {status}", _ms_since(started))
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Response(None, "", _describe(exc), _ms_since(started))


def _send(origin: tuple[str, str, int], target: str, body: str, headers: dict[str, str],
          timeout_s: float) -> tuple[int, str]:
    pool = _connections()
    kept = pool.pop(origin, None)
    if kept is not None:
        try:
            return _exchange(pool, origin, kept, target, body, headers, timeout_s)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            pass  # the server closed our idle kept-alive connection: once more on a new one
    return _exchange(pool, origin, _connect(*origin, timeout_s), target, body, headers, timeout_s)


def _exchange(pool: dict[tuple[str, str, int], http.client.HTTPConnection], origin: tuple[str, str, int],
              conn: http.client.HTTPConnection, target: str, body: str, headers: dict[str, str],
              timeout_s: float) -> tuple[int, str]:
    try:
        conn.timeout = timeout_s
        sock = conn.sock
        if sock is None:
            conn.connect()
            sock = conn.sock
            # headers and body go in one segment; no waiting on Nagle for a small request
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(timeout_s)
        conn.request("POST", target, body=body.encode(), headers=headers)
        answer = conn.getresponse()
        data = answer.read(MAX_RESPONSE_BYTES + 1)
    except BaseException:
        conn.close()
        raise
    if len(data) <= MAX_RESPONSE_BYTES and not answer.will_close:
        pool[origin] = conn
    else:
        conn.close()
    excerpt = data[:RESPONSE_EXCERPT_CHARS * 4].decode("utf-8", "replace")[:RESPONSE_EXCERPT_CHARS]
    return answer.status, excerpt


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    return f"{type(exc).__name__}: {exc}"[:RESPONSE_EXCERPT_CHARS]


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
