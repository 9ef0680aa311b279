"""Webhooks page: settings saved in the page are the ones the API reports and the workers use; the test
button reaches the CRM with the generated secret; the delivery log shows deliveries and redelivers."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.manager_driver import Receiver, manager_console, restored, save, shot

EVENT_SWITCHES = ["Chat started", "Chat queued", "Chat taken by an agent", "Chat forwarded",
                  "Chat closed (LivechatSession)", "Offline message", "Visitor message", "Agent message",
                  "Lead capture (email or phone in a message)"]


def test_webhook_settings_test_button_delivery_log_and_redeliver(
        server: Any, admin: Any, contexts: Any, screenshots: Any) -> None:
    with restored(admin), Receiver() as crm:
        console = manager_console(contexts(), server.url, "webhooks")
        form = console.locator("#webhook-form")
        form.get_by_label("Webhook URL").fill(crm.url)
        secret = form.get_by_label("Secret token")
        form.get_by_role("button", name="Generate").click()
        expect(secret).to_have_attribute("type", "text")  # a new secret is shown, to copy into the CRM
        token = secret.input_value()
        assert re.fullmatch(r"[0-9a-f]{64}", token)
        form.get_by_role("button", name="Hide").click()
        expect(secret).to_have_attribute("type", "password")
        form.get_by_label("Timeout (seconds)").fill("3")
        wanted = ("Offline message", "Chat closed (LivechatSession)")
        for label in EVENT_SWITCHES:
            form.get_by_label(label, exact=True).set_checked(label in wanted)
        save(form, "Save webhook settings")

        saved = {s["_id"]: s["value"] for s in admin.call("GET", "livechat/integrations.settings")["settings"]}
        assert saved["Livechat_webhookUrl"] == crm.url
        assert saved["Livechat_secret_token"] == "********"
        assert saved["Livechat_http_timeout"] == 3000
        assert saved["Livechat_webhook_on_offline_msg"] is True and saved["Livechat_webhook_on_close"] is True
        assert saved["Livechat_webhook_on_start"] is False and saved["Livechat_webhook_on_visitor_message"] is False

        form.get_by_role("button", name="Send a test").click()
        expect(form.locator(".form-status")).to_contain_text("the webhook answered 200")
        [test] = crm.of_type("LivechatSession")
        assert test["headers"]["X-pimentachat-Livechat-Token"] == token

        sent = httpx.post(f"{server.url}/api/v1/livechat/offline.message", timeout=10,
                          json={"name": "Otto Offline", "email": "otto@example.com", "message": "Call me back"})
        assert sent.status_code == 200, sent.text
        log = console.locator("#delivery-list")
        delivered = log.locator("tbody tr[data-state=delivered]", has_text="LivechatOfflineMessage")
        expect(delivered).to_have_count(1, timeout=20_000)  # the worker delivers; the log refreshes itself
        assert crm.of_type("LivechatOfflineMessage")[0]["body"]["message"] == "Call me back"

        delivered.get_by_role("button", name="Details").click()
        expect(console.locator("#delivery-detail")).to_contain_text('"message": "Call me back"')
        delivered.get_by_role("button", name="Redeliver").click()
        expect(log.locator("tbody tr", has_text="(redelivery)")).to_have_attribute("data-state", "delivered",
                                                                                   timeout=20_000)
        assert len(crm.of_type("LivechatOfflineMessage")) == 2
        shot(console, screenshots, "webhooks")
