"""The contract around the endpoints: errors name the field, OpenAPI lists every route,
operations endpoints answer."""

from __future__ import annotations

from starlette.routing import Route, WebSocketRoute

from tests.helpers import Api


def test_every_route_is_in_the_openapi_document(api: Api) -> None:
    from livechat.api.app import routes
    from livechat.api.openapi import is_documented

    document = api.ok(api.http.get("/api/v1/openapi.json"))
    api_routes = [r for r in routes() if isinstance(r, Route | WebSocketRoute) and r.path.startswith("/api/v1/")
                  and r.path != "/api/v1/openapi.json"]
    assert api_routes
    for route in api_routes:
        assert route.path in document["paths"], f"{route.path} missing from openapi.json"
        if isinstance(route, Route):
            assert is_documented(route), f"{route.path} has no @documented"
            for method in (route.methods or set()) - {"HEAD"}:
                assert method.lower() in document["paths"][route.path]


def test_request_bodies_are_described_with_their_schema(api: Api) -> None:
    document = api.ok(api.http.get("/api/v1/openapi.json"))
    body = document["paths"]["/api/v1/livechat/message"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["required"] == ["token", "rid", "msg"]


def test_bad_input_names_the_field(api: Api) -> None:
    cases = [
        ("livechat/message", {"token": "t", "rid": "r"}, "msg"),
        ("livechat/message", {"token": "t", "rid": "r", "msg": ""}, "msg"),
        ("livechat/visitor", {"visitor": {"name": "no token"}}, "visitor.token"),
        ("livechat/visitor", {"visitor": {"token": "t", "email": "not-an-email"}}, "visitor.email"),
        ("livechat/visitor", {"visitor": {"token": "t", "surprise": 1}}, "visitor.surprise"),
        ("livechat/room.close", {"token": "t"}, "rid"),
    ]
    for path, body, field in cases:
        response = api.post(path, body)
        assert response.status_code == 400, (path, body, response.text)
        answer = response.json()
        assert answer["success"] is False and answer["field"] == field, answer
        assert field.split(".")[-1] in answer["error"]


def test_malformed_json_and_huge_bodies_are_refused(api: Api) -> None:
    broken = api.http.post("/api/v1/livechat/message", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["errorType"] == "error-invalid-json"
    huge = api.http.post("/api/v1/livechat/message", content=b"{" + b" " * (300 * 1024) + b"}")
    assert huge.status_code == 413


def test_unknown_visitor_token_is_refused_on_room(api: Api) -> None:
    response = api.get("livechat/room", token="nobody")
    assert response.status_code == 400 and response.json()["field"] == "token"


def test_manager_bad_input_names_the_field(api: Api) -> None:
    response = api.post("livechat/department", {"department": {"name": ""}}, api.admin)
    assert response.status_code == 400 and response.json()["field"] == "department.name"
    response = api.post("settings/Livechat_enabled", {"value": "yes"}, api.admin)
    assert response.status_code == 400 and response.json()["field"] == "value"
    response = api.post("livechat/appearance", [{"_id": "Livechat_nope", "value": 1}], api.admin)
    assert response.status_code == 400 and response.json()["field"] == "[0]._id"
    response = api.post("users.create", {"username": "x y", "password": "password-123"}, api.admin)
    assert response.status_code == 400 and response.json()["field"] == "username"


def test_info_and_metrics(api: Api) -> None:
    info = api.ok(api.http.get("/api/info"))
    assert info["version"] and info["success"] is True
    api.agent("ana")
    api.room(api.visitor())
    metrics = api.http.get("/metrics").text
    assert "livechat_open_chats 1" in metrics
    assert "livechat_agents_available 1" in metrics
    assert "livechat_queue_length 0" in metrics
    assert 'livechat_http_requests_total{status="2xx"}' in metrics or "livechat_http_requests_total" in metrics
