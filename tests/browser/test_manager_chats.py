"""Chats and offline messages: managers find chats by state, agent, department and date, read any
transcript, and read what visitors left while nobody was online."""

from __future__ import annotations

import datetime
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.manager_driver import manager_console, row, shot, visitor_chat


def _filter(console: Any, **chosen: str) -> None:
    filters = console.locator("#chat-filters")
    for label, value in [("State", ""), ("Agent", ""), ("Department", "")]:
        filters.get_by_label(label, exact=True).select_option(chosen.get(label, value))
    filters.get_by_label("Started from").fill(chosen.get("from", ""))
    filters.get_by_role("button", name="Filter").click()


def test_chats_are_filtered_by_state_agent_department_and_date_and_transcripts_read(
        server: Any, admin: Any, contexts: Any, screenshots: Any) -> None:
    cal, dee = admin.agent("Cal Closer"), admin.agent("Dee Desk")
    admin.set_status(cal, "available")
    solved = visitor_chat(server.url, "Sol Solved", "My parcel is late")
    waiting = visitor_chat(server.url, "Tom Taken", "Do you ship to Peru?")
    admin.login(cal).post("chat.sendMessage", json={"message": {"rid": solved["rid"], "msg": "It ships <today>!"}})
    admin.call("POST", "livechat/room.closeByUser", {"rid": solved["rid"], "comment": "Resolved, tracking sent"})
    desk = admin.department("Chat Desk", [dee])  # Dee is away: this department's chat waits in the queue
    queued = visitor_chat(server.url, "Quinn Queued", "Anyone?", department=desk)

    console = manager_console(contexts(), server.url, "chats")
    _filter(console, State="closed")  # (closed chats forget their agent: see the report on livechat/rooms)
    listed = console.locator("#chat-list tbody tr")
    expect(row(console, "chat-list", "Sol Solved")).to_contain_text("Closed")
    expect(listed.filter(has_text="Tom Taken")).to_have_count(0)
    expect(listed.filter(has_text="Quinn Queued")).to_have_count(0)

    _filter(console, State="queued")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("Quinn Queued")
    expect(listed).to_contain_text("Chat Desk")

    _filter(console, State="taken", Agent=cal["_id"])
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("Tom Taken")

    _filter(console, Department=desk)
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("Quinn Queued")
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    _filter(console, Agent=cal["_id"], **{"from": tomorrow})
    expect(console.locator("#chat-list")).to_contain_text("No chats match.")

    _filter(console)
    row(console, "chat-list", "Sol Solved").get_by_role("button", name="Transcript").click()
    transcript = console.locator("#chat-detail")
    expect(transcript.locator("h3")).to_contain_text("with Sol Solved")
    expect(transcript.locator("#transcript .line")).to_have_count(3)
    expect(transcript.locator("#transcript .line.visitor")).to_contain_text("My parcel is late")
    expect(transcript.locator("#transcript .line.agent")).to_contain_text("It ships <today>!")
    expect(transcript).to_contain_text("Resolved, tracking sent")
    expect(transcript.locator(".facts")).to_contain_text("Cal Closer")
    shot(console, screenshots, "chats")
    assert {waiting["rid"], queued["rid"]} <= {r["_id"] for r in admin.open_rooms()}


def test_offline_messages_are_listed_newest_first(server: Any, admin: Any, contexts: Any, screenshots: Any) -> None:
    sent = httpx.post(f"{server.url}/api/v1/livechat/offline.message", timeout=10, json={
        "name": "Olive <i>Offline</i>", "email": "olive@example.com", "message": "Please call me\nafter 5 pm"})
    assert sent.status_code == 200, sent.text
    console = manager_console(contexts(), server.url, "offline")
    newest = console.locator("#offline-list tbody tr").first
    expect(newest).to_contain_text("Olive <i>Offline</i>")
    expect(newest).to_contain_text("olive@example.com")
    expect(newest.locator(".message-text")).to_have_text("Please call me\nafter 5 pm")
    shot(console, screenshots, "offline")
