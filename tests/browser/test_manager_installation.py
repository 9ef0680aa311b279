"""Installation page: this server's installation code, plain and for Magento 2, copied with one click;
a page carrying the copied code gets the widget."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from livechat.api.pages import magento_snippet, snippet
from tests.browser.manager_driver import manager_console, shot
from tests.browser.widget_driver import launcher


def _tag(code: str) -> str:
    return f'<script type="text/javascript">\n{code}\n</script>'


def test_installation_code_for_this_server_is_copied_and_works_on_a_site(
        server: Any, host_site: Any, contexts: Any, screenshots: Any) -> None:
    page = contexts(permissions=["clipboard-read", "clipboard-write"])
    console = manager_console(page, server.url, "installation")
    expect(console.locator("#public-url")).to_have_text(server.url)
    expect(console.locator("#snippet-code")).to_have_text(_tag(snippet(server.url)))
    expect(console.locator("#magento-code")).to_have_text(_tag(magento_snippet(server.url)))
    expect(console.locator("#page")).to_contain_text("Content ▸ Design ▸ Configuration")
    expect(console.locator("#page")).to_contain_text("Scripts and Style Sheets")
    shot(console, screenshots, "installation")

    console.get_by_role("button", name="Copy Magento 2 code").click()
    expect(console.locator("#page")).to_contain_text("Copied to the clipboard.")
    assert console.evaluate("navigator.clipboard.readText()") == _tag(magento_snippet(server.url))
    console.get_by_role("button", name="Copy installation code").click()
    copied = console.evaluate("navigator.clipboard.readText()")
    assert copied == _tag(snippet(server.url))

    site = contexts()
    site.goto(host_site.page("manager-installed.html", f"<!doctype html><title>Pasted</title><h1>Shop</h1>{copied}"))
    expect(launcher(site)).to_be_visible()
