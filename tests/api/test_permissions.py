"""Who may do what: anonymous, visitor A, visitor B, an agent not serving the chat,
the serving agent, a manager and the admin."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Api


@pytest.fixture
def scene(api: Api) -> dict[str, Any]:
    serving_id, serving = api.agent("serving")
    _, other = api.agent("other", available=False)
    _, manager = api.create_user("boss", ["livechat-manager"])
    token_a = api.visitor("Ana")
    room_a = api.room(token_a)
    token_b = api.visitor("Bea")
    return {"serving": serving, "other": other, "manager": manager, "admin": api.admin,
            "token_a": token_a, "rid": room_a["_id"], "token_b": token_b, "serving_id": serving_id}


def test_another_visitors_token_never_opens_the_room(api: Api, scene: dict[str, Any]) -> None:
    rid, token_b = scene["rid"], scene["token_b"]
    for response in (
        api.get(f"livechat/messages.history/{rid}", token=token_b),
        api.post("livechat/message", {"token": token_b, "rid": rid, "msg": "hi"}),
        api.post("livechat/room.close", {"token": token_b, "rid": rid}),
        api.get("livechat/room", token=token_b, rid=rid),
        api.get(f"livechat/agent.info/{rid}/{token_b}"),
    ):
        assert response.status_code == 400 and response.json()["errorType"] == "invalid-room", response.text
    assert api.ok(api.get(f"livechat/messages.history/{rid}", token=scene["token_a"]))["messages"] == []


def test_visitor_b_socket_cannot_follow_visitor_a_room(api: Api, scene: dict[str, Any]) -> None:
    from websockets.exceptions import ConnectionClosed

    with pytest.raises((ConnectionClosed, AssertionError)):
        api.visitor_socket(scene["token_b"], scene["rid"])


@pytest.mark.parametrize("who,status", [("anonymous", 401), ("other", 403), ("serving", 200),
                                        ("manager", 200), ("admin", 200)])
def test_only_the_serving_agent_or_a_manager_answers_a_chat(api: Api, scene: dict[str, Any], who: str,
                                                            status: int) -> None:
    auth = {} if who == "anonymous" else scene[who]
    response = api.post("chat.sendMessage", {"message": {"rid": scene["rid"], "msg": "hello"}}, auth)
    assert response.status_code == status, response.text


@pytest.mark.parametrize("who,status", [("anonymous", 401), ("other", 403), ("serving", 200),
                                        ("manager", 200), ("admin", 200)])
def test_only_the_serving_agent_or_a_manager_closes_or_reads_a_chat(api: Api, scene: dict[str, Any], who: str,
                                                                   status: int) -> None:
    auth = {} if who == "anonymous" else scene[who]
    assert api.get(f"livechat/messages.history/{scene['rid']}", auth).status_code == status
    response = api.post("livechat/room.closeByUser", {"rid": scene["rid"], "comment": "done"}, auth)
    assert response.status_code == status, response.text


@pytest.mark.parametrize("who,status", [("anonymous", 401), ("serving", 403), ("other", 403),
                                        ("manager", 200), ("admin", 200)])
def test_only_managers_configure_livechat(api: Api, scene: dict[str, Any], who: str, status: int) -> None:
    auth = {} if who == "anonymous" else scene[who]
    calls = [
        api.get("livechat/department", auth),
        api.get("livechat/users/agent", auth),
        api.get("settings/Livechat_enabled", auth),
        api.get("livechat/appearance", auth),
    ]
    assert [c.status_code for c in calls] == [status] * len(calls)
    created = api.post("livechat/department", {"department": {"name": f"D-{who}"}}, auth)
    assert created.status_code == status
    made = api.post("users.create", {"username": f"u-{who}", "password": "password-123", "roles": []}, auth)
    assert made.status_code == status


def test_agents_list_only_the_chats_they_serve(api: Api, scene: dict[str, Any]) -> None:
    assert [r["_id"] for r in api.ok(api.get("livechat/rooms", scene["serving"]))["rooms"]] == [scene["rid"]]
    assert api.ok(api.get("livechat/rooms", scene["other"]))["rooms"] == []
    assert [r["_id"] for r in api.ok(api.get("livechat/rooms", scene["manager"]))["rooms"]] == [scene["rid"]]


def test_an_agent_cannot_change_another_agents_status(api: Api, scene: dict[str, Any]) -> None:
    response = api.post("livechat/agent.status", {"status": "not-available", "agentId": scene["serving_id"]},
                        scene["other"])
    assert response.status_code == 403
    api.ok(api.post("livechat/agent.status", {"status": "not-available", "agentId": scene["serving_id"]},
                    scene["manager"]))


def test_a_logged_out_token_stops_working(api: Api, scene: dict[str, Any]) -> None:
    auth = scene["serving"]
    assert api.get("me", auth).status_code == 200
    assert api.post("logout", None, auth).status_code == 200
    assert api.get("me", auth).status_code == 401


def test_a_wrong_password_is_refused(api: Api) -> None:
    response = api.http.post("/api/v1/login", json={"user": "admin", "password": "wrong-password"})
    assert response.status_code == 401 and response.json()["success"] is False
