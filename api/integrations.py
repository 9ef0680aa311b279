"""Integrations: webhook settings, test and delivery log; offline messages; transcripts; SMTP."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from livechat.api import inputs
from livechat.api.auth import require_manager, runtime
from livechat.api.errors import ApiError, bad_request, not_found, ok
from livechat.api.openapi import documented
from livechat.engine import keys
from livechat.engine.dispatch import dispatch
from livechat.engine.events import EventType, event
from livechat.engine.runtime import Runtime
from livechat.engine.state import appearance, departments, offline, rooms, settings
from livechat.workers import delivery_store, http, payloads, webhooks
from livechat.workers import email as email_worker
from livechat.workers.deliveries import MASK, headers, mask

# Request body key (omnichannel/integrations) -> setting it writes.
INTEGRATION_SETTINGS = {
    "LivechatWebhookUrl": "Livechat_webhookUrl",
    "LivechatSecretToken": "Livechat_secret_token",
    "LivechatHttpTimeout": "Livechat_http_timeout",
    "LivechatWebhookOnStart": "Livechat_webhook_on_start",
    "LivechatWebhookOnChatQueued": "Livechat_webhook_on_chat_queued",
    "LivechatWebhookOnChatTaken": "Livechat_webhook_on_chat_taken",
    "LivechatWebhookOnForward": "Livechat_webhook_on_forward",
    "LivechatWebhookOnClose": "Livechat_webhook_on_close",
    "LivechatWebhookOnOfflineMsg": "Livechat_webhook_on_offline_msg",
    "LivechatWebhookOnVisitorMessage": "Livechat_webhook_on_visitor_message",
    "LivechatWebhookOnAgentMessage": "Livechat_webhook_on_agent_message",
    "LivechatWebhookOnCapture": "Livechat_webhook_on_capture",
    "LivechatWebhookRetries": "Livechat_webhook_retries",
    "LivechatWebhookRetryDelay": "Livechat_webhook_retry_delay",
}
SMTP_SETTINGS = ("SMTP_Host", "SMTP_Port", "SMTP_Username", "SMTP_Password", "SMTP_Security", "From_Email")
SECRETS = frozenset({"Livechat_secret_token", "SMTP_Password"})

OFFLINE_RATE_LIMIT = 5  # offline messages one client may send per window: a person, not a spammer ...
OFFLINE_RATE_WINDOW_S = 60  # ... per minute
PAGE_DEFAULT, PAGE_MAX = 50, 500


def _shown(values: dict[str, Any], names: Any) -> list[dict[str, Any]]:
    return [{"_id": name, "value": mask(str(values[name])) if name in SECRETS else values[name]}
            for name in names]


def _changes(data: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Settings to write; a secret sent back as its mask keeps its stored value."""
    return {names[key]: value for key, value in data.items()
            if not (names[key] in SECRETS and value == MASK)}


def _page(request: Request) -> tuple[int, int]:
    offset = inputs.query_int(request, "offset", 0, maximum=10**9)
    return offset, inputs.query_int(request, "count", PAGE_DEFAULT, minimum=1, maximum=PAGE_MAX)


@documented(request="integrations")
async def save_integrations(request: Request) -> JSONResponse:
    """Save the webhook settings (URL, secret token, timeout, retries, one switch per event)."""
    await require_manager(request)
    data = await inputs.body(request, "integrations")
    await settings.put(runtime(request).redis, _changes(data, INTEGRATION_SETTINGS))
    return ok()


@documented()
async def integration_settings(request: Request) -> JSONResponse:
    """The webhook settings; the secret token is masked."""
    await require_manager(request)
    current = await settings.load(runtime(request).redis)
    return ok(settings=_shown(current, INTEGRATION_SETTINGS.values()))


@documented()
async def webhook_test(request: Request) -> JSONResponse:
    """POST a sample `LivechatSession` to the webhook URL now; success only on HTTP 200."""
    await require_manager(request)
    current = await settings.load(runtime(request).redis)
    url = str(current["Livechat_webhookUrl"])
    if not url:
        raise bad_request("Livechat_webhookUrl", "No webhook URL is configured", "error-webhook-url-not-set")
    body = json.dumps(payloads.SAMPLE_SESSION, separators=(",", ":"))
    sent = headers(f"test-{uuid.uuid4().hex}", str(current["Livechat_secret_token"]), int(time.time()), body)
    answer = await asyncio.to_thread(http.post, url, body, sent, int(current["Livechat_http_timeout"]) / 1000)
    if answer.status != 200:
        raise ApiError(400, "error-invalid-webhook-response",
                       f"The webhook answered {answer.status or answer.error}; expected 200")
    return ok()


@documented()
async def list_deliveries(request: Request) -> JSONResponse:
    """The webhook delivery log, newest first: attempts, status, latency, response excerpt."""
    await require_manager(request)
    offset, count = _page(request)
    found, total = await delivery_store.page_async(runtime(request).redis, offset, count)
    return ok(deliveries=[d.to_dict() for d in found], count=len(found), offset=offset, total=total)


@documented()
async def get_delivery(request: Request) -> JSONResponse:
    """One delivery with the payload it sends."""
    await require_manager(request)
    found = await delivery_store.load_async(runtime(request).redis, request.path_params["id"])
    if found is None:
        raise not_found("Delivery", "id")
    return ok(delivery=found.to_dict(with_body=True))


@documented()
async def redeliver(request: Request) -> JSONResponse:
    """Send a delivery's payload again, as a new delivery to the current URL."""
    await require_manager(request)
    rt = runtime(request)
    found = await delivery_store.load_async(rt.redis, request.path_params["id"])
    if found is None:
        raise not_found("Delivery", "id")
    if not found.body:
        raise bad_request("id", "This delivery has no payload yet", "error-delivery-not-ready")
    new_id = await webhooks.redeliver(rt, found)
    created = await delivery_store.load_async(rt.redis, new_id)
    assert created is not None
    return ok(delivery=created.to_dict())


async def _rate_limit(rt: Runtime, bucket: str, client: str, limit: int, window_s: int) -> None:
    window = int(time.time()) // window_s
    key = keys.rate_limit(bucket, client, window)
    pipe = rt.redis.pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, window_s)
    used, _ = await pipe.execute()
    if int(used) > limit:
        raise ApiError(429, "error-too-many-requests",
                       f"Too many requests; wait {window_s - int(time.time()) % window_s} seconds")


@documented(request="offline-message")
async def offline_message(request: Request) -> JSONResponse:
    """A visitor leaves a message while nobody is online: stored, emailed, sent as a webhook."""
    rt = runtime(request)
    client = request.client.host if request.client else "unknown"
    await _rate_limit(rt, "offline", client, OFFLINE_RATE_LIMIT, OFFLINE_RATE_WINDOW_S)
    data = await inputs.body(request, "offline-message")
    current = await settings.load(rt.redis)
    if not current["Livechat_enabled"]:
        raise ApiError(400, "livechat-disabled", "Livechat is disabled")
    if not appearance.values(current)["Livechat_display_offline_form"]:
        raise ApiError(400, "error-offline-form-disabled", "The offline form is disabled")
    department_id = ""
    if data.get("department"):
        department = await departments.find(rt.redis, data["department"])
        if department is None or not department["enabled"] or not department["showOnOfflineForm"]:
            raise bad_request("department", "Invalid department", "error-invalid-department")
        department_id = department["_id"]
    record = await offline.save(rt.redis, data["name"].strip(), data["email"].strip(), data["message"],
                                department_id, data.get("host", ""), client)
    sent = event(EventType.OFFLINE_MESSAGE_SENT, offline_id=record["_id"], department=department_id or None)
    await dispatch(rt, sent)
    if current["SMTP_Host"]:
        rt.jobs.enqueue(email_worker.SEND, email_worker.OFFLINE_MESSAGE, None, sent)
    return ok(message="Livechat offline message sent")


@documented()
async def offline_messages(request: Request) -> JSONResponse:
    """Offline messages visitors left, newest first."""
    await require_manager(request)
    offset, count = _page(request)
    found, total = await offline.page(runtime(request).redis, offset, count)
    return ok(messages=found, count=len(found), offset=offset, total=total)


@documented(request="transcript")
async def transcript(request: Request) -> JSONResponse:
    """Email the visitor's conversation to the address given."""
    rt = runtime(request)
    data = await inputs.body(request, "transcript")
    room = await rooms.get(rt.redis, data["rid"])
    if room is None or room["token"] != data["token"]:
        raise bad_request("rid", "Invalid room", "invalid-room")
    if not await settings.get(rt.redis, "SMTP_Host"):
        raise ApiError(400, "error-email-not-configured", "Sending email is not configured")
    rt.jobs.enqueue(email_worker.SEND, email_worker.TRANSCRIPT, data["email"],
                    {"type": "transcript_requested", "rid": room["_id"], "token": room["token"]})
    return ok(message="Livechat transcript sent")


@documented()
async def smtp_settings(request: Request) -> JSONResponse:
    """Outgoing mail settings; the password is masked."""
    await require_manager(request)
    return ok(settings=_shown(await settings.load(runtime(request).redis), SMTP_SETTINGS))


@documented(request="smtp-settings")
async def save_smtp_settings(request: Request) -> JSONResponse:
    """Save outgoing mail settings (host, port, user, password, security, from)."""
    await require_manager(request)
    data = await inputs.body(request, "smtp-settings")
    await settings.put(runtime(request).redis, _changes(data, {name: name for name in SMTP_SETTINGS}))
    return ok()


routes = [
    Route("/api/v1/omnichannel/integrations", save_integrations, methods=["POST"]),
    Route("/api/v1/livechat/integrations.settings", integration_settings, methods=["GET"]),
    Route("/api/v1/livechat/webhook.test", webhook_test, methods=["POST"]),
    Route("/api/v1/livechat/webhooks/deliveries", list_deliveries, methods=["GET"]),
    Route("/api/v1/livechat/webhooks/deliveries/{id}", get_delivery, methods=["GET"]),
    Route("/api/v1/livechat/webhooks/deliveries/{id}/redeliver", redeliver, methods=["POST"]),
    Route("/api/v1/livechat/offline.message", offline_message, methods=["POST"]),
    Route("/api/v1/livechat/offline.messages", offline_messages, methods=["GET"]),
    Route("/api/v1/livechat/transcript", transcript, methods=["POST"]),
    Route("/api/v1/livechat/smtp.settings", smtp_settings, methods=["GET"]),
    Route("/api/v1/livechat/smtp.settings", save_smtp_settings, methods=["POST"]),
]
