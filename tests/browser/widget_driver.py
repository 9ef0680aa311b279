"""What visitors and agents do in the browser, written once for every test: the host pages
that carry the installation code, the widget's forms and composer, the agent console."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import FrameLocator, Page, expect

from livechat.api.pages import magento_snippet, snippet

expect.set_options(timeout=10_000)

CALLBACKS = ["onChatMaximized", "onChatMinimized", "onChatStarted", "onChatEnded", "onPrechatFormSubmit",
             "onOfflineFormSubmit", "onWidgetShown", "onWidgetHidden", "onAssignAgent", "onAgentStatusChange",
             "onQueuePositionChange", "onServiceOffline"]
# Globals the test pages define themselves; anything else new on `window` came from the loader.
PAGE_GLOBALS = {"pimentachat", "events", "callbackThis", "globalsBefore", "record", "require", "requirejs", "define",
                "jQuery", "$", "jqueryVersion"}

_RECORD = """
function record() {
  var api = this;
  window.callbackThis = api === window.pimentachat.livechat && typeof api.setTheme === 'function';
  CALLBACK_NAMES.forEach(function (name) {
    api[name](function (data) { window.events.push(name); });
  });
}
""".replace("CALLBACK_NAMES", json.dumps(CALLBACKS))


def host_page(server_url: str) -> str:
    """A plain customer page with the SPEC §7 snippet, recording every widget callback."""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Acme Shoes</title><link rel="icon" href="data:,"></head>
<body>
<script>window.globalsBefore = Object.keys(window); window.events = [];</script>
<h1>Acme Shoes</h1><p>Running shoes, shipped worldwide.</p>
<script type="text/javascript">
{snippet(server_url)}
</script>
<script>{_RECORD} pimentachat(record);</script>
</body></html>"""


def magento_page(server_url: str, npm: dict[str, str]) -> str:
    """A Magento 2-style page: RequireJS and jQuery (the real npm packages) and the Magento snippet."""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Magento Store</title><link rel="icon" href="data:,">
<script>window.globalsBefore = Object.keys(window); window.events = [];</script>
<script src="{npm['require.js']}"></script>
<script>require.config({{ paths: {{ jquery: '{npm['jquery.js'].removesuffix('.js')}' }} }});</script>
</head>
<body>
<h1>Magento Luma</h1>
<script type="text/javascript">
{magento_snippet(server_url)}
</script>
<script>{_RECORD}
require(['jquery'], function ($) {{ window.jqueryVersion = $.fn.jquery; pimentachat(record); }});</script>
</body></html>"""


def leaked_globals(page: Page) -> list[str]:
    found: list[str] = page.evaluate("Object.keys(window).filter(function (k) {"
                                     " return window.globalsBefore.indexOf(k) < 0; })")
    return sorted(k for k in set(found) - PAGE_GLOBALS if not k.isdigit())  # window[0] is the iframe


# ---- the visitor ---------------------------------------------------------------------

def launcher(page: Page) -> Any:
    return page.locator(".pimentachat-launcher")


def open_widget(page: Page) -> FrameLocator:
    expect(launcher(page)).to_be_visible()
    launcher(page).click()
    expect(page.locator("iframe.pimentachat-frame")).to_be_visible()
    return page.frame_locator("iframe.pimentachat-frame")


def register(frame: FrameLocator, name: str, email: str, department: str | None = None) -> None:
    form = frame.locator("form.registration")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=email]").fill(email)
    if department is not None:
        form.locator("select[name=department]").select_option(label=department)
    form.locator("button[type=submit]").click()
    expect(frame.locator(".composer-input")).to_be_visible()


def say(frame: FrameLocator, text: str) -> None:
    frame.locator(".composer-input").fill(text)
    frame.locator(".composer .send").click()


def messages(frame: FrameLocator | Page, text: str) -> Any:
    return frame.locator(".messages li.message .text", has_text=text)


# ---- the agent -----------------------------------------------------------------------

def agent_console(page: Page, server_url: str, agent: dict[str, Any], available: bool = True) -> Page:
    page.goto(f"{server_url}/agent")
    page.locator("#login-form input[name=user]").fill(agent["username"])
    page.locator("#login-form input[name=password]").fill(agent["password"])
    page.locator("#login-form button[type=submit]").click()
    expect(page.locator("#console")).to_be_visible()
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    if available:
        page.locator("#availability").click()
        expect(page.locator("#availability")).to_have_attribute("aria-checked", "true")
    return page


def open_chat(console: Page, visitor_name: str) -> Any:
    console.locator("#chats li", has_text=visitor_name).locator("button.open-chat").click()
    room = console.locator(".room-view")
    expect(room).to_be_visible()
    return room


def reply(console: Page, text: str) -> None:
    console.locator(".room-view textarea").fill(text)
    console.locator(".room-view button.send").click()


def close_chat(console: Page, comment: str, tags: str) -> None:
    console.locator(".room-view .close-chat").click()
    console.locator(".close-form input[name=comment]").fill(comment)
    console.locator(".close-form input[name=tags]").fill(tags)
    console.locator(".close-form .confirm-close").click()
    expect(console.locator(".room-view .closed-note")).to_be_visible()
