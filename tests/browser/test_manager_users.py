"""Users page: managers create agents and managers, see who is available and how many chats each serves
(the list follows along without a reload), and take the roles away."""

from __future__ import annotations

import secrets
from typing import Any

from playwright.sync_api import expect

from tests.browser.manager_driver import manager_console, manager_user, row, save, shot, visitor_chat


def test_agent_created_in_the_page_shows_availability_and_chat_count_live_and_can_be_removed(
        server: Any, admin: Any, contexts: Any, screenshots: Any) -> None:
    console = manager_console(contexts(), server.url, "users")
    create = console.locator("#create-user-form")
    username = f"uma-{secrets.token_hex(3)}"
    create.get_by_label("Username").fill(username)
    create.get_by_label("Name", exact=True).fill("Uma <b>Agent</b>")  # shown as text, never as markup
    create.get_by_label("Email").fill(f"{username}@example.com")
    create.get_by_label("Password").fill("umapass123")
    save(create, "Create user", f"{username} created.")
    uma = row(console, "agent-list", username)
    expect(uma).to_contain_text("Uma <b>Agent</b>")
    expect(uma).to_contain_text("Not available")
    uma_id = next(u["_id"] for u in admin.call("GET", "livechat/users/agent")["users"] if u["username"] == username)
    admin.agents.append({"_id": uma_id, "username": username})  # made unavailable again at clean-up

    admin.set_status({"_id": uma_id}, "available")
    visitor_chat(server.url, "Vera Visitor", "Hello, anyone there?")
    expect(uma.locator("td").nth(3)).to_have_text("Available")  # the list refreshes by itself
    expect(uma.locator("td").nth(4)).to_have_text("1")
    shot(console, screenshots, "users")

    uma.get_by_role("button", name=f"Remove {username}").click()
    uma.get_by_role("button", name="Click again to confirm").click()
    expect(uma).to_have_count(0)
    assert username not in {u["username"] for u in admin.call("GET", "livechat/users/agent")["users"]}
    admin.agents.pop()  # no longer an agent: nothing to reset


def test_existing_user_is_made_manager_by_username_and_removed_again(
        server: Any, admin: Any, contexts: Any) -> None:
    someone = manager_user(admin, "Olga Owner", roles=())
    console = manager_console(contexts(), server.url, "users")
    add = console.locator("#add-manager-form")
    add.get_by_label("Add an existing user as manager").fill(someone["username"])
    save(add, "Add manager", f"{someone['username']} is now a manager.")
    olga = row(console, "manager-list", someone["username"])
    expect(olga).to_contain_text("Olga Owner")
    assert "livechat-manager" in admin.login(someone).get("me").json()["roles"]

    add.get_by_label("Add an existing user as manager").fill("nobody-by-that-name")
    add.get_by_role("button", name="Add manager").click()
    expect(add.locator(".form-error")).to_contain_text("No user 'nobody-by-that-name'")

    olga.get_by_role("button", name=f"Remove {someone['username']}").dblclick()
    expect(olga).to_have_count(0)
    assert "livechat-manager" not in admin.login(someone).get("me").json()["roles"]
