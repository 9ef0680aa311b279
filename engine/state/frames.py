"""Realtime frames: numbered per room, kept in a stream for `since` replay, published at once.

Every frame is written and published by one Lua script, so the stream order, the
sequence numbers and the publish order are the same thing.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.state.lua import Lua

# Frames kept per room for reconnects; a client further behind reloads the history instead.
FRAMES_KEPT = 5000

_EMIT = Lua("""
local seq = redis.call('INCR', KEYS[1])
local frame = ARGV[2] .. ',"seq":' .. seq .. '}'
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], seq .. '-0', 'f', frame)
redis.call('PUBLISH', ARGV[1], frame)
for i = 4, #ARGV do redis.call('PUBLISH', ARGV[i], frame) end
return seq
""")

_EPHEMERAL = Lua("""
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
local frame = ARGV[2] .. ',"seq":' .. seq .. '}'
redis.call('PUBLISH', ARGV[1], frame)
return seq
""")


def _open(frame: dict[str, Any]) -> str:
    """The frame's JSON without its closing brace; the script appends the sequence number."""
    return json.dumps(frame, separators=(",", ":"))[:-1]


async def emit_room(redis: Redis, rid: str, frame: dict[str, Any], also: tuple[str, ...] = ()) -> int:
    """Number, keep and publish a room frame; `also` names extra channels (an agent's)."""
    body = {"type": frame["type"], "rid": rid, **frame}
    return int(await _EMIT(redis, [keys.room_seq(rid), keys.room_frames(rid)],
                           [keys.room_channel(rid), _open(body), FRAMES_KEPT, *also]))


async def emit_visitor(redis: Redis, token: str, frame: dict[str, Any]) -> int:
    """A visitor-level frame (before or beside any chat)."""
    body = {"type": frame["type"], "rid": None, **frame}
    return int(await _EMIT(redis, [keys.visitor_seq(token), keys.visitor_frames(token)],
                           [keys.visitor_channel(token), _open(body), FRAMES_KEPT]))


async def emit_ephemeral(redis: Redis, rid: str, frame: dict[str, Any]) -> None:
    """A frame nobody needs after the fact (typing): published, not kept, seq not advanced."""
    body = {"type": frame["type"], "rid": rid, **frame}
    await _EPHEMERAL(redis, [keys.room_seq(rid)], [keys.room_channel(rid), _open(body)])


async def since(redis: Redis, stream_key: str, seq: int) -> list[str]:
    """Frames with a sequence number above `seq`, oldest first, as raw JSON."""
    entries = await redis.xrange(stream_key, min=f"({seq}-0" if seq > 0 else "-", max="+")
    return [fields[b"f"].decode() for _, fields in entries]


async def announce_config(redis: Redis, enabled: bool) -> None:
    """Tell every open widget that Livechat was switched or restyled (not numbered: the widget
    re-reads its config, so a missed one costs nothing but a delay until the next page load)."""
    await redis.publish(keys.WIDGETS_CHANNEL, json.dumps({"type": "config", "rid": None, "enabled": enabled}))
