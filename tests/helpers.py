"""A small client for the tests: the calls a widget, an agent console and a manager make."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.conftest import ADMIN_PASSWORD, ADMIN_USER, Server

AGENT_PASSWORD = "agent-password-1"


class Api:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=10)
        self.admin = self.login(ADMIN_USER, ADMIN_PASSWORD)

    def close(self) -> None:
        self.http.close()

    # --- raw calls ---------------------------------------------------------------
    def get(self, path: str, auth: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        return self.http.get(f"/api/v1/{path}", headers=auth or {}, params=params)

    def post(self, path: str, body: Any = None, auth: dict[str, str] | None = None) -> httpx.Response:
        return self.http.post(f"/api/v1/{path}", json=body if body is not None else {}, headers=auth or {})

    def ok(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        assert data.get("success", True) is True, data
        return data

    # --- people ------------------------------------------------------------------
    def login(self, username: str, password: str) -> dict[str, str]:
        data = self.ok(self.http.post("/api/v1/login", json={"user": username, "password": password}))["data"]
        return {"X-User-Id": data["userId"], "X-Auth-Token": data["authToken"]}

    def create_user(self, username: str, roles: list[str]) -> tuple[str, dict[str, str]]:
        user = self.ok(self.post("users.create", {"username": username, "password": AGENT_PASSWORD,
                                                  "name": username.title(), "email": f"{username}@example.com",
                                                  "roles": roles}, self.admin))["user"]
        return user["_id"], self.login(username, AGENT_PASSWORD)

    def agent(self, username: str, available: bool = True) -> tuple[str, dict[str, str]]:
        agent_id, auth = self.create_user(username, ["livechat-agent"])
        if available:
            self.set_status(auth, "available")
        return agent_id, auth

    def set_status(self, auth: dict[str, str], status: str) -> None:
        self.ok(self.post("livechat/agent.status", {"status": status}, auth))

    def department(self, name: str, agent_ids: list[str], **fields: Any) -> str:
        body = {"department": {"name": name, "enabled": True, "showOnRegistration": True, **fields},
                "agents": [{"agentId": a} for a in agent_ids]}
        return str(self.ok(self.post("livechat/department", body, self.admin))["department"]["_id"])

    # --- visitors ----------------------------------------------------------------
    def visitor(self, name: str = "Ana", department: str | None = None, token: str | None = None) -> str:
        token = token or secrets.token_hex(8)
        body: dict[str, Any] = {"token": token, "name": name, "email": f"{name.lower()}@example.com"}
        if department:
            body["department"] = department
        self.ok(self.post("livechat/visitor", {"visitor": body}))
        return token

    def room(self, token: str) -> dict[str, Any]:
        room: dict[str, Any] = self.ok(self.get("livechat/room", token=token))["room"]
        return room

    def say(self, token: str, rid: str, text: str, msg_id: str | None = None) -> dict[str, Any]:
        body = {"token": token, "rid": rid, "msg": text, **({"_id": msg_id} if msg_id else {})}
        message: dict[str, Any] = self.ok(self.post("livechat/message", body))["message"]
        return message

    def answer(self, auth: dict[str, str], rid: str, text: str) -> dict[str, Any]:
        message: dict[str, Any] = self.ok(self.post("chat.sendMessage", {"message": {"rid": rid, "msg": text}},
                                                    auth))["message"]
        return message

    # --- realtime ----------------------------------------------------------------
    def visitor_socket(self, token: str, rid: str | None = None, since: int | None = None) -> Socket:
        query = f"?token={token}" + (f"&rid={rid}" if rid else "") + (f"&since={since}" if since else "")
        return Socket(connect(self.server.ws_url + query, legacy=True))

    def agent_socket(self, auth: dict[str, str]) -> Socket:
        query = f"?userId={auth['X-User-Id']}&authToken={auth['X-Auth-Token']}"
        return Socket(connect(self.server.ws_url + query, legacy=True))


class Socket:
    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        assert json.loads(conn.recv(timeout=5))["type"] == "ready"

    def frames(self, count: int, timeout: float = 5, kinds: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """The next `count` frames (of `kinds`, when given), skipping heartbeats."""
        out: list[dict[str, Any]] = []
        while len(out) < count:
            frame = json.loads(self.conn.recv(timeout=timeout))
            if frame["type"] in ("ping", "pong") or (kinds and frame["type"] not in kinds):
                continue
            out.append(frame)
        return out

    def until(self, kind: str, timeout: float = 5) -> dict[str, Any]:
        return self.frames(1, timeout, (kind,))[0]

    def quiet(self, kinds: tuple[str, ...], wait: float = 0.5) -> list[dict[str, Any]]:
        """Frames of `kinds` that arrive within `wait` seconds (expected: none)."""
        seen: list[dict[str, Any]] = []
        try:
            while True:
                frame = json.loads(self.conn.recv(timeout=wait))
                if frame["type"] in kinds:
                    seen.append(frame)
        except TimeoutError:
            return seen

    def send(self, frame: dict[str, Any]) -> None:
        self.conn.send(json.dumps(frame))

    def close(self) -> None:
        self.conn.close()
