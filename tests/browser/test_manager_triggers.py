"""Triggers page: a trigger written in the page greets visitors of the demo page; switched off, edited
and deleted from the list."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.manager_driver import manager_console, row, save, shot, widget_config


def _generated(admin: Any, trigger_id: str) -> dict[str, Any]:
    triggers = next(r for r in admin.call("GET", "livechat/rules")["rulesets"] if r["name"] == "triggers")
    rule: dict[str, Any] = next(r for r in triggers["generated"] if r["id"] == f"trigger.{trigger_id}")
    return rule


def test_trigger_created_in_the_page_fires_on_the_demo_page_then_is_disabled_edited_and_deleted(
        server: Any, admin: Any, contexts: Any, screenshots: Any) -> None:
    admin.set_status(admin.agent("Tess Trigger"), "available")
    console = manager_console(contexts(), server.url, "triggers")
    form = console.locator("#trigger-form")
    form.get_by_label("Name", exact=True).fill("Demo greeting")
    form.get_by_label("Condition").select_option(label="Visitor opens a page whose URL matches")
    form.get_by_label("URL pattern (regular expression)").fill("[")
    form.get_by_label("Sent by").select_option("custom")
    form.get_by_label("Sender name").fill("Pepper")
    form.get_by_label("Message").fill("Hot deals on the demo page!")
    form.get_by_role("button", name="Create trigger").click()  # an invalid pattern: refused, field marked
    expect(form.get_by_label("URL pattern (regular expression)")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".form-error")).to_contain_text("not a valid regular expression")

    form.get_by_label("URL pattern (regular expression)").fill("/demo$")
    save(form, "Create trigger", "Demo greeting created.")
    listed = row(console, "trigger-list", "Demo greeting")
    expect(listed).to_contain_text("/demo$")
    trigger = next(t for t in admin.call("GET", "livechat/triggers")["triggers"] if t["name"] == "Demo greeting")
    admin.triggers.append(trigger["_id"])
    assert trigger["conditions"] == [{"name": "page-url", "value": "/demo$"}]
    assert trigger["actions"][0]["params"] == {"sender": "custom", "name": "Pepper",
                                               "msg": "Hot deals on the demo page!"}
    shot(console, screenshots, "triggers")

    visitor = contexts()
    visitor.goto(f"{server.url}/demo")
    widget = visitor.frame_locator("iframe.pimentachat-frame")
    expect(visitor.locator("iframe.pimentachat-frame")).to_be_visible()  # the trigger opened the widget
    expect(widget.locator(".messages.triggers")).to_contain_text("Hot deals on the demo page!")

    with console.expect_response(lambda r: r.url.endswith("/livechat/triggers") and r.request.method == "POST"):
        listed.get_by_label("Enabled: Demo greeting").uncheck()
    expect(listed.get_by_label("Enabled: Demo greeting")).not_to_be_checked()
    assert _generated(admin, trigger["_id"])["enabled"] is False
    assert "Demo greeting" not in [t["name"] for t in widget_config(server.url)["triggers"]]

    listed.get_by_role("button", name="Edit").click()
    form = console.locator("#trigger-form")
    expect(form.get_by_label("Enabled", exact=True)).not_to_be_checked()
    form.get_by_label("Enabled", exact=True).check()
    form.get_by_label("Condition").select_option("time-on-site")
    form.get_by_label("Seconds on the site").fill("30")
    form.get_by_label("Message").fill("Still looking?")
    save(form, "Save trigger", "Demo greeting saved.")
    expect(listed).to_contain_text("Still looking?")
    saved = admin.call("GET", f"livechat/triggers/{trigger['_id']}")["trigger"]
    assert saved["enabled"] is True and saved["conditions"] == [{"name": "time-on-site", "value": 30}]

    listed.get_by_role("button", name="Delete Demo greeting").dblclick()
    expect(listed).to_have_count(0)
    admin.triggers.remove(trigger["_id"])
    assert all(t["_id"] != trigger["_id"] for t in admin.call("GET", "livechat/triggers")["triggers"])
