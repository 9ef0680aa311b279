"""Text from visitors and agents is shown as text, never run as markup."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.widget_driver import agent_console, host_page, messages, open_chat, open_widget, register, reply, say

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_markup_in_messages_and_names_shows_as_text_and_runs_nothing(
        server: Any, host_site: Any, admin: Any, contexts: Any) -> None:
    agent = admin.agent("Ivy Inject")
    console = agent_console(contexts(), server.url, agent)
    visitor = contexts()
    visitor.goto(host_site.page("escaping.html", host_page(server.url)))
    frame = open_widget(visitor)
    visitor_name = "<b onmouseover=alert(2)>Eve</b>"
    register(frame, visitor_name, "eve@example.com")
    say(frame, PAYLOAD)

    expect(messages(frame, PAYLOAD)).to_have_text(PAYLOAD)
    room = open_chat(console, visitor_name)
    expect(messages(room, PAYLOAD)).to_have_text(PAYLOAD)
    expect(console.locator(".room-header h2")).to_have_text(visitor_name)
    expect(console.locator("#visitor-info")).to_contain_text(visitor_name)
    reply(console, f"You wrote {PAYLOAD}")
    expect(messages(frame, f"You wrote {PAYLOAD}")).to_have_count(1)

    for page_ in (console, visitor):
        assert page_.locator("img, b").count() == 0
    assert frame.locator("img, b").count() == 0
    visitor.wait_for_timeout(300)  # an injected onerror would have fired by now
    assert contexts.watch.dialogs == []
