"""Actions against a real Redis: what a visitor, an agent and the stored state show afterwards."""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from livechat.engine import chat, context, keys
from livechat.engine.actions import ACTIONS
from livechat.engine.rules.action_names import ACTION_NAMES
from livechat.engine.rules.validation import ruleset_schema
from livechat.engine.runtime import Runtime
from livechat.engine.state import frames, routing, settings, users, visitors


def test_the_registry_the_names_and_the_schema_agree() -> None:
    schema_names = set(ruleset_schema()["$defs"]["action"]["properties"]["action"]["enum"])
    assert set(ACTIONS) == set(ACTION_NAMES) == schema_names


async def _visitor(rt: Runtime, token: str = "tok-1", **custom: str) -> dict[str, Any]:
    visitor, _ = await visitors.register(rt.redis, token, {"name": ""}, custom or None)
    return visitor


async def _agent(rt: Runtime, username: str) -> users.User:
    agent = await users.create(rt.redis, username, "password-123456", username.title(), roles=["livechat-agent"])
    await chat.set_agent_status(rt, agent, users.AVAILABLE)
    return agent


async def _run(rt: Runtime, action: str, ev: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    ctx = await context.load(rt, token=ev.get("token"), rid=ev.get("rid"), agent_id=ev.get("agent_id"))
    return await ACTIONS[action](rt, ctx, ev, {"action": action, **params})


async def _visitor_frames(redis: Redis, token: str) -> list[dict[str, Any]]:
    return [json.loads(f) for f in await frames.since(redis, keys.visitor_frames(token), 0)]


async def test_a_message_before_any_chat_reaches_the_visitor_and_opens_their_next_chat(runtime: Runtime) -> None:
    visitor = await _visitor(runtime)
    await _run(runtime, "send_message", {"type": "page_viewed", "token": "tok-1"}, sender="custom", name="Bia",
               text="Questions about plans?")
    [frame] = await _visitor_frames(runtime.redis, "tok-1")
    shown = frame["message"]
    assert frame["type"] == "message" and frame["rid"] is None
    assert shown["msg"] == "Questions about plans?" and shown["u"]["username"] == "Bia"

    room, _ = await chat.open_chat(runtime, visitor, "")
    first = json.loads((await runtime.redis.lrange(keys.room_messages(room["_id"]), 0, 0))[0])
    assert first == {**shown, "rid": room["_id"]}  # the same message (same id), now the chat's first
    assert await runtime.redis.exists(keys.visitor_pending_messages("tok-1")) == 0


async def test_a_message_with_a_chat_open_goes_into_the_chat(runtime: Runtime) -> None:
    room, _ = await chat.open_chat(runtime, await _visitor(runtime), "")
    await _run(runtime, "send_message", {"type": "page_viewed", "token": "tok-1", "rid": room["_id"]},
               sender="system", text="Still there?")
    said = [json.loads(m)["msg"] for m in await runtime.redis.lrange(keys.room_messages(room["_id"]), 0, -1)]
    assert said == ["Still there?"]
    assert await _visitor_frames(runtime.redis, "tok-1") == [{"type": "room", "rid": None,
                                                               "room_id": room["_id"], "seq": 1}]


async def test_a_queue_sender_is_the_agent_round_robin_picks_next_with_room_to_spare(runtime: Runtime) -> None:
    first, second = sorted([await _agent(runtime, "ana"), await _agent(runtime, "bia")], key=lambda a: a.id)
    await _visitor(runtime)
    ev = {"type": "widget_opened", "token": "tok-1"}

    async def shown() -> str:
        await _run(runtime, "send_message", ev, sender="queue", text="Hi")
        return str((await _visitor_frames(runtime.redis, "tok-1"))[-1]["message"]["u"]["username"])

    assert await shown() == first.username  # nobody served yet: round robin starts by id
    assert await routing.route(runtime.redis, "room-x", "", 1, enqueue=False) == ("taken", first.id)
    assert await shown() == second.username
    await settings.put(runtime.redis, {"Livechat_max_chats_per_agent": 1})
    assert await routing.route(runtime.redis, "room-y", "", 1, enqueue=False) == ("taken", second.id)
    assert await shown() == "Support"  # both are full: nobody would take the chat now


async def test_set_custom_field_keeps_an_existing_value_without_overwrite(runtime: Runtime) -> None:
    await _visitor(runtime, plan="free")
    ev = {"type": "page_viewed", "token": "tok-1"}
    await _run(runtime, "set_custom_field", ev, key="plan", value="pro", scope="visitor", overwrite=False)
    await _run(runtime, "set_custom_field", ev, key="score", value=3, scope="visitor", overwrite=False)
    assert (await visitors.get(runtime.redis, "tok-1") or {})["livechatData"] == {"plan": "free", "score": "3"}
    await _run(runtime, "set_custom_field", ev, key="plan", value="pro", scope="visitor")
    assert (await visitors.get(runtime.redis, "tok-1") or {})["livechatData"]["plan"] == "pro"


async def test_set_agent_status_takes_the_agent_out_of_routing(runtime: Runtime) -> None:
    ana = await _agent(runtime, "ana")
    await _run(runtime, "set_agent_status", {"type": "timer_fired", "agent_id": ana.id}, status="not-available")
    assert (await users.get(runtime.redis, ana.id) or ana).status == "not-available"
    assert await routing.available_agents(runtime.redis) == set()


async def test_a_message_for_an_event_without_a_chat_finds_the_visitors_open_chat(runtime: Runtime) -> None:
    room, _ = await chat.open_chat(runtime, await _visitor(runtime), "")  # opened after the timer started
    await _run(runtime, "send_message", {"type": "timer_fired", "token": "tok-1", "rid": None},
               sender="system", text="Still looking?")
    said = [json.loads(m)["msg"] for m in await runtime.redis.lrange(keys.room_messages(room["_id"]), 0, -1)]
    assert said == ["Still looking?"]
    assert await runtime.redis.exists(keys.visitor_pending_messages("tok-1")) == 0
