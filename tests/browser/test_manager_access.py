"""Only admins and Livechat managers get the manager console: anonymous visitors and agents are refused
every page and every manager API."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.manager_driver import PAGES, credentials, go, log_in, manager_console, manager_user, shot

# A representative request to every manager-only API the console uses (bodies are never read: the
# role check comes first).
MANAGER_APIS = [
    ("GET", "livechat/users/agent"), ("POST", "livechat/users/manager"), ("DELETE", "livechat/users/agent/x"),
    ("POST", "users.create"), ("GET", "livechat/department"), ("POST", "livechat/department"),
    ("PUT", "livechat/department/x"), ("DELETE", "livechat/department/x"), ("GET", "settings/Livechat_enabled"),
    ("POST", "settings/Livechat_enabled"), ("GET", "livechat/appearance"), ("POST", "livechat/appearance"),
    ("GET", "livechat/smtp.settings"), ("POST", "livechat/smtp.settings"), ("GET", "livechat/triggers"),
    ("POST", "livechat/triggers"), ("DELETE", "livechat/triggers/x"), ("GET", "livechat/rules"),
    ("PUT", "livechat/rules/triggers"), ("POST", "livechat/rules/triggers/dry-run"),
    ("POST", "livechat/custom-fields"), ("DELETE", "livechat/custom-fields/x"),
    ("GET", "livechat/integrations.settings"), ("POST", "omnichannel/integrations"),
    ("POST", "livechat/webhook.test"), ("GET", "livechat/webhooks/deliveries"),
    ("POST", "livechat/webhooks/deliveries/x/redeliver"), ("GET", "livechat/offline.messages"),
    ("GET", "livechat/installation"),
]

_STATUSES = """async (apis) => {
  const session = JSON.parse(localStorage.getItem('pimentachat:manager-session') || 'null');
  const headers = session ? {'X-User-Id': session.userId, 'X-Auth-Token': session.authToken,
                             'Content-Type': 'application/json'} : {'Content-Type': 'application/json'};
  const out = {};
  for (const [method, path] of apis) {
    const init = {method, headers};
    if (method !== 'GET') init.body = '{}';
    out[`${method} ${path}`] = (await fetch(`api/v1/${path}`, init)).status;
  }
  return out;
}"""


def _statuses(page: Any) -> dict[str, int]:
    found: dict[str, int] = page.evaluate(_STATUSES, MANAGER_APIS)
    return found


def test_anonymous_browser_sees_only_the_login_and_every_manager_api_answers_401(
        server: Any, contexts: Any, screenshots: Any) -> None:
    page = contexts()
    for section in PAGES:
        page.goto(f"{server.url}/manager#/{section}")
        page.reload()
        expect(page.locator("#login-view")).to_be_visible()
        expect(page.locator("#console")).to_be_hidden()
    shot(page, screenshots, "login")
    assert set(_statuses(page).values()) == {401}
    assert httpx.get(f"{server.url}/api/v1/livechat/installation").status_code == 401


def test_agent_is_refused_every_page_and_every_manager_api_answers_403(
        server: Any, admin: Any, contexts: Any, screenshots: Any) -> None:
    agent = admin.agent("Andy Agent")
    page = log_in(contexts(), server.url, credentials(agent))
    refusal = page.locator("#refused-view")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("Andy Agent is not a Livechat manager")
    shot(page, screenshots, "refused")
    for section in PAGES:
        page.goto(f"{server.url}/manager#/{section}")
        page.reload()
        expect(refusal).to_be_visible()
        expect(page.locator("#console")).to_be_hidden()
        expect(page.locator("#page")).to_be_empty()
    statuses = _statuses(page)
    assert set(statuses.values()) == {403}, statuses

    refusal.get_by_role("button", name="Log out").click()
    expect(page.locator("#login-view")).to_be_visible()


def test_manager_who_loses_the_role_is_refused_at_the_next_step(
        server: Any, admin: Any, contexts: Any) -> None:
    manager = manager_user(admin, "Mona Manager")
    page = manager_console(contexts(), server.url, "users", user=credentials(manager))
    admin.call("DELETE", f"livechat/users/manager/{manager['_id']}")
    page.get_by_role("link", name="Departments").click()
    expect(page.locator("#refused-view")).to_be_visible()
    expect(page.locator("#console")).to_be_hidden()


def test_every_page_of_the_console_opens_for_a_manager(server: Any, admin: Any, contexts: Any) -> None:
    page = manager_console(contexts(), server.url, user=credentials(manager_user(admin, "Max Manager")))
    for section in PAGES:
        go(page, section)
        expect(page.locator("#page h1")).to_be_focused()  # keyboard and screen reader users start there
        expect(page.locator("#page .page-body > .form-error")).to_have_count(0)
        expect(page.locator(f"#nav-{section}")).to_have_attribute("aria-current", "page")
