"""What a visitor can do in an open chat besides talking: get a transcript, end the chat."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from playwright.sync_api import expect

from livechat.engine.embedded_redis import free_port
from tests.browser.widget_driver import host_page, messages, open_widget, register, say

MAIL_WAIT_S = 15  # the worker sends the transcript within a second or two


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def wait_for_mail(self) -> str:
        deadline = time.monotonic() + MAIL_WAIT_S
        while not self.envelopes and time.monotonic() < deadline:
            time.sleep(0.1)
        assert self.envelopes, f"no mail within {MAIL_WAIT_S} s"
        message = email.message_from_bytes(self.envelopes[0].original_content or b"", policy=email.policy.default)
        return "\n".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")


@pytest.fixture
def inbox(admin: Any) -> Iterator[Inbox]:
    box = Inbox()
    box.controller.start()
    admin.call("POST", "livechat/smtp.settings", {"SMTP_Host": "127.0.0.1", "SMTP_Port": box.controller.port,
                                                  "SMTP_Security": "none", "From_Email": "chat@example.com"})
    yield box
    admin.call("POST", "livechat/smtp.settings", {"SMTP_Host": ""})
    box.controller.stop()


def test_visitor_gets_a_transcript_by_email_and_ends_the_chat(
        server: Any, host_site: Any, admin: Any, contexts: Any, inbox: Inbox) -> None:
    admin.set_status(admin.agent("Tom Transcript"), "available")
    visitor = contexts()
    visitor.goto(host_site.page("actions.html", host_page(server.url)))
    frame = open_widget(visitor)
    register(frame, "Xena Transcript", "xena@example.com")
    say(frame, "Please send me the price list")
    expect(messages(frame, "price list")).to_have_count(1)

    frame.locator(".chat-actions .transcript").click()
    frame.locator(".transcript-form input[name=email]").fill("xena@example.com")
    frame.locator(".transcript-form button[type=submit]").click()
    expect(frame.locator(".chat-panel")).to_contain_text("on its way")
    assert "Please send me the price list" in inbox.wait_for_mail()
    assert inbox.envelopes[0].rcpt_tos == ["xena@example.com"]

    frame.locator(".chat-actions .end-chat").click()
    frame.locator(".chat-panel .confirm-end").click()
    expect(frame.locator(".ended")).to_contain_text("Conversation finished")
    expect(messages(frame, "price list")).to_have_count(1)
    assert not [r for r in admin.open_rooms() if r["fname"] == "Xena Transcript"]
    assert "onChatEnded" in visitor.evaluate("window.events")
