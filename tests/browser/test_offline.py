"""Nobody available: the widget offers the offline form and acknowledges the message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.widget_driver import host_page, open_widget


def test_offline_form_is_shown_submitted_and_acknowledged(
        server: Any, host_site: Any, admin: Any, contexts: Any, screenshots: Path) -> None:
    assert admin.call("GET", "livechat/config")["config"]["online"] is False
    visitor = contexts()
    visitor.goto(host_site.page("offline.html", host_page(server.url)))
    frame = open_widget(visitor)
    form = frame.locator("form.offline")
    expect(form).to_be_visible()
    expect(frame.locator("#title")).to_have_text("Leave a message")
    visitor.screenshot(path=screenshots / "widget-offline.png")

    form.locator("input[name=name]").fill("Olga Offline")
    form.locator("input[name=email]").fill("olga@example.com")
    form.locator("textarea[name=message]").fill("Please call me back about a bulk order.")
    form.locator("button[type=submit]").click()
    expect(frame.locator(".notice.success")).to_have_text("Thanks! We will get back to you soon.")

    events = visitor.evaluate("window.events")
    assert "onServiceOffline" in events and "onOfflineFormSubmit" in events
    stored = admin.call("GET", "livechat/offline.messages")
    assert any(m["email"] == "olga@example.com" for m in stored.get("messages", []))
