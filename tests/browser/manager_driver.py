"""What managers do in the manager console, written once for every manager test: log in, open a page,
save a form; plus a visitor's chat through the REST API and putting back what a test changed on the
shared server (settings, appearance, webhooks, mail, rule sets)."""

from __future__ import annotations

import contextlib
import http.server
import json
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

from livechat.api.integrations import INTEGRATION_SETTINGS
from livechat.api.manager import PUBLIC_SETTINGS
from tests.browser.conftest import ADMIN

expect.set_options(timeout=10_000)

PAGES = {"settings": "Settings", "users": "Users", "departments": "Departments", "triggers": "Triggers",
         "rules": "Rules", "custom-fields": "Custom fields", "installation": "Installation",
         "appearance": "Appearance", "webhooks": "Webhooks", "chats": "Chats", "offline": "Offline messages"}


def log_in(page: Page, server_url: str, user: tuple[str, str], section: str = "settings") -> Page:
    page.goto(f"{server_url}/manager#/{section}")
    page.get_by_label("Username or email").fill(user[0])
    page.get_by_label("Password").fill(user[1])
    page.get_by_role("button", name="Log in").click()
    return page


def manager_console(page: Page, server_url: str, section: str = "settings",
                    user: tuple[str, str] = ADMIN) -> Page:
    """The console, logged in, showing `section` loaded."""
    log_in(page, server_url, user, section)
    expect(page.locator("#console")).to_be_visible()
    loaded(page, section)
    return page


def loaded(page: Page, section: str) -> None:
    expect(page.locator("#page")).to_have_attribute("data-page", section)
    expect(page.locator("#page h1")).to_have_text(PAGES[section])
    expect(page.locator("#page .loading")).to_have_count(0)


def go(page: Page, section: str) -> None:
    page.get_by_role("navigation", name="Manager pages").get_by_role("link", name=PAGES[section], exact=True).click()
    loaded(page, section)


def save(form: Locator, button: str, note: str = "Saved.") -> None:
    form.get_by_role("button", name=button).click()
    expect(form.locator(".form-status")).to_contain_text(note)


def shot(page: Page, screenshots: Path, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # the whole page from its top, the menu beside it
    page.screenshot(path=screenshots / f"manager-{name}.png", full_page=True)


def row(page: Page, table_id: str, text: str) -> Locator:
    return page.locator(f"#{table_id} tbody tr", has_text=text)


def manager_user(admin: Any, name: str, roles: tuple[str, ...] = ("livechat-manager",)) -> dict[str, Any]:
    """A user who manages Livechat (not an agent: the admin fixture's clean-up only knows agents)."""
    username = f"{name.split()[0].lower()}-{secrets.token_hex(4)}"
    user = admin.call("POST", "users.create", {"username": username, "password": "managerpass1", "name": name,
                                               "roles": list(roles)})["user"]
    return {"_id": user["_id"], "username": username, "password": "managerpass1", "name": name}


def credentials(user: dict[str, Any]) -> tuple[str, str]:
    return user["username"], user["password"]


# ---- a visitor, through the REST API -------------------------------------------------

def visitor_chat(server_url: str, name: str, text: str, department: str | None = None) -> dict[str, Any]:
    """Register a visitor, open their chat (routed as the rules say) and send one message."""
    token = secrets.token_hex(12)
    with httpx.Client(base_url=f"{server_url}/api/v1", timeout=10) as client:
        visitor = {"token": token, "name": name, "email": f"{token}@example.com"}
        if department:
            visitor["department"] = department
        assert client.post("livechat/visitor", json={"visitor": visitor}).status_code == 200
        room = client.get("livechat/room", params={"token": token}).json()["room"]
        sent = client.post("livechat/message", json={"token": token, "rid": room["_id"], "msg": text})
        assert sent.status_code == 200, sent.text
    return {"token": token, "rid": room["_id"], "name": name}


def widget_config(server_url: str) -> dict[str, Any]:
    config: dict[str, Any] = httpx.get(f"{server_url}/api/v1/livechat/config", timeout=10).json()["config"]
    return config


class Receiver:
    """A CRM's webhook endpoint on this machine: answers 200 and keeps every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        received = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                received.append({"headers": dict(self.headers), "body": json.loads(body or b"null")})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/livechat-hook"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if isinstance(r["body"], dict) and r["body"].get("type") == kind]


# ---- the shared server, as it was ------------------------------------------------------

def _values(answer: dict[str, Any], key: str = "settings") -> dict[str, Any]:
    return {item["_id"]: item["value"] for item in answer[key]}


@contextlib.contextmanager
def restored(admin: Any) -> Iterator[None]:
    """Whatever the test changes in settings, appearance, webhooks, mail and rule sets is put back
    (a secret or password the test saved is cleared): the other browser tests share this server."""
    before = {name: admin.call("GET", f"settings/{name}")["value"] for name in sorted(PUBLIC_SETTINGS)}
    look = admin.call("GET", "livechat/appearance")["appearance"]
    hooks = _values(admin.call("GET", "livechat/integrations.settings"))
    mail = _values(admin.call("GET", "livechat/smtp.settings"))
    stored = {r["name"]: r["document"] for r in admin.call("GET", "livechat/rules")["rulesets"]
              if r["source"] == "stored"}
    try:
        yield
    finally:
        for name, value in before.items():
            admin.call("POST", f"settings/{name}", {"value": value})
        admin.call("POST", "livechat/appearance", look)
        admin.call("POST", "omnichannel/integrations",
                   {field: hooks[setting] for field, setting in INTEGRATION_SETTINGS.items()})
        admin.call("POST", "livechat/smtp.settings", mail)
        for ruleset in admin.call("GET", "livechat/rules")["rulesets"]:
            if ruleset["name"] in stored:
                admin.call("PUT", f"livechat/rules/{ruleset['name']}", stored[ruleset["name"]])
            elif ruleset["source"] == "stored":
                admin.call("DELETE", f"livechat/rules/{ruleset['name']}")

