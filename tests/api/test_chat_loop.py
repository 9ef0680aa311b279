"""A visitor talks to an agent: routing, messages both ways, closing, live frames."""

from __future__ import annotations

import redis

from livechat.engine import keys
from livechat.engine.embedded_redis import EmbeddedRedis
from tests.helpers import Api


def test_visitor_chat_is_taken_by_the_available_agent_and_messages_flow_both_ways(api: Api) -> None:
    agent_id, agent = api.agent("bruno")
    agent_ws = api.agent_socket(agent)
    token = api.visitor("Ana")
    room = api.room(token)
    assert room["status"] == "taken" and room["servedBy"]["_id"] == agent_id
    assert agent_ws.until("agent")["rid"] == room["_id"]
    visitor_ws = api.visitor_socket(token, room["_id"])

    api.say(token, room["_id"], "Hello, is anyone there?")
    frame = agent_ws.until("message")
    assert frame["message"]["msg"] == "Hello, is anyone there?" and frame["rid"] == room["_id"]
    api.answer(agent, room["_id"], "Hi Ana, how can I help?")
    seen = [f["message"]["msg"] for f in visitor_ws.frames(2, kinds=("message",))]
    assert seen[-1] == "Hi Ana, how can I help?"

    history = api.ok(api.get(f"livechat/messages.history/{room['_id']}", token=token))["messages"]
    assert [m["msg"] for m in history] == ["Hi Ana, how can I help?", "Hello, is anyone there?"]
    assert history[1]["token"] == token and "token" not in history[0]
    agent_ws.close()
    visitor_ws.close()


def test_a_retried_message_with_the_same_id_is_stored_once(api: Api) -> None:
    api.agent("bruno")
    token = api.visitor()
    rid = api.room(token)["_id"]
    first = api.say(token, rid, "only once", msg_id="client-1")
    again = api.say(token, rid, "only once", msg_id="client-1")
    assert first == again
    history = api.ok(api.get(f"livechat/messages.history/{rid}", token=token))["messages"]
    assert [m["_id"] for m in history] == ["client-1"]


def test_the_same_open_room_is_returned_until_it_closes(api: Api) -> None:
    api.agent("bruno")
    token = api.visitor()
    first = api.ok(api.get("livechat/room", token=token))
    again = api.ok(api.get("livechat/room", token=token))
    assert first["newRoom"] is True and again["newRoom"] is False
    assert first["room"]["_id"] == again["room"]["_id"]
    api.ok(api.post("livechat/room.close", {"token": token, "rid": first["room"]["_id"]}))
    third = api.ok(api.get("livechat/room", token=token))
    assert third["newRoom"] is True and third["room"]["_id"] != first["room"]["_id"]


def test_closing_by_the_agent_tells_the_visitor_and_stops_new_messages(api: Api) -> None:
    _, agent = api.agent("bruno")
    token = api.visitor()
    rid = api.room(token)["_id"]
    visitor_ws = api.visitor_socket(token, rid)
    api.ok(api.post("livechat/room.closeByUser", {"rid": rid, "comment": "Solved", "tags": ["billing"]}, agent))
    closed = visitor_ws.until("closed")
    assert closed["closer"] == "user" and closed["comment"] == "Solved"
    refused = api.post("livechat/message", {"token": token, "rid": rid, "msg": "one more thing"})
    assert refused.status_code == 400 and refused.json()["errorType"] == "room-closed"
    info = api.ok(api.get("livechat/rooms", api.admin, open="false"))["rooms"][0]
    assert info["tags"] == ["billing"] and info["closer"] == "user" and info["status"] == "closed"
    visitor_ws.close()


def test_a_visitor_closes_their_own_chat_and_the_agent_slot_is_freed(api: Api) -> None:
    agent_id, _ = api.agent("bruno")
    token = api.visitor()
    rid = api.room(token)["_id"]
    body = api.ok(api.post("livechat/room.close", {"token": token, "rid": rid}))
    assert body["rid"] == rid and body["comment"] == "Closed by visitor"
    agents = api.ok(api.get("livechat/users/agent", api.admin))["users"]
    assert [a["livechatCount"] for a in agents if a["_id"] == agent_id] == [0]
    again = api.post("livechat/room.close", {"token": token, "rid": rid})
    assert again.status_code == 400 and again.json()["errorType"] == "room-closed"


def test_typing_reaches_the_other_side(api: Api) -> None:
    _, agent = api.agent("bruno")
    agent_ws = api.agent_socket(agent)
    token = api.visitor()
    rid = api.room(token)["_id"]
    agent_ws.until("agent")
    visitor_ws = api.visitor_socket(token, rid)
    visitor_ws.send({"type": "typing", "rid": rid, "typing": True})
    frame = agent_ws.until("typing")
    assert frame["typing"] is True and frame["visitor"] is True and frame["rid"] == rid
    agent_ws.send({"type": "typing", "rid": rid, "typing": True})
    frames = visitor_ws.frames(2, kinds=("typing",))  # its own echo, then the agent's
    assert frames[-1]["username"] == "bruno" and frames[-1]["typing"] is True
    agent_ws.close()
    visitor_ws.close()


def test_agent_info_names_the_serving_agent(api: Api) -> None:
    agent_id, _ = api.agent("bruno")
    token = api.visitor()
    rid = api.room(token)["_id"]
    agent = api.ok(api.get(f"livechat/agent.info/{rid}/{token}"))["agent"]
    assert agent["_id"] == agent_id and agent["username"] == "bruno"


def test_config_shows_the_visitors_open_chat_and_agent(api: Api) -> None:
    api.agent("bruno")
    token = api.visitor("Ana")
    rid = api.room(token)["_id"]
    config = api.ok(api.get("livechat/config", token=token))["config"]
    assert config["enabled"] is True and config["online"] is True
    assert config["guest"]["name"] == "Ana" and config["room"]["_id"] == rid
    assert config["agent"]["username"] == "bruno"


def test_disabling_livechat_hides_the_widget_and_refuses_new_chats(api: Api) -> None:
    open_widget = api.visitor_socket(api.visitor("Open"))
    api.ok(api.post("settings/Livechat_enabled", {"value": False}, api.admin))
    assert open_widget.until("config")["enabled"] is False  # widgets already open hide at once
    open_widget.close()
    assert api.ok(api.get("livechat/config"))["config"] == {"enabled": False}
    refused = api.post("livechat/visitor", {"visitor": {"token": "t-1", "name": "Ana"}})
    assert refused.status_code == 400 and refused.json()["errorType"] == "livechat-disabled"
    api.ok(api.post("settings/Livechat_enabled", {"value": True}, api.admin))
    assert api.ok(api.get("livechat/config"))["config"]["enabled"] is True


def test_a_visitor_can_be_deleted_and_their_open_chat_closes(api: Api) -> None:
    api.agent("bruno")
    token = api.visitor()
    rid = api.room(token)["_id"]
    api.ok(api.http.delete(f"/api/v1/livechat/visitor/{token}"))
    assert api.get(f"livechat/visitor/{token}").status_code == 404
    closed = api.ok(api.get("livechat/rooms", api.admin, open="false"))["rooms"]
    assert [r["_id"] for r in closed] == [rid]


def test_history_pages_back_with_limit_and_end(api: Api) -> None:
    _, agent = api.agent("bruno")
    token = api.visitor()
    rid = api.room(token)["_id"]
    sent = [api.say(token, rid, f"m{i}") for i in range(7)]
    newest = api.ok(api.get(f"livechat/messages.history/{rid}", token=token, limit=3))["messages"]
    assert [m["msg"] for m in newest] == ["m6", "m5", "m4"]
    older = api.ok(api.get(f"livechat/messages.history/{rid}", token=token, limit=3, end=newest[-1]["ts"]))
    assert all(m["ts"] < newest[-1]["ts"] for m in older["messages"])
    assert sent[0]["msg"] == "m0"
    bad = api.get(f"livechat/messages.history/{rid}", token=token, limit=0)
    assert bad.status_code == 400 and bad.json()["field"] == "limit"


def test_closed_chats_remember_who_served_them(api: Api) -> None:
    agent_id, agent = api.agent("bruno")
    rid = api.room(api.visitor())["_id"]
    api.ok(api.post("livechat/room.closeByUser", {"rid": rid, "comment": "done"}, agent))
    closed = api.ok(api.get("livechat/rooms", api.admin, open="false", **{"agents[]": agent_id}))["rooms"]
    assert [r["_id"] for r in closed] == [rid] and closed[0]["servedBy"]["_id"] == agent_id
    mine = api.ok(api.get("livechat/rooms", agent, open="false"))["rooms"]
    assert [r["_id"] for r in mine] == [rid]  # an agent finds the chats it closed


def test_an_open_chat_is_found_even_without_its_claim(api: Api, redis_server: EmbeddedRedis) -> None:
    """Data restored from before the one-open-chat claim still gives the visitor their chat."""
    api.agent("bruno")
    token = api.visitor()
    rid = api.room(token)["_id"]
    redis.Redis.from_url(redis_server.url).delete(keys.visitor_open_room(token))
    assert api.room(token)["_id"] == rid
