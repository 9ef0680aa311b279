"""Departments on the pre-chat form, the queue in the console, taking and transferring chats."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.widget_driver import agent_console, host_page, open_chat, open_widget, register, say


def test_department_select_appears_with_two_departments_and_routes_the_chat(
        server: Any, host_site: Any, admin: Any, contexts: Any) -> None:
    sam, sue = admin.agent("Sam Sales"), admin.agent("Sue Support")
    sales = admin.department("Sales", [sam])
    support = admin.department("Support", [sue])
    for agent in (sam, sue):
        admin.set_status(agent, "available")
    url = host_site.page("departments.html", host_page(server.url))

    visitor = contexts()
    visitor.goto(url)
    frame = open_widget(visitor)
    select = frame.locator("form.registration select[name=department]")
    expect(select.locator("option")).to_have_text(["Choose a department", "Sales", "Support"])
    register(frame, "Dana Department", "dana@example.com", department="Support")
    say(frame, "My order arrived broken")
    expect(frame.locator(".chat-status")).to_contain_text("Sue Support")
    room = next(r for r in admin.open_rooms() if r["fname"] == "Dana Department")
    assert room["departmentId"] == support and room["servedBy"]["_id"] == sue["_id"]

    chosen_by_site = contexts()  # the site picks the department: no select, routed there
    chosen_by_site.goto(url)
    chosen_by_site.evaluate("pimentachat(function () { this.setDepartment('Sales') })")
    frame = open_widget(chosen_by_site)
    expect(frame.locator("form.registration input[name=email]")).to_be_visible()
    expect(frame.locator("form.registration select")).to_have_count(0)
    register(frame, "Simon Site", "simon@example.com")
    say(frame, "Do you sell in bulk?")
    expect(frame.locator(".chat-status")).to_contain_text("Sam Sales")

    admin.call("DELETE", f"livechat/department/{sales}")
    admin.departments.remove(sales)
    second = contexts()
    second.goto(url)
    frame = open_widget(second)
    expect(frame.locator("form.registration input[name=email]")).to_be_visible()
    expect(frame.locator("form.registration select")).to_have_count(0)


def test_agent_takes_a_queued_chat_from_the_live_queue_and_transfers_it(
        server: Any, host_site: Any, admin: Any, contexts: Any, screenshots: Any) -> None:
    quinn = admin.agent("Quinn Queue", roles=["livechat-agent", "livechat-manager"])
    fred = admin.agent("Fred Front")
    admin.department("Billing", [quinn])
    admin.department("Front desk", [fred])
    admin.set_status(fred, "available")  # someone is online, but nobody in Billing
    console = agent_console(contexts(), server.url, quinn, available=False)
    expect(console.locator("#queue li.empty-row")).to_be_visible()

    visitor = contexts()
    visitor.goto(host_site.page("queue.html", host_page(server.url)))
    frame = open_widget(visitor)
    register(frame, "Quentin Waiting", "quentin@example.com", department="Billing")
    say(frame, "Why was I charged twice?")
    expect(frame.locator(".chat-status")).to_contain_text("number 1 in the queue")
    events = visitor.evaluate("window.events")
    assert "onQueuePositionChange" in events

    waiting = console.locator("#queue li", has_text="Quentin Waiting")
    expect(waiting).to_be_visible()  # arrived live, on an `inquiry` frame
    waiting.locator("button.take").click()
    expect(console.locator("#queue li.empty-row")).to_be_visible()
    room = open_chat(console, "Quentin Waiting")
    expect(room.locator(".messages")).to_contain_text("charged twice")
    expect(frame.locator(".chat-status")).to_contain_text("Quinn Queue")

    room.locator(".transfer").click()
    console.locator(".transfer-form select[name=agent]").select_option(label="Fred Front (available)")
    console.screenshot(path=screenshots / "agent-console-transfer.png")
    console.locator(".transfer-form .confirm-transfer").click()
    expect(console.locator("#chats li", has_text="Quentin Waiting")).to_have_count(0)
    expect(frame.locator(".chat-status")).to_contain_text("Fred Front")
    served = next(r for r in admin.open_rooms() if r["fname"] == "Quentin Waiting")
    assert served["servedBy"]["_id"] == fred["_id"]
