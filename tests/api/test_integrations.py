"""Managers wire a CRM and a mail server; visitors leave offline messages and ask for transcripts.

Runs against a live `livechat serve` (API + worker) with a local HTTP receiver and SMTP server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import Api
from tests.workers.conftest import SECRET, Inbox, Receiver, check_request, text_parts, wait_for

VALID_OFFLINE = {"name": "Rita", "email": "rita@example.com", "message": "Please call me back"}


@pytest.fixture
def crm() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    box.controller.start()
    yield box
    box.controller.stop()


def enable_webhooks(api: Api, url: str, **switches: Any) -> None:
    api.ok(api.post("omnichannel/integrations", {
        "LivechatWebhookUrl": url, "LivechatSecretToken": SECRET, "LivechatHttpTimeout": 2000,
        "LivechatWebhookRetryDelay": 1, **switches}, api.admin))


def enable_mail(api: Api, inbox: Inbox) -> None:
    api.ok(api.post("livechat/smtp.settings", {"SMTP_Host": "127.0.0.1", "SMTP_Port": inbox.port,
                                               "SMTP_Security": "none", "From_Email": "support@example.com"},
                    api.admin))


def settings_of(api: Api, path: str) -> dict[str, Any]:
    return {s["_id"]: s["value"] for s in api.ok(api.get(path, api.admin))["settings"]}


# --- integration settings -----------------------------------------------------------------

def test_webhook_settings_are_saved_and_the_secret_is_only_shown_masked(api: Api) -> None:
    enable_webhooks(api, "https://crm.example.com/hook", LivechatWebhookOnClose=True, LivechatWebhookRetries=3)
    shown = settings_of(api, "livechat/integrations.settings")
    assert shown["Livechat_webhookUrl"] == "https://crm.example.com/hook"
    assert shown["Livechat_secret_token"] == "********" and SECRET not in str(shown)
    assert shown["Livechat_webhook_on_close"] is True and shown["Livechat_webhook_on_start"] is False
    assert shown["Livechat_http_timeout"] == 2000 and shown["Livechat_webhook_retries"] == 3


def test_sending_the_mask_back_keeps_the_secret(api: Api, crm: Receiver) -> None:
    enable_webhooks(api, crm.url)
    api.ok(api.post("omnichannel/integrations", {"LivechatSecretToken": "********",
                                                 "LivechatWebhookOnStart": True}, api.admin))
    api.ok(api.post("livechat/webhook.test", {}, api.admin))
    check_request(crm.requests[0], SECRET)


def test_only_managers_change_integrations(api: Api) -> None:
    _, agent = api.agent("bruno")
    assert api.post("omnichannel/integrations", {"LivechatWebhookUrl": ""}).status_code == 401
    assert api.post("omnichannel/integrations", {"LivechatWebhookUrl": ""}, agent).status_code == 403
    assert api.get("livechat/integrations.settings", agent).status_code == 403
    assert api.get("livechat/webhooks/deliveries", agent).status_code == 403


@pytest.mark.parametrize(("body", "field"), [
    ({"LivechatHttpTimeout": "fast"}, "LivechatHttpTimeout"),
    ({"LivechatWebhookUrl": "ftp://crm.example.com"}, "LivechatWebhookUrl"),
    ({"LivechatWebhookOnClose": "yes"}, "LivechatWebhookOnClose"),
    ({"LivechatWebhookRetries": -1}, "LivechatWebhookRetries"),
    ({"LivechatWebhookSomething": True}, "LivechatWebhookSomething"),
])
def test_bad_integration_settings_name_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    answer = api.post("omnichannel/integrations", body, api.admin)
    assert answer.status_code == 400 and answer.json()["field"] == field


def test_the_webhook_test_posts_a_signed_sample_and_succeeds_only_on_200(api: Api, crm: Receiver) -> None:
    enable_webhooks(api, crm.url)
    api.ok(api.post("livechat/webhook.test", {}, api.admin))
    assert check_request(crm.requests[0])["type"] == "LivechatSession"
    crm.answer = lambda n: (500, 0.0)
    failed = api.post("livechat/webhook.test", {}, api.admin)
    assert failed.status_code == 400 and failed.json()["errorType"] == "error-invalid-webhook-response"


# --- deliveries through the whole product ---------------------------------------------------

def test_a_chat_start_and_close_reach_the_crm_in_order_and_fill_the_delivery_log(api: Api, crm: Receiver) -> None:
    enable_webhooks(api, crm.url, LivechatWebhookOnStart=True, LivechatWebhookOnClose=True)
    api.agent("bruno")
    token = api.visitor("Ana")
    rid = api.room(token)["_id"]
    api.say(token, rid, "Hello")
    api.ok(api.post("livechat/room.close", {"token": token, "rid": rid}))

    wait_for(lambda: len(crm.answered(200)) == 2, what="two webhooks")
    payloads = [check_request(r) for r in crm.requests]
    assert [p["type"] for p in payloads] == ["LivechatSessionStart", "LivechatSession"]
    assert payloads[1]["_id"] == rid and payloads[1]["closer"] == "visitor"
    assert [m["msg"] for m in payloads[1]["messages"]] == ["Hello"]

    log = wait_for(lambda: [d for d in api.ok(api.get("livechat/webhooks/deliveries", api.admin))["deliveries"]
                            if d["state"] == "delivered"], what="log")
    assert [d["type"] for d in log] == ["LivechatSession", "LivechatSessionStart"]  # newest first
    assert log[0]["rid"] == rid and log[0]["attempts"][0]["status"] == 200
    assert log[0]["attempts"][0]["latency_ms"] >= 0 and log[0]["attempts"][0]["response"] == '{"ok": true}'

    again = api.ok(api.post(f"livechat/webhooks/deliveries/{log[0]['id']}/redeliver", {}, api.admin))["delivery"]
    assert again["redelivery_of"] == log[0]["id"] and again["id"] != log[0]["id"]
    wait_for(lambda: len(crm.requests) == 3, what="redelivery")
    assert crm.requests[2].body == crm.requests[1].body
    assert crm.requests[2].headers["X-pimentachat-Delivery"] == again["id"]
    shown = api.ok(api.get(f"livechat/webhooks/deliveries/{again['id']}", api.admin))["delivery"]
    assert shown["body"]["_id"] == rid


def test_an_unknown_delivery_is_not_found(api: Api) -> None:
    assert api.get("livechat/webhooks/deliveries/nope", api.admin).status_code == 404
    assert api.post("livechat/webhooks/deliveries/nope/redeliver", {}, api.admin).status_code == 404


# --- offline messages ----------------------------------------------------------------------

@pytest.mark.parametrize(("change", "field"), [
    ({"name": None}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"email": "not-an-email"}, "email"),
    ({"email": None}, "email"),
    ({"message": ""}, "message"),
    ({"message": "x" * 10_001}, "message"),
    ({"department": "no-such-department"}, "department"),
    ({"extra": "field"}, "extra"),
])
def test_an_offline_message_with_a_bad_field_is_refused_naming_it(
        api: Api, change: dict[str, Any], field: str) -> None:
    body = {k: v for k, v in {**VALID_OFFLINE, **change}.items() if v is not None}
    answer = api.post("livechat/offline.message", body)
    assert answer.status_code == 400 and answer.json()["field"] == field, answer.text
    assert answer.json()["success"] is False


def test_a_department_hidden_from_the_offline_form_is_refused(api: Api) -> None:
    hidden = api.department("Internal", [], showOnOfflineForm=False)
    answer = api.post("livechat/offline.message", {**VALID_OFFLINE, "department": hidden})
    assert answer.status_code == 400 and answer.json()["field"] == "department"


def test_offline_messages_are_rate_limited_per_client(api: Api) -> None:
    for _ in range(5):
        api.ok(api.post("livechat/offline.message", VALID_OFFLINE))
    refused = api.post("livechat/offline.message", VALID_OFFLINE)
    assert refused.status_code == 429
    assert refused.json()["success"] is False and refused.json()["errorType"] == "error-too-many-requests"


def test_an_offline_message_is_stored_listed_emailed_and_sent_as_a_webhook(
        api: Api, crm: Receiver, inbox: Inbox) -> None:
    enable_webhooks(api, crm.url, LivechatWebhookOnOfflineMsg=True)
    enable_mail(api, inbox)
    sales = api.department("Sales", [], email="sales@example.com")
    answer = api.ok(api.post("livechat/offline.message", {**VALID_OFFLINE, "department": sales,
                                                          "host": "https://shop.example.com/pricing"}))
    assert answer["message"] == "Livechat offline message sent"

    [listed] = api.ok(api.get("livechat/offline.messages", api.admin))["messages"]
    assert listed["name"] == "Rita" and listed["department"] == sales and listed["message"] == "Please call me back"
    wait_for(lambda: crm.answered(200), what="webhook")
    assert check_request(crm.requests[0]) == {"type": "LivechatOfflineMessage", "sentAt": listed["ts"],
                                              "visitor": {"name": "Rita", "email": "rita@example.com"},
                                              "message": "Please call me back"}
    wait_for(lambda: inbox.envelopes, what="email")
    assert inbox.envelopes[0].rcpt_tos == ["sales@example.com"]
    assert "Please call me back" in text_parts(inbox.messages()[0])["plain"]


def test_listing_offline_messages_needs_a_manager(api: Api) -> None:
    assert api.get("livechat/offline.messages").status_code == 401


# --- transcripts and mail settings -----------------------------------------------------------

def test_a_visitor_gets_the_transcript_of_their_chat_by_email(api: Api, inbox: Inbox) -> None:
    enable_mail(api, inbox)
    _, agent = api.agent("bruno")
    token = api.visitor("Ana")
    rid = api.room(token)["_id"]
    api.say(token, rid, "Where is my order?")
    api.answer(agent, rid, "It ships today.")
    answer = api.ok(api.post("livechat/transcript", {"token": token, "rid": rid, "email": "ana@example.com"}))
    assert answer["message"] == "Livechat transcript sent"

    wait_for(lambda: inbox.envelopes, what="transcript")
    assert inbox.envelopes[0].rcpt_tos == ["ana@example.com"]
    plain = text_parts(inbox.messages()[0])["plain"]
    assert plain.index("Where is my order?") < plain.index("It ships today.")


def test_a_transcript_of_someone_elses_chat_is_refused(api: Api, inbox: Inbox) -> None:
    enable_mail(api, inbox)
    api.agent("bruno")
    rid = api.room(api.visitor("Ana"))["_id"]
    answer = api.post("livechat/transcript", {"token": api.visitor("Eve"), "rid": rid, "email": "eve@example.com"})
    assert answer.status_code == 400 and answer.json()["errorType"] == "invalid-room"
    bad_email = api.post("livechat/transcript", {"token": "t", "rid": rid, "email": "nope"})
    assert bad_email.status_code == 400 and bad_email.json()["field"] == "email"


def test_smtp_settings_never_echo_the_password(api: Api) -> None:
    api.ok(api.post("livechat/smtp.settings", {"SMTP_Host": "smtp.example.com", "SMTP_Port": 465,
                                               "SMTP_Username": "mailer", "SMTP_Password": "hunter22",
                                               "SMTP_Security": "tls"}, api.admin))
    api.ok(api.post("livechat/smtp.settings", {"SMTP_Password": "********"}, api.admin))
    shown = settings_of(api, "livechat/smtp.settings")
    assert shown == {"SMTP_Host": "smtp.example.com", "SMTP_Port": 465, "SMTP_Username": "mailer",
                     "SMTP_Password": "********", "SMTP_Security": "tls", "From_Email": ""}
    bad = api.post("livechat/smtp.settings", {"SMTP_Security": "ssl3"}, api.admin)
    assert bad.status_code == 400 and bad.json()["field"] == "SMTP_Security"
