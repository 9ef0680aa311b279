"""Departments page: departments made in the page are what visitors choose from, and serve the chat."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.manager_driver import manager_console, row, save, shot, widget_config
from tests.browser.widget_driver import host_page, open_widget


def _department_ids(admin: Any, *names: str) -> list[str]:
    found = {d["name"]: d["_id"] for d in admin.call("GET", "livechat/department")["departments"]}
    return [found[name] for name in names]


def test_departments_created_in_the_page_appear_in_the_widget_select_and_follow_edits_and_deletes(
        server: Any, host_site: Any, admin: Any, contexts: Any, screenshots: Any) -> None:
    dora = admin.agent("Dora Desk")
    console = manager_console(contexts(), server.url, "departments")
    form = console.locator("#department-form")
    form.get_by_label("Name", exact=True).fill("Returns")
    form.get_by_label("Email").fill("returns@shop.example")
    form.get_by_label(f"Dora Desk ({dora['username']})").check()
    form.get_by_label("Closing tags required").check()
    form.get_by_label("Closing tags", exact=True).fill("refund, exchange")
    form.get_by_role("button", name="Create department").click()
    expect(row(console, "department-list", "Returns")).to_contain_text("Dora Desk")

    form = console.locator("#department-form")  # a fresh form after each save
    form.get_by_label("Name", exact=True).fill("Wholesale")
    form.get_by_label("Maximum chats per agent").fill("2")
    form.get_by_label("Show on the offline form").uncheck()
    form.get_by_role("button", name="Create department").click()
    expect(row(console, "department-list", "Wholesale")).to_be_visible()
    admin.departments.extend(_department_ids(admin, "Returns", "Wholesale"))  # deleted at clean-up
    shot(console, screenshots, "departments")

    returns = admin.call("GET", f"livechat/department/{admin.departments[0]}")
    assert returns["department"]["requestTagBeforeClosingChat"] is True
    assert returns["department"]["chatClosingTags"] == ["refund", "exchange"]
    assert [a["agentId"] for a in returns["agents"]] == [dora["_id"]]

    admin.set_status(dora, "available")
    url = host_site.page("manager-departments.html", host_page(server.url))
    visitor = contexts()
    visitor.goto(url)
    select = open_widget(visitor).locator("form.registration select[name=department]")
    expect(select.locator("option")).to_have_text(["Choose a department", "Returns", "Wholesale"])

    row(console, "department-list", "Wholesale").get_by_role("button", name="Edit").click()
    form = console.locator("#department-form")
    expect(form.get_by_role("heading")).to_have_text("Edit Wholesale")
    form.get_by_label("Show on the registration form").uncheck()
    save(form, "Save department", "Wholesale saved.")
    assert [d["name"] for d in widget_config(server.url)["departments"] if d["showOnRegistration"]] == ["Returns"]

    row(console, "department-list", "Returns").get_by_role("button", name="Delete Returns").dblclick()
    expect(row(console, "department-list", "Returns")).to_have_count(0)
    admin.departments.pop(0)
    assert [d["name"] for d in widget_config(server.url)["departments"]] == ["Wholesale"]
    visitor.reload()
    frame = open_widget(visitor)
    expect(frame.locator("form.registration input[name=email]")).to_be_visible()
    expect(frame.locator("form.registration select")).to_have_count(0)
