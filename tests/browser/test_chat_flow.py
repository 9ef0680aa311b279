"""A visitor on a customer's site (another origin) chats with an agent in the console."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.widget_driver import (
    agent_console,
    close_chat,
    host_page,
    leaked_globals,
    magento_page,
    messages,
    open_chat,
    open_widget,
    register,
    reply,
    say,
)


def chat_until_the_agent_closes(visitor: Page, console: Page, agent: dict[str, Any], screenshots: Path | None,
                                name: str) -> None:
    """Register, talk both ways with typing indicators, the agent closes; then reload and see it all."""
    if screenshots:
        visitor.screenshot(path=screenshots / "widget-closed.png")
    frame = open_widget(visitor)
    expect(frame.locator("form.registration")).to_be_visible()
    if screenshots:
        visitor.screenshot(path=screenshots / "widget-open.png")
    register(frame, name, f"{name.split()[0].lower()}@example.com")
    say(frame, "Hello, do you ship to Lisbon?")
    expect(messages(frame, "do you ship to Lisbon?")).to_have_count(1)
    expect(frame.locator(".chat-status")).to_contain_text(agent["name"])  # round robin picked the only agent

    room = open_chat(console, name)
    expect(messages(room, "do you ship to Lisbon?")).to_have_count(1)
    room.locator("textarea").press_sequentially("Yes")
    expect(frame.locator(".typing")).to_contain_text("is typing")
    reply(console, "Yes, we ship to Lisbon in 2 days.")
    expect(messages(frame, "we ship to Lisbon in 2 days")).to_have_count(1)
    expect(frame.locator(".typing")).to_be_hidden()

    frame.locator(".composer-input").press_sequentially("Gr")
    expect(room.locator(".typing")).to_contain_text("visitor is typing")
    frame.locator(".composer-input").fill("")
    say(frame, "Great, thanks!")
    expect(messages(room, "Great, thanks!")).to_have_count(1)
    if screenshots:
        visitor.screenshot(path=screenshots / "widget-chatting.png")
        console.screenshot(path=screenshots / "agent-console.png")

    close_chat(console, "Shipping question answered", "shipping, lisbon")
    expect(frame.locator(".ended")).to_contain_text("Conversation finished")
    expect(frame.locator(".composer")).to_be_hidden()
    events = visitor.evaluate("window.events")
    for name_ in ("onChatMaximized", "onPrechatFormSubmit", "onChatStarted", "onAssignAgent", "onChatEnded"):
        assert name_ in events, f"{name_} not called; got {events}"
    assert visitor.evaluate("window.callbackThis") is True

    visitor.reload()
    frame = open_widget(visitor)
    for text in ("do you ship to Lisbon?", "we ship to Lisbon in 2 days", "Great, thanks!"):
        expect(messages(frame, text)).to_have_count(1)
    expect(frame.locator(".ended")).to_be_visible()


def test_visitor_on_another_origin_chats_and_sees_the_history_after_reload(
        server: Any, host_site: Any, admin: Any, contexts: Any, screenshots: Path) -> None:
    agent = admin.agent("Alice Agent")
    console = agent_console(contexts(), server.url, agent)
    visitor = contexts()
    visitor.goto(host_site.page("shop.html", host_page(server.url)))
    assert visitor.evaluate("location.origin") != server.url

    chat_until_the_agent_closes(visitor, console, agent, screenshots, "Vera Visitor")

    assert leaked_globals(visitor) == []
    closed = admin.call("GET", "livechat/rooms", open="false")["rooms"]
    mine = [r for r in closed if r["fname"] == "Vera Visitor"]
    assert mine and mine[0]["tags"] == ["shipping", "lisbon"] and mine[0]["comment"] == "Shipping question answered"


def test_magento_page_with_requirejs_and_jquery_runs_the_widget(
        server: Any, host_site: Any, admin: Any, contexts: Any, npm_packages: dict[str, str]) -> None:
    agent = admin.agent("Mark Agent")
    console = agent_console(contexts(), server.url, agent)
    visitor = contexts()
    visitor.goto(host_site.page("magento.html", magento_page(server.url, npm_packages)))
    expect(visitor.locator(".pimentachat-launcher")).to_be_visible()
    assert visitor.evaluate("window.jqueryVersion").startswith("3.")
    assert visitor.evaluate("typeof window.define.amd") == "object"

    chat_until_the_agent_closes(visitor, console, agent, None, "Maggie Magento")

    assert leaked_globals(visitor) == []
