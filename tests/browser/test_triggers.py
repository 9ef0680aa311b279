"""Trigger messages reach the visitor before any chat, and open the chat when it starts."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.widget_driver import host_page, launcher, messages, register, say


def test_time_on_site_trigger_greets_the_visitor_and_opens_their_chat(
        server: Any, host_site: Any, admin: Any, contexts: Any) -> None:
    admin.set_status(admin.agent("Tina Trigger"), "available")
    admin.trigger({"name": "Linger", "enabled": True, "runOnce": False,
                   "conditions": [{"name": "time-on-site", "value": 1}],
                   "actions": [{"name": "send-message",
                                "params": {"sender": "custom", "name": "Penny", "msg": "Need a hand choosing?"}}]})
    page = contexts()
    page.goto(host_site.page("trigger.html", host_page(server.url)))
    expect(launcher(page)).to_be_visible()
    frame = page.frame_locator("iframe.pimentachat-frame")
    expect(page.locator("iframe.pimentachat-frame")).to_be_visible()  # the trigger opened the widget
    expect(frame.locator(".messages.triggers")).to_contain_text("Need a hand choosing?")

    register(frame, "Terry Trigger", "terry@example.com")
    say(frame, "Yes please")
    expect(messages(frame, "Yes please")).to_have_count(1)
    expect(messages(frame, "Need a hand choosing?")).to_have_count(1)  # now the chat's first message, once
