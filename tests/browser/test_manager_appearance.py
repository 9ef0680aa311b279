"""Appearance page: the preview follows every keystroke; saved, the widget on sites shows the new look."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.manager_driver import manager_console, restored, save, shot, widget_config
from tests.browser.widget_driver import host_page, open_widget


def test_appearance_changes_show_in_the_preview_at_once_and_in_the_widget_once_saved(
        server: Any, host_site: Any, admin: Any, contexts: Any, screenshots: Any) -> None:
    admin.set_status(admin.agent("Ada Appearance"), "available")
    with restored(admin):
        console = manager_console(contexts(), server.url, "appearance")
        form = console.locator("#appearance-form")
        preview = console.locator("#preview")
        form.get_by_label("Title", exact=True).fill("Ask <Pepper>")
        form.get_by_label("Title colour", exact=True).fill("#1a7f37")
        form.get_by_label("Message above the form").fill("We answer in minutes.")
        form.get_by_label("Ask for the email").uncheck()
        expect(preview.locator(".preview-title")).to_have_text("Ask <Pepper>")  # before saving
        expect(preview.locator(".preview-header")).to_have_css("background-color", "rgb(26, 127, 55)")
        expect(preview).to_contain_text("We answer in minutes.")
        expect(preview.locator(".preview-input")).to_have_text(["Name"])

        form.get_by_label("Position on the page").select_option("left")
        expect(preview).to_have_attribute("data-position", "left")
        console.get_by_role("button", name="Offline").click()
        form.get_by_label("Title when offline").fill("Back soon")
        expect(preview.locator(".preview-title")).to_have_text("Back soon")
        shot(console, screenshots, "appearance")

        save(form, "Save appearance", "Saved: visitors see it")
        theme = widget_config(server.url)["theme"]
        assert (theme["title"], theme["color"], theme["offlineTitle"], theme["position"]) == (
            "Ask <Pepper>", "#1a7f37", "Back soon", "left")

        visitor = contexts()
        visitor.goto(host_site.page("manager-appearance.html", host_page(server.url)))
        widget = open_widget(visitor)
        expect(widget.locator("#title")).to_have_text("Ask <Pepper>")
        expect(widget.locator("form.registration")).to_contain_text("We answer in minutes.")
        expect(widget.locator("form.registration input[name=email]")).to_have_count(0)
        box = visitor.locator(".pimentachat-launcher").bounding_box()
        assert box is not None and box["x"] < 600  # bottom left of a 1200 px wide page
