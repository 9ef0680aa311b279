"""A visitor whose network drops gets every message sent meanwhile, once, when it comes back."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.widget_driver import host_page, launcher, messages, open_widget, register, say


def test_network_drop_loses_and_doubles_no_message(server: Any, host_site: Any, admin: Any, contexts: Any) -> None:
    agent = admin.agent("Rita Resume")
    admin.set_status(agent, "available")
    as_agent = admin.login(agent)
    visitor = contexts()
    visitor.goto(host_site.page("reconnect.html", host_page(server.url)))
    frame = open_widget(visitor)
    register(frame, "Nico Network", "nico@example.com")
    say(frame, "Are you there?")
    expect(frame.locator(".chat-status")).to_contain_text("Rita Resume")
    rid = next(r for r in admin.open_rooms() if r["fname"] == "Nico Network")["_id"]
    app = frame.locator("#app")
    expect(app).to_have_attribute("data-connection", "open")
    connects = int(app.get_attribute("data-connects") or "0")

    launcher(visitor).click()  # minimized: answers will show as a count on the launcher
    visitor.context.set_offline(True)
    expect(app).to_have_attribute("data-connection", "closed")
    for n in range(1, 4):
        sent = as_agent.post("chat.sendMessage", json={"message": {"rid": rid, "msg": f"While you were away {n}"}})
        assert sent.status_code == 200, sent.text
    visitor.context.set_offline(False)

    expect(app).to_have_attribute("data-connection", "open")
    assert int(app.get_attribute("data-connects") or "0") == connects + 1
    expect(launcher(visitor).locator(".pimentachat-badge")).to_have_text("3")
    launcher(visitor).click()
    expect(launcher(visitor).locator(".pimentachat-badge")).to_be_hidden()
    for n in range(1, 4):
        expect(messages(frame, f"While you were away {n}")).to_have_count(1)
    as_agent.post("chat.sendMessage", json={"message": {"rid": rid, "msg": "And one after"}})
    expect(messages(frame, "And one after")).to_have_count(1)
    expect(frame.locator(".messages li.message")).to_have_count(5)
