"""The host page's JavaScript API (SPEC §7): methods reach the widget, callbacks come back."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.widget_driver import host_page, launcher, open_widget


def call(page: Any, script: str) -> None:
    page.evaluate(f"pimentachat(function () {{ {script} }})")


def test_theme_and_visibility_methods_drive_the_launcher_and_fire_callbacks(
        server: Any, host_site: Any, admin: Any, contexts: Any) -> None:
    admin.set_status(admin.agent("Theo Theme"), "available")
    page = contexts()
    page.goto(host_site.page("api-theme.html", host_page(server.url)))
    expect(launcher(page)).to_be_visible()

    call(page, "this.setTheme({color: 'rgb(26, 127, 55)', position: 'left', title: 'Ask us'})")
    expect(launcher(page)).to_have_css("background-color", "rgb(26, 127, 55)")
    assert launcher(page).bounding_box()["x"] < 100
    call(page, "this.hideWidget()")
    expect(launcher(page)).to_be_hidden()
    call(page, "this.showWidget()")
    expect(launcher(page)).to_be_visible()
    call(page, "this.maximizeWidget()")
    frame = page.frame_locator("iframe.pimentachat-frame")
    expect(page.locator("iframe.pimentachat-frame")).to_be_visible()
    expect(frame.locator("#app")).to_have_css("--brand", "rgb(26, 127, 55)")
    expect(frame.locator("#title")).to_have_text("Ask us")
    call(page, "this.minimizeWidget()")
    expect(page.locator("iframe.pimentachat-frame")).to_be_hidden()

    events = page.evaluate("window.events")
    for name in ("onWidgetHidden", "onWidgetShown", "onChatMaximized", "onChatMinimized"):
        assert name in events, f"{name} not called; got {events}"
    assert page.evaluate("window.callbackThis") is True


def test_guest_methods_prefill_the_form_and_set_custom_fields(
        server: Any, host_site: Any, admin: Any, contexts: Any) -> None:
    admin.set_status(admin.agent("Gina Guest"), "available")
    admin.custom_field("plan", "Plan", public=False)
    admin.custom_field("company", "Company", public=True)
    page = contexts()
    page.goto(host_site.page("api-guest.html", host_page(server.url)))
    call(page, "this.setGuestName('Paula Prefill'); this.setGuestEmail('paula@example.com');"
               "this.setCustomField('plan', 'gold', true)")
    frame = open_widget(page)
    form = frame.locator("form.registration")
    expect(form.locator("input[name=name]")).to_have_value("Paula Prefill")
    expect(form.locator("input[name=email]")).to_have_value("paula@example.com")
    expect(form.locator(".field", has_text="Company")).to_be_visible()  # public fields only
    expect(form.locator(".field", has_text="Plan")).to_have_count(0)
    form.locator("input[name='cf:company']").fill("Acme Ltd")
    form.locator("button[type=submit]").click()
    expect(frame.locator(".composer-input")).to_be_visible()

    token = frame.locator("body").evaluate("() => window.pimentaWidget.token")
    visitor = admin.call("GET", f"livechat/visitor/{token}")["visitor"]
    assert visitor["name"] == "Paula Prefill"
    assert visitor["livechatData"] == {"plan": "gold", "company": "Acme Ltd"}
    assert "onPrechatFormSubmit" in page.evaluate("window.events")


def test_register_guest_skips_the_form(server: Any, host_site: Any, admin: Any, contexts: Any) -> None:
    admin.set_status(admin.agent("Gus Guest"), "available")
    page = contexts()
    page.goto(host_site.page("api-register.html", host_page(server.url)))
    call(page, "this.registerGuest({name: 'Rob Registered', email: 'rob@example.com'})")
    frame = open_widget(page)
    expect(frame.locator(".composer-input")).to_be_visible()
    expect(frame.locator("form.registration")).to_have_count(0)
    token = frame.locator("body").evaluate("() => window.pimentaWidget.token")
    visitor = admin.call("GET", f"livechat/visitor/{token}")["visitor"]
    assert (visitor["name"], visitor["visitorEmails"][0]["address"]) == ("Rob Registered", "rob@example.com")
