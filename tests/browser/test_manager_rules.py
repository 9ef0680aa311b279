"""Rules page: an invalid rule set shows each error at its JSON path and is never saved; a valid one is
checked, dry-run against sample events with the engine the CLI uses, saved, and reverted."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from tests.browser.manager_driver import manager_console, restored, shot

GREETING = {
    "ruleset": "triggers", "description": "Greet visitors reading the prices",
    "rules": [{"id": "pricing-greeting", "on": "page_viewed",
               "when": {"all": [{"fact": "event.url", "op": "matches", "value": "/pricing"},
                                {"fact": "visitor.time_on_site", "op": "gte", "value": 10}]},
               "then": [{"action": "send_message", "sender": "queue", "text": "Questions about plans?"}]}],
}
SAMPLES = "\n".join(json.dumps(e) for e in [
    {"event": {"type": "page_viewed", "url": "https://shop.example/pricing"}, "visitor": {"time_on_site": 12}},
    {"event": {"type": "page_viewed", "url": "https://shop.example/about"}, "visitor": {"time_on_site": 12}},
])


def _triggers_ruleset(admin: Any) -> dict[str, Any]:
    found: dict[str, Any] = admin.call("GET", "livechat/rules/triggers")["ruleset"]
    return found


def test_invalid_rules_show_their_json_path_and_are_not_saved_valid_ones_dry_run_save_and_revert(
        server: Any, admin: Any, contexts: Any, screenshots: Any) -> None:
    with restored(admin):
        before = _triggers_ruleset(admin)
        console = manager_console(contexts(), server.url, "rules")
        console.get_by_label("Rule set", exact=True).select_option("triggers")
        editor = console.get_by_label('Rule set "triggers" (JSON)')
        errors = console.locator("#rule-errors")

        shoe = json.loads(json.dumps(GREETING))
        shoe["rules"][0]["when"]["all"][1]["fact"] = "visitor.shoe_size"
        editor.fill(json.dumps(shoe, indent=2))
        console.get_by_role("button", name="Save", exact=True).click()
        expect(errors).to_contain_text("$.rules[0].when.all[1].fact")
        expect(errors).to_contain_text("'visitor.shoe_size' is not a known fact")
        shot(console, screenshots, "rules")
        assert _triggers_ruleset(admin) == before  # nothing saved

        errors.get_by_role("button", name="$.rules[0].when.all[1].fact").click()  # jumps to the bad text
        chosen = editor.evaluate("e => e.value.slice(e.selectionStart, e.selectionEnd)")
        assert chosen == '"visitor.shoe_size"'

        editor.fill('{"ruleset": "triggers", "rules": [}')
        console.get_by_role("button", name="Check").click()
        expect(errors).to_contain_text("not valid JSON (line 1, column")

        editor.fill(json.dumps(GREETING, indent=2))
        console.get_by_role("button", name="Check").click()
        expect(errors).to_be_empty()
        expect(console.locator("#ruleset .form-status")).to_contain_text("Valid: 1 rule. Not saved yet.")
        assert _triggers_ruleset(admin) == before

        console.get_by_label("Sample events").fill(SAMPLES)
        console.get_by_role("button", name="Dry run").click()
        events = console.locator("#dry-run-results .dry-run-event")
        expect(events).to_have_count(2)
        expect(events.nth(0).locator(".rule-id")).to_have_text("pricing-greeting")
        expect(events.nth(0)).to_contain_text('"text":"Questions about plans?"')
        expect(events.nth(1)).to_contain_text("No rule fires.")

        console.get_by_role("button", name="Save", exact=True).click()
        expect(console.locator("#ruleset .form-status")).to_contain_text("Saved: in force now.")
        saved = _triggers_ruleset(admin)
        assert saved["source"] == "stored" and saved["document"] == GREETING
        expect(console.get_by_label("Rule set", exact=True)).to_contain_text("triggers (edited)")

        console.get_by_role("button", name="Revert to the rule file").dblclick()
        expect(console.locator("#ruleset .form-status")).to_contain_text("Reverted to the rule file.")
        assert _triggers_ruleset(admin)["source"] == "file"


def test_dry_run_api_runs_events_through_the_rules_in_force_or_a_draft_without_saving(
        server: Any, admin: Any) -> None:
    events = [json.loads(line) for line in SAMPLES.splitlines()] + [{"event": {"type": "chat_requested"}},
                                                                    {"visitor": {}}]
    draft = admin.call("POST", "livechat/rules/triggers/dry-run", {"document": GREETING, "events": events})
    assert draft["rules"] == 1
    assert [[m["rule"] for m in r["fired"]] for r in draft["results"]] == [["pricing-greeting"], [], [], []]
    assert draft["results"][0]["fired"][0]["actions"] == GREETING["rules"][0]["then"]
    assert draft["results"][3]["error"].startswith("facts need a string event.type")
    assert _triggers_ruleset(admin)["source"] == "file"  # a draft is never saved

    in_force = admin.call("POST", "livechat/rules/routing/dry-run", {"events": [
        {"event": {"type": "chat_requested"}, "chat": {"department": ""}}]})
    assert [m["rule"] for m in in_force["results"][0]["fired"]] == ["route-to-all"]
    assert in_force["results"][0]["fired"][0]["actions"][0]["action"] == "route"

    bad = admin.client.post("livechat/rules/triggers/dry-run", json={"document": {"ruleset": "routing", "rules": []}})
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "$.ruleset"
    assert admin.client.post("livechat/rules/nope/dry-run", json={"events": []}).status_code == 404
    assert admin.client.post("livechat/rules/routing/dry-run", json={"events": [1]}).json()["field"] == "events"
