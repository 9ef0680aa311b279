"""Settings page: turning Livechat off hides the widget on sites; global options, the offline email
and outgoing mail are saved where the server reads them."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.manager_driver import manager_console, restored, save, shot, widget_config
from tests.browser.widget_driver import host_page, launcher


def test_disabling_livechat_hides_the_widget_and_enabling_it_brings_it_back(
        server: Any, host_site: Any, admin: Any, contexts: Any, screenshots: Any) -> None:
    shop = host_site.page("manager-enabled.html", host_page(server.url))
    with restored(admin):
        console = manager_console(contexts(), server.url, "settings")
        form = console.locator("#settings-form")
        form.get_by_label("Livechat enabled").uncheck()
        save(form, "Save settings")
        shot(console, screenshots, "settings")
        assert widget_config(server.url) == {"enabled": False}

        visitor = contexts()
        visitor.goto(shop)
        widget = visitor.frame_locator("iframe.pimentachat-frame")
        expect(widget.locator("#body")).to_contain_text("Livechat is not available.")  # config loaded: disabled
        expect(launcher(visitor)).to_be_hidden()

        form.get_by_label("Livechat enabled").check()
        save(form, "Save settings")
        visitor.reload()
        expect(launcher(visitor)).to_be_visible()


def test_global_options_offline_email_and_smtp_are_saved(
        server: Any, admin: Any, contexts: Any) -> None:
    with restored(admin):
        console = manager_console(contexts(), server.url, "settings")
        form = console.locator("#settings-form")
        form.get_by_label("Maximum chats per agent").fill("3")
        form.get_by_label("Grace period (seconds)").fill("45")
        form.get_by_label("Close inactive chats after (seconds)").fill("900")
        form.get_by_label("Agents must write a comment when closing a chat").check()
        save(form, "Save settings")
        for name, value in [("Livechat_max_chats_per_agent", 3), ("Livechat_agent_grace_seconds", 45),
                            ("Livechat_visitor_inactivity_close_seconds", 900),
                            ("Livechat_request_comment_when_closing_conversation", True)]:
            assert admin.call("GET", f"settings/{name}")["value"] == value

        form.get_by_label("Grace period (seconds)").fill("-5")  # refused: the field says why
        form.get_by_role("button", name="Save settings").click()
        expect(form.get_by_label("Grace period (seconds)")).to_have_attribute("aria-invalid", "true")
        expect(form.locator(".form-error")).to_contain_text("whole number")
        assert admin.call("GET", "settings/Livechat_agent_grace_seconds")["value"] == 45

        offline = console.locator("#offline-email-form")
        offline.get_by_label("Send offline messages to").fill("help@shop.example")
        save(offline, "Save offline email")
        look = {a["_id"]: a["value"] for a in admin.call("GET", "livechat/appearance")["appearance"]}
        assert look["Livechat_offline_email"] == "help@shop.example"

        smtp = console.locator("#smtp-form")
        smtp.get_by_label("Server (host)").fill("smtp.shop.example")
        smtp.get_by_label("Port").fill("2525")
        smtp.get_by_label("Security").select_option("none")
        smtp.get_by_label("Username").fill("mailer")
        smtp.get_by_label("Password").fill("s3cret-pass")
        smtp.get_by_label("From address").fill("not an address")
        smtp.get_by_role("button", name="Save email settings").click()
        expect(smtp.get_by_label("From address")).to_have_attribute("aria-invalid", "true")
        smtp.get_by_label("From address").fill("chat@shop.example")
        save(smtp, "Save email settings")
        mail = {s["_id"]: s["value"] for s in admin.call("GET", "livechat/smtp.settings")["settings"]}
        assert mail == {"SMTP_Host": "smtp.shop.example", "SMTP_Port": 2525, "SMTP_Username": "mailer",
                        "SMTP_Password": "********", "SMTP_Security": "none", "From_Email": "chat@shop.example"}
        assert widget_config(server.url)["settings"]["transcript"] is True  # visitors may now ask for one

        console.reload()  # what the page shows is what was saved; the password stays masked
        expect(console.get_by_label("Maximum chats per agent")).to_have_value("3")
        expect(console.locator("#smtp-form").get_by_label("Password")).to_have_value("********")
