"""Custom fields page: a public visitor field made in the page is asked for on the widget's
registration form, checked against its pattern, and follows edits and deletion."""

from __future__ import annotations

import secrets
from typing import Any

from playwright.sync_api import expect

from tests.browser.manager_driver import manager_console, row, save, shot, widget_config
from tests.browser.widget_driver import host_page, open_widget


def test_custom_field_made_in_the_page_is_asked_for_by_the_widget_and_follows_edits_and_deletion(
        server: Any, host_site: Any, admin: Any, contexts: Any, screenshots: Any) -> None:
    admin.set_status(admin.agent("Cody Fields"), "available")
    name = f"shoe_size_{secrets.token_hex(2)}"
    console = manager_console(contexts(), server.url, "custom-fields")
    form = console.locator("#custom-field-form")
    form.get_by_label("Field name").fill(name)
    form.get_by_label("Label").fill("Shoe size")
    form.get_by_label("Validation (regular expression)").fill("^[0-9")  # not a pattern: refused
    form.get_by_label("Required").check()
    form.get_by_label("Ask for it on the registration form").check()
    form.get_by_role("button", name="Create field").click()
    expect(form.get_by_label("Validation (regular expression)")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".form-error")).to_contain_text("Not a valid regular expression")

    form.get_by_label("Validation (regular expression)").fill("^[0-9]{2}$")
    save(form, "Create field", f"{name} created.")
    admin.fields.append(name)  # deleted at clean-up
    listed = row(console, "custom-field-list", name)
    expect(listed).to_contain_text("Shoe size")
    expect(listed).to_contain_text("^[0-9]{2}$")
    shot(console, screenshots, "custom-fields")
    public = next(f for f in widget_config(server.url)["customFields"] if f["_id"] == name)
    assert public == {"_id": name, "label": "Shoe size", "regexp": "^[0-9]{2}$", "required": True, "type": "input",
                      "defaultValue": "", "options": []}

    url = host_site.page("manager-fields.html", host_page(server.url))
    visitor = contexts()
    visitor.goto(url)
    registration = open_widget(visitor).locator("form.registration")
    expect(registration).to_contain_text("Shoe size")
    registration.locator("input[name=name]").fill("Carla Custom")
    registration.locator("input[name=email]").fill("carla@example.com")
    registration.locator(f"input[name='cf:{name}']").fill("huge")
    registration.locator("button[type=submit]").click()
    expect(registration).to_contain_text("Shoe size is not valid")

    listed.get_by_role("button", name="Edit").click()
    form = console.locator("#custom-field-form")
    expect(form.get_by_label("Field name")).to_be_disabled()
    form.get_by_label("Label").fill("Size (EU)")
    form.get_by_label("Type").select_option("select")
    form.get_by_label("Options").fill("38, 40, 42")
    form.get_by_label("Validation (regular expression)").fill("")
    save(form, "Save field", f"{name} saved.")
    expect(listed).to_contain_text("Choice (select): 38, 40, 42")
    visitor.reload()
    select = open_widget(visitor).locator(f"form.registration select[name='cf:{name}']")
    expect(select.locator("option")).to_have_text(["", "38", "40", "42"])

    listed.get_by_role("button", name=f"Delete {name}").dblclick()
    expect(listed).to_have_count(0)
    admin.fields.remove(name)
    assert name not in [f["_id"] for f in widget_config(server.url)["customFields"]]
