"""`/api/v1/livechat/ws`: one socket per visitor or agent console.

A connection subscribes before it replays, and drops any room frame whose `seq` it has
already sent, so a reconnect with `since` gets every missed frame exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from livechat.engine import chat, keys
from livechat.engine.dispatch import dispatch
from livechat.engine.events import EventType, event
from livechat.engine.realtime import RESYNC, Hub
from livechat.engine.runtime import Runtime
from livechat.engine.state import frames, rooms, routing, users, visitors

HEARTBEAT_S = 25  # the contract allows at most 30 s between frames; proxies cut idle sockets at 60
FOLLOW_PREFIXES = ('{"type":"agent"', '{"type":"room"', '{"type":"removed"')
OUTBOX_LIMIT = 2000  # frames waiting for a slow client; past this it is cut and resumes with `since`
CLOSE_UNAUTHORIZED, CLOSE_BAD_REQUEST, CLOSE_TOO_SLOW = 4401, 4400, 4008


class Connection:
    def __init__(self, ws: WebSocket, rt: Runtime, hub: Hub) -> None:
        self.ws, self.rt, self.hub = ws, rt, hub
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent_seq: dict[str, int] = {}  # room id -> highest seq delivered
        self.channels: dict[str, str | None] = {}  # channel -> room id (None: not a room)
        self.too_slow = False
        self.joining: dict[str, list[str]] = {}  # room id -> live frames held until its replay is done

    def deliver(self, channel: str, data: str, replay: bool = False) -> None:
        rid = self.channels.get(channel)
        if data is RESYNC:  # the process's subscription was lost and is back: replay the gap
            if rid is not None:
                asyncio.get_running_loop().create_task(self.catch_up(channel, rid))
            return
        if rid is not None and rid in self.joining:
            self.joining[rid].append(data)
            return
        if rid is not None and not data.startswith('{"type":"typing"'):  # typing is not numbered
            seq = _seq_of(data)
            if seq is not None:
                if seq <= self.sent_seq.get(rid, 0):
                    return
                self.sent_seq[rid] = seq
        elif data.startswith(FOLLOW_PREFIXES):
            # an assignment, a new chat or a transfer away: follow (or leave) that room
            asyncio.get_running_loop().create_task(self.follow_from(data))
            if data.startswith('{"type":"agent"'):
                return  # the same frame arrives through the room itself, numbered
        self._put(data, replay)

    def _put(self, data: str, replay: bool = False) -> None:
        """Queue a frame; a client this far behind on live frames is cut (it resumes with `since`).
        A replay is bounded by the frames kept per room, so it is never cut."""
        if not replay and self.outbox.qsize() >= OUTBOX_LIMIT:
            self.too_slow = True
            self.outbox.put_nowait(None)
            return
        self.outbox.put_nowait(data)

    async def follow_from(self, data: str) -> None:
        frame = json.loads(data)
        rid = frame.get("room_id") or frame.get("rid")
        if not rid:
            return
        if frame["type"] == "removed":
            await self.leave_room(rid)
        else:
            await self.join_room(rid, self.sent_seq.get(rid, 0))

    async def join_room(self, rid: str, since: int) -> None:
        channel = keys.room_channel(rid)
        if channel in self.channels:
            return
        self.channels[channel] = rid
        self.sent_seq.setdefault(rid, since)
        self.joining[rid] = []
        try:
            await self.hub.subscribe(channel, self.deliver)
            missed = await frames.since(self.rt.redis, keys.room_frames(rid), self.sent_seq[rid])
        finally:
            held = self.joining.pop(rid)
        for data in [*missed, *held]:  # numbered frames already sent are dropped by seq
            self.deliver(channel, data, replay=True)

    async def catch_up(self, channel: str, rid: str) -> None:
        for data in await frames.since(self.rt.redis, keys.room_frames(rid), self.sent_seq.get(rid, 0)):
            self.deliver(channel, data, replay=True)

    async def leave_room(self, rid: str) -> None:
        channel = keys.room_channel(rid)
        if self.channels.pop(channel, None) is not None:
            await self.hub.unsubscribe(channel, self.deliver)

    async def listen(self, channel: str) -> None:
        self.channels[channel] = None
        await self.hub.subscribe(channel, self.deliver)

    async def close(self) -> None:
        for channel in list(self.channels):
            await self.hub.unsubscribe(channel, self.deliver)
        self.channels.clear()

    async def write(self) -> None:
        while True:
            try:
                data = self.outbox.get_nowait()  # the busy path: no timer, no task per frame
            except asyncio.QueueEmpty:
                try:
                    async with asyncio.timeout(HEARTBEAT_S):
                        data = await self.outbox.get()
                except TimeoutError:
                    data = '{"type":"ping"}'
            if data is None or self.too_slow:
                await self.ws.close(CLOSE_TOO_SLOW, "Too far behind; reconnect with since")
                return
            await self.ws.send_text(data)


def _seq_of(data: str) -> int | None:
    """Frames end with `,"seq":N}` (the Lua scripts append it), so no parsing is needed."""
    at = data.rfind('"seq":')
    if at < 0:
        return None
    try:
        return int(data[at + 6:-1])
    except ValueError:
        return None


def _since(raw: str | None) -> dict[str, int] | int:
    """`since=12` (the only or given room) or `since=rid1:12,rid2:7` (agents)."""
    if not raw:
        return 0
    if ":" not in raw:
        return int(raw)
    out = {}
    for part in raw.split(","):
        rid, _, seq = part.partition(":")
        out[rid] = int(seq)
    return out


async def endpoint(ws: WebSocket) -> None:
    rt: Runtime = ws.state.rt
    hub: Hub = ws.state.hub
    await ws.accept()
    q = ws.query_params
    conn = Connection(ws, rt, hub)
    try:
        since = _since(q.get("since"))
    except ValueError:
        await ws.close(CLOSE_BAD_REQUEST, "since must be a number or rid:number pairs")
        return
    agent: users.User | None = None
    if q.get("userId"):
        agent = await users.authenticate(rt.redis, q["userId"], q.get("authToken", ""))
        if agent is None:
            await ws.close(CLOSE_UNAUTHORIZED, "Unauthorized")
            return
        ok = await _open_agent(conn, agent, since)
    else:
        try:
            visitor_since = int(q.get("vsince") or 0)
        except ValueError:
            await ws.close(CLOSE_BAD_REQUEST, "vsince must be a number")
            return
        ok = await _open_visitor(conn, q.get("token", ""), q.get("rid"), since, visitor_since)
    if not ok:
        return
    await ws.send_text('{"type":"ready"}')  # subscribed: from here on nothing is missed
    writer = asyncio.create_task(conn.write())
    try:
        await _read(conn, agent)
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer
        await conn.close()
        if agent is not None:
            await _agent_gone(rt, agent)


async def _open_visitor(conn: Connection, token: str, rid: str | None, since: dict[str, int] | int,
                        visitor_since: int = 0) -> bool:
    rt = conn.rt
    visitor = await visitors.get(rt.redis, token) if token else None
    if visitor is None:
        await conn.ws.close(CLOSE_UNAUTHORIZED, "Unknown visitor token")
        return False
    await conn.listen(keys.visitor_channel(token))
    await conn.listen(keys.WIDGETS_CHANNEL)
    # visitor-level frames (trigger messages) published before this socket existed
    for data in await frames.since(rt.redis, keys.visitor_frames(token), visitor_since):
        if not data.startswith('{"type":"room"'):  # an old chat's announcement is history, not news
            conn._put(data)
    if rid:
        room = await rooms.get(rt.redis, rid)
        if room is None or room["token"] != token:
            await conn.ws.close(CLOSE_UNAUTHORIZED, "Not your room")
            return False
        start = since if isinstance(since, int) else since.get(rid, 0)
        await conn.join_room(rid, start)
    return True


async def _open_agent(conn: Connection, agent: users.User, since: dict[str, int] | int) -> bool:
    rt = conn.rt
    if await rt.redis.incr(keys.agent_sockets(agent.id)) == 1 and agent.status == users.AVAILABLE:
        # back within the grace period: routable again, the grace timer is cancelled by the rules
        await chat.set_agent_status(rt, agent, users.AVAILABLE)
    await conn.listen(keys.agent_channel(agent.id))
    await conn.listen(keys.AGENTS_CHANNEL)
    for rid in await routing.agent_rooms(rt.redis, agent.id):
        start = since.get(rid, 0) if isinstance(since, dict) else 0
        await conn.join_room(rid, start)
    return True


async def _agent_gone(rt: Runtime, agent: users.User) -> None:
    left = await rt.redis.decr(keys.agent_sockets(agent.id))
    if left <= 0:
        await rt.redis.delete(keys.agent_sockets(agent.id))
        # no console open: no new chats while the grace period runs (the status stays as chosen)
        await routing.set_available(rt.redis, agent.id, False)
        await dispatch(rt, event(EventType.AGENT_DISCONNECTED, agent_id=agent.id))


async def _read(conn: Connection, agent: users.User | None) -> None:
    while True:
        try:
            text = await conn.ws.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            return
        try:
            frame: dict[str, Any] = json.loads(text)
        except json.JSONDecodeError:
            continue
        if frame.get("type") == "typing" and isinstance(frame.get("rid"), str):
            await _typing(conn, agent, frame["rid"], bool(frame.get("typing", True)))
        elif frame.get("type") == "ping":
            conn._put('{"type":"pong"}')


async def _typing(conn: Connection, agent: users.User | None, rid: str, typing: bool) -> None:
    if keys.room_channel(rid) not in conn.channels:
        return  # only in a room this socket follows (its own chat, or one the agent serves)
    who = {"agent_id": agent.id, "username": agent.username} if agent else {"visitor": True}
    await frames.emit_ephemeral(conn.rt.redis, rid, {"type": "typing", "typing": typing, **who})


routes = [WebSocketRoute("/api/v1/livechat/ws", endpoint)]
