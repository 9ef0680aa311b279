"""Rule sets in force: stored versions, rule files on disk, triggers, and live reload (real Redis)."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.rules.errors import RulesetError, RulesetInvalid
from livechat.engine.rules.matcher import Matcher
from livechat.engine.rules.store import POLL_S, RuleStore, rules_dir
from livechat.engine.state import triggers

RELOAD_DEADLINE_S = 1.0  # the contract: in force everywhere within a second

WELCOME = {"ruleset": "triggers", "description": "test", "rules": [
    {"id": "welcome", "on": "widget_opened", "then": [{"action": "send_message", "sender": "system",
                                                        "text": "Welcome"}]}]}
OPENED = {"event": {"type": "widget_opened"}}


def fired(matcher: Matcher, facts: dict[str, Any]) -> list[str]:
    return [m.rule_id for m in matcher.match_all(facts)]


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    for name in ("routing.json", "lifecycle.json", "triggers.json"):
        shutil.copy(rules_dir() / name, tmp_path / name)
    return tmp_path


@pytest.fixture
async def following(redis_client: Redis, directory: Path) -> AsyncIterator[Callable[[], Any]]:
    """Start `follow` on a store of its own, as another process would; yields its matcher."""
    tasks: list[asyncio.Task[None]] = []
    matchers: list[Matcher] = []

    async def start() -> Matcher:
        store = RuleStore(redis_client, directory=directory)
        matcher = await store.load_matcher()
        tasks.append(asyncio.create_task(store.follow(matcher)))
        matchers.append(matcher)
        await asyncio.sleep(0.05)  # subscribed
        return matcher

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for matcher in matchers:
        matcher.close()


async def eventually(check: Callable[[], bool], deadline_s: float = RELOAD_DEADLINE_S) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > deadline_s:
            raise AssertionError(f"not in force after {deadline_s} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_an_invalid_rule_set_is_refused_with_every_error_and_nothing_is_stored(redis_client: Redis,
                                                                                      directory: Path) -> None:
    store = RuleStore(redis_client, directory=directory)
    bad = {"ruleset": "triggers", "rules": [
        {"id": "a", "on": "page_viewed", "when": {"fact": "visitor.shoe_size", "op": "gt", "value": 3},
         "then": [{"action": "send_message", "sender": "system", "text": "hi"}]},
        {"id": "b", "on": "page_viewd", "then": [{"action": "explode"}]},
    ]}
    with pytest.raises(RulesetInvalid) as caught:
        await store.save("triggers", bad)
    assert caught.value.errors == [
        RulesetError("triggers.json", "$.rules[0].when.fact",
                     "'visitor.shoe_size' is not a known fact (did you mean 'visitor.phone'?)"),
        RulesetError("triggers.json", "$.rules[1].on", "'page_viewd' is not an event type (did you mean "
                                                      "'page_viewed'?)"),
        RulesetError("triggers.json", "$.rules[1].then[0].action", caught.value.errors[2].message),
    ]
    assert caught.value.errors[2].message.startswith("'explode' is not one of")
    assert await redis_client.hgetall(keys.RULESET_DOCS) == {}
    assert await redis_client.hgetall(keys.RULESET_VERSION) == {}


async def test_a_document_for_another_rule_set_or_using_trigger_ids_is_refused(redis_client: Redis,
                                                                                directory: Path) -> None:
    store = RuleStore(redis_client, directory=directory)
    with pytest.raises(RulesetInvalid) as caught:
        await store.save("routing", WELCOME)
    assert caught.value.errors == [RulesetError("routing.json", "$.ruleset",
                                                "this document is for rule set 'routing', not 'triggers'")]
    stolen = {**WELCOME, "rules": [{**WELCOME["rules"][0], "id": "trigger.abc"}]}
    with pytest.raises(RulesetInvalid) as caught:
        await store.save("triggers", stolen)
    assert caught.value.errors == [RulesetError("triggers.json", "$.rules[0].id",
                                                "ids starting with 'trigger.' are kept for managers' triggers")]


async def test_a_saved_rule_set_reaches_another_process_within_a_second(redis_client: Redis, directory: Path,
                                                                        following: Any) -> None:
    elsewhere = await following()
    assert fired(elsewhere, OPENED) == []
    await RuleStore(redis_client, directory=directory).save("triggers", WELCOME)
    await eventually(lambda: fired(elsewhere, OPENED) == ["welcome"])
    await RuleStore(redis_client, directory=directory).revert("triggers")
    await eventually(lambda: fired(elsewhere, OPENED) == [])


async def test_a_trigger_change_is_announced_and_compiled_beside_the_rules(redis_client: Redis,
                                                                            directory: Path,
                                                                            following: Any) -> None:
    elsewhere = await following()
    doc = triggers.normalise({"name": "Hi", "conditions": [{"name": "chat-opened-by-visitor"}],
                              "actions": [{"name": "send-message", "params": {"msg": "Hi"}}]}, "t1")
    await triggers.save(redis_client, doc)
    await RuleStore(redis_client, directory=directory).announce("triggers")
    await eventually(lambda: fired(elsewhere, OPENED) == ["trigger.t1"])


async def test_a_rule_file_edited_on_disk_is_in_force_within_a_second(redis_client: Redis, directory: Path,
                                                                       following: Any) -> None:
    elsewhere = await following()
    (directory / "triggers.json").write_text(json.dumps(WELCOME))
    took = await eventually(lambda: fired(elsewhere, OPENED) == ["welcome"])
    assert took <= POLL_S + 0.5


async def test_a_broken_rule_file_keeps_the_last_good_version(redis_client: Redis, directory: Path,
                                                               following: Any,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    elsewhere = await following()
    (directory / "triggers.json").write_text(json.dumps(WELCOME))
    await eventually(lambda: fired(elsewhere, OPENED) == ["welcome"])
    broken = {**WELCOME, "rules": [{**WELCOME["rules"][0], "on": "widget_openned"}]}
    (directory / "triggers.json").write_text(json.dumps(broken))
    await eventually(lambda: "$.rules[0].on" in caplog.text)
    assert fired(elsewhere, OPENED) == ["welcome"]
    (directory / "routing.json").write_text("{not json")
    await eventually(lambda: "routing.json: $: not valid JSON" in caplog.text)
    requested = {"event": {"type": "chat_requested"}, "chat": {}}
    assert fired(elsewhere, requested)[0] == "route-to-all"  # the last good routing rules still route


async def test_a_stored_version_that_no_longer_loads_falls_back_to_the_file_at_start(
        redis_client: Redis, directory: Path) -> None:
    stale = {**WELCOME, "rules": [{**WELCOME["rules"][0], "on": "retired_event"}]}
    await redis_client.hset(keys.RULESET_DOCS, "triggers", json.dumps(stale))
    with await RuleStore(redis_client, directory=directory).load_matcher() as matcher:
        assert fired(matcher, OPENED) == []
        assert "routing" in matcher.rulesets


async def test_documents_are_the_stored_version_else_the_file(redis_client: Redis, directory: Path) -> None:
    store = RuleStore(redis_client, directory=directory)
    await store.save("triggers", WELCOME)
    docs = await store.documents()
    assert docs["triggers"] == WELCOME and docs["routing"]["ruleset"] == "routing"
    assert await store.revert("triggers") is True
    assert (await store.documents())["triggers"]["rules"] == []
