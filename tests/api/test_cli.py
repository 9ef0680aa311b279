"""`livechat serve`, `user add` and `rules check` as an operator runs them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from livechat.engine.embedded_redis import EmbeddedRedis, free_port

CLI = [sys.executable, "-m", "livechat.api.cli"]


def start_serve(data_dir: Path, port: int, log: Path, **env: str) -> subprocess.Popen[bytes]:
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "LIVECHAT_ADMIN_USER",
                                                               "LIVECHAT_ADMIN_PASSWORD")}
    with log.open("ab") as out:  # the child keeps its own copy of the file
        proc = subprocess.Popen([*CLI, "serve", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
                                env={**clean, "LIVECHAT_DATA_DIR": str(data_dir), "LIVECHAT_LOG_LEVEL": "warning",
                                     **env})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/info", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    proc.wait()
    raise AssertionError(f"serve did not start: {log.read_text()}")


def children(pid: int) -> list[int]:
    """The processes `serve` started (its embedded Redis and its worker)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def alive(pids: list[int]) -> list[int]:
    still = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "X"
        if state != "Z":
            still.append(pid)
    return still


def test_serve_runs_on_its_own_redis_keeps_data_across_restarts_and_leaves_nothing_behind(tmp_path: Path) -> None:
    data, port, log = tmp_path / "data", free_port(), tmp_path / "serve.log"
    proc = start_serve(data, port, log)
    base = f"http://127.0.0.1:{port}/api/v1"
    first_start = log.read_text()
    password = re.search(r"password '([^']+)'", first_start)
    assert password, "a generated admin password is printed once on first start"
    auth = httpx.post(f"{base}/login", json={"user": "admin", "password": password.group(1)}).json()["data"]
    headers = {"X-User-Id": auth["userId"], "X-Auth-Token": auth["authToken"]}
    httpx.post(f"{base}/livechat/agent.status", json={"status": "available"}, headers=headers).raise_for_status()
    httpx.post(f"{base}/livechat/visitor", json={"visitor": {"token": "t-1", "name": "Ana"}}).raise_for_status()
    rid = httpx.get(f"{base}/livechat/room", params={"token": "t-1"}).json()["room"]["_id"]
    httpx.post(f"{base}/livechat/message", json={"token": "t-1", "rid": rid, "msg": "kept"}).raise_for_status()

    started = children(proc.pid)
    assert len(started) == 2  # Redis and one worker
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    time.sleep(0.5)
    assert alive(started) == []
    assert list((data / "redis").glob("appendonly*"))

    proc = start_serve(data, port, log)
    started = children(proc.pid)
    try:
        history = httpx.get(f"{base}/livechat/messages.history/{rid}", params={"token": "t-1"}).json()
        assert [m["msg"] for m in history["messages"]] == ["kept"]
        assert log.read_text().count("First admin created") == 1  # not printed again
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert proc.wait(timeout=30) == 0
    time.sleep(0.5)
    assert alive(started) == []


def test_user_add_creates_a_user_who_can_log_in(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path / "redis") as redis_server:
        env = {**os.environ, "REDIS_URL": redis_server.url}
        done = subprocess.run([*CLI, "user", "add", "carla", "--password", "carla-password-1", "--role",
                               "livechat-manager"], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "created with roles livechat-manager" in done.stdout
        again = subprocess.run([*CLI, "user", "add", "carla", "--password", "carla-password-1"], env=env,
                               capture_output=True, text=True)
        assert again.returncode == 1 and "username" in again.stderr


def test_rules_check_reports_a_bad_file_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "routing.json"
    bad.write_text('{"ruleset": "routing", "rules": [{"id": "r", "on": "chat_requested", '
                   '"when": {"fact": "event.url", "op": "matches", "value": "pric["}, '
                   '"then": [{"action": "enqueue"}]}]}')
    done = subprocess.run([*CLI, "rules", "check", str(bad)], capture_output=True, text=True)
    assert done.returncode != 0
    assert "$.rules[0].when.value" in done.stdout + done.stderr
    ok = subprocess.run([*CLI, "rules", "check", *map(str, Path("rules").glob("*.json"))],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
