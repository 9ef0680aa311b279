"""Custom fields: managers define them, the widget fills them, rules and chats see them."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis

from livechat.engine import keys
from livechat.engine.embedded_redis import EmbeddedRedis
from tests.helpers import Api


@pytest.fixture(autouse=True)
def default_rules_again(api: Api) -> Iterator[None]:
    yield
    api.http.delete("/api/v1/livechat/rules/triggers", headers=api.admin)


def define(api: Api, field: str, scope: str = "visitor", **data: Any) -> dict[str, Any]:
    body = {"customFieldData": {"field": field, "label": field.title(), "scope": scope, "visibility": "visible",
                                "public": True, **data}}
    created: dict[str, Any] = api.ok(api.post("livechat/custom-fields", body, api.admin))["customField"]
    return created


def visitor_data(api: Api, token: str) -> dict[str, Any]:
    data: dict[str, Any] = api.ok(api.get(f"livechat/visitor/{token}"))["visitor"]["livechatData"]
    return data


def test_a_manager_defines_fields_and_the_registration_form_gets_the_public_ones(api: Api) -> None:
    define(api, "plan", type="select", options="free, pro,team", defaultValue="free", required=True)
    define(api, "cpf", regexp=r"^\d{11}$")
    define(api, "internal-score", visibility="hidden")
    define(api, "order_id", scope="room")
    define(api, "campaign", public=False)
    listed = api.ok(api.get("livechat/custom-fields", api.admin))
    assert [f["_id"] for f in listed["customFields"]] == ["campaign", "cpf", "internal-score", "order_id", "plan"]
    assert api.ok(api.get("livechat/custom-fields/plan", api.admin))["customField"]["options"] == "free, pro,team"
    public = api.ok(api.get("livechat/config"))["config"]["customFields"]
    assert public == [
        {"_id": "cpf", "label": "Cpf", "regexp": r"^\d{11}$", "required": False, "type": "input",
         "defaultValue": "", "options": []},
        {"_id": "plan", "label": "Plan", "regexp": "", "required": True, "type": "select",
         "defaultValue": "free", "options": ["free", "pro", "team"]},
    ]
    updated = api.ok(api.post("livechat/custom-fields", {"customFieldId": "cpf", "customFieldData": {
        "field": "ignored", "label": "CPF", "scope": "visitor", "public": False}}, api.admin))["customField"]
    assert updated["_id"] == "cpf" and updated["label"] == "CPF"
    api.ok(api.http.delete("/api/v1/livechat/custom-fields/cpf", headers=api.admin))
    api.ok(api.post("livechat/custom-fields.remove", {"_id": "campaign"}, api.admin))
    assert api.get("livechat/custom-fields/cpf", api.admin).status_code == 404
    assert api.ok(api.get("livechat/custom-fields", api.admin, text="PLA"))["total"] == 1


@pytest.mark.parametrize(("data", "field", "error_type"), [
    ({"field": "has space"}, "customFieldData.field", "error-invalid-param"),
    ({"field": "plan"}, "customFieldData.field", "error-custom-field-name-already-exists"),
    ({"field": "x", "scope": "agent"}, "customFieldData.scope", "error-invalid-param"),
    ({"field": "x", "regexp": "([a-z"}, "customFieldData.regexp", "error-invalid-regexp"),
    ({"field": "x", "type": "select"}, "customFieldData.options", "error-invalid-param"),
    ({"field": "x", "type": "select", "options": "a,b", "defaultValue": "c"}, "customFieldData.defaultValue",
     "error-invalid-custom-field-value"),
])
def test_an_invalid_field_is_refused_naming_what_is_wrong(api: Api, data: dict[str, Any], field: str,
                                                          error_type: str) -> None:
    define(api, "plan")
    body = {"customFieldData": {"label": "X", "scope": "visitor", **data}}
    refused = api.post("livechat/custom-fields", body, api.admin)
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == field and refused.json()["errorType"] == error_type


def test_only_managers_define_fields(api: Api) -> None:
    _, agent = api.agent("bruno")
    body = {"customFieldData": {"field": "x", "label": "X", "scope": "visitor"}}
    assert api.post("livechat/custom-fields", body, agent).status_code == 403
    assert api.post("livechat/custom-fields", {**body, "customFieldId": "nope"}, api.admin).json()[
        "errorType"] == "error-invalid-custom-field"


def test_a_visitor_sets_a_field_checked_against_its_pattern(api: Api) -> None:
    define(api, "cpf", regexp=r"^\d{11}$")
    token = api.visitor("Ana")
    refused = api.post("livechat/custom.field", {"token": token, "key": "cpf", "value": "123", "overwrite": True})
    assert refused.status_code == 400 and refused.json()["field"] == "value"
    assert refused.json()["errorType"] == "error-invalid-custom-field-value"
    body = api.ok(api.post("livechat/custom.field", {"token": token, "key": "cpf", "value": "12345678901",
                                                     "overwrite": True}))
    assert body["field"] == {"key": "cpf", "value": "12345678901", "overwrite": True}
    assert visitor_data(api, token) == {"cpf": "12345678901"}


def test_unknown_keys_and_tokens_are_refused(api: Api) -> None:
    token = api.visitor("Ana")
    unknown = api.post("livechat/custom.field", {"token": token, "key": "shoe", "value": "42", "overwrite": True})
    assert unknown.status_code == 400 and unknown.json()["errorType"] == "invalid-custom-field"
    assert unknown.json()["field"] == "key"
    define(api, "plan")
    stranger = api.post("livechat/custom.field", {"token": "nobody", "key": "plan", "value": "pro"})
    assert stranger.status_code == 400 and stranger.json()["errorType"] == "invalid-token"


def test_without_overwrite_an_existing_value_is_kept(api: Api) -> None:
    define(api, "plan")
    token = api.visitor("Ana")
    api.ok(api.post("livechat/custom.field", {"token": token, "key": "plan", "value": "free", "overwrite": False}))
    api.ok(api.post("livechat/custom.field", {"token": token, "key": "plan", "value": "pro", "overwrite": False}))
    assert visitor_data(api, token) == {"plan": "free"}
    api.ok(api.post("livechat/custom.field", {"token": token, "key": "plan", "value": "pro", "overwrite": True}))
    assert visitor_data(api, token) == {"plan": "pro"}


def test_room_fields_go_to_the_visitors_open_chat(api: Api) -> None:
    define(api, "order_id", scope="room")
    api.agent("bruno")
    token = api.visitor("Ana")
    rid = api.room(token)["_id"]
    api.ok(api.post("livechat/custom.field", {"token": token, "key": "order_id", "value": "A-17"}))
    assert api.room(token)["livechatData"] == {"order_id": "A-17"}
    assert visitor_data(api, token) == {}
    room = api.ok(api.get("livechat/room.info", api.admin, rid=rid))["room"]
    assert room["livechatData"] == {"order_id": "A-17"}


def test_several_fields_at_once_are_all_valid_or_none_is_written(api: Api) -> None:
    define(api, "plan", type="select", options="free,pro")
    define(api, "cpf", regexp=r"^\d{11}$")
    token = api.visitor("Ana")
    refused = api.post("livechat/custom.fields", {"token": token, "customFields": [
        {"key": "plan", "value": "pro", "overwrite": True}, {"key": "cpf", "value": "x", "overwrite": True}]})
    assert refused.status_code == 400 and refused.json()["field"] == "customFields.1.value"
    assert visitor_data(api, token) == {}
    wrong_option = api.post("livechat/custom.fields", {"token": token, "customFields": [
        {"key": "plan", "value": "gold", "overwrite": True}]})
    assert wrong_option.status_code == 400 and wrong_option.json()["field"] == "customFields.0.value"
    body = api.ok(api.post("livechat/custom.fields", {"token": token, "customFields": [
        {"key": "plan", "value": "pro", "overwrite": True}, {"key": "cpf", "value": "12345678901",
                                                             "overwrite": False}]}))
    assert body["fields"] == [{"Key": "plan", "value": "pro", "overwrite": True},
                              {"Key": "cpf", "value": "12345678901", "overwrite": False}]
    assert visitor_data(api, token) == {"plan": "pro", "cpf": "12345678901"}


def test_registration_writes_only_known_visitor_fields(api: Api) -> None:
    define(api, "plan")
    define(api, "order_id", scope="room")
    token = secrets.token_hex(8)
    api.ok(api.post("livechat/visitor", {"visitor": {"token": token, "name": "Ana", "customFields": [
        {"key": "plan", "value": "pro", "overwrite": True}, {"key": "order_id", "value": "A-1", "overwrite": True},
        {"key": "shoe", "value": 42, "overwrite": True}]}}))
    assert visitor_data(api, token) == {"plan": "pro"}
    api.ok(api.post("livechat/visitor", {"visitor": {"token": token, "customFields": [
        {"key": "plan", "value": "free", "overwrite": False}]}}))
    assert visitor_data(api, token) == {"plan": "pro"}


PLANS = ("free", "pro", "team", "enterprise")


def test_many_visitors_viewing_pages_at_once_each_get_what_their_own_fields_say(
        api: Api, redis_server: EmbeddedRedis) -> None:
    """The HTTP version of tests/engine/test_visitor_isolation.py: 200 visitors, 16 at a time."""
    define(api, "plan")
    rules = [{"id": f"pricing-{plan}", "on": "page_viewed", "when": {"all": [
        {"fact": "visitor.custom_fields.plan", "op": "eq", "value": plan},
        {"fact": "event.url", "op": "matches", "value": "/pricing"}]},
        "then": [{"action": "send_message", "sender": "system", "text": f"offer:{plan}"}]} for plan in PLANS]
    api.ok(api.http.put("/api/v1/livechat/rules/triggers", json={"ruleset": "triggers", "rules": rules},
                        headers=api.admin))

    def visit(n: int) -> tuple[str, str]:
        token, plan = f"iso-{n}-{secrets.token_hex(4)}", PLANS[n % len(PLANS)]
        href = {"location": {"href": "https://shop.example/"}}
        api.ok(api.post("livechat/page.visited", {"token": token, "pageInfo": href}))
        api.ok(api.post("livechat/custom.field", {"token": token, "key": "plan", "value": plan}))
        href = {"location": {"href": "https://shop.example/pricing"}}
        api.ok(api.post("livechat/page.visited", {"token": token, "pageInfo": href}))
        return token, plan

    with ThreadPoolExecutor(16) as pool:
        visits = list(pool.map(visit, range(200)))
    store = redis.Redis.from_url(redis_server.url)
    for token, plan in visits:
        said = [json.loads(m)["msg"] for m in store.lrange(keys.visitor_pending_messages(token), 0, -1)]
        assert said == [f"offer:{plan}"], token
    store.close()
    token, plan = visits[0]  # and the message opens that visitor's chat
    api.visitor("Ana", token=token)
    rid = api.room(token)["_id"]
    history = api.ok(api.get(f"livechat/messages.history/{rid}", token=token))["messages"]
    assert history[-1]["msg"] == f"offer:{plan}"
