"""10,000 visitors view pages at once, each with their own custom fields: every rule judges an
event by that visitor's data only, and every action lands on that visitor only."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.dispatch import dispatch
from livechat.engine.events import EventType, event
from livechat.engine.rules.conditions import evaluate
from livechat.engine.rules.loader import default_rulesets, load_ruleset
from livechat.engine.rules.matcher import Match, Matcher
from livechat.engine.rules.model import parse_condition
from livechat.engine.runtime import Runtime

VISITORS = 10_000
AT_ONCE = 64  # events in flight together (redis-py pools 100 connections): reads and writes interleave
PLANS = ("free", "pro", "team", "enterprise")
PAGES = ("/", "/pricing", "/pricing/team", "/docs")


def plan_rules() -> dict[str, Any]:
    """Per plan: a pricing page view greets by plan and notes it on the visitor; VIPs get a tag line."""
    rules: list[dict[str, Any]] = []
    for plan in PLANS:
        when = {"all": [{"fact": "visitor.custom_fields.plan", "op": "eq", "value": plan},
                        {"fact": "event.url", "op": "matches", "value": "^/pricing"}]}
        rules.append({"id": f"pricing-{plan}", "on": "page_viewed", "when": when, "then": [
            {"action": "send_message", "sender": "system", "text": f"offer:{plan}"},
            {"action": "set_custom_field", "key": "offered", "value": plan, "scope": "visitor"}]})
    rules.append({"id": "vip", "on": "page_viewed",
                  "when": {"fact": "visitor.custom_fields.vip", "op": "eq", "value": "yes"},
                  "then": [{"action": "send_message", "sender": "system", "text": "vip"}]})
    return {"ruleset": "triggers", "rules": rules}


class Watching(Matcher):
    """The real matcher, also checking every facts object it is given."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.seen: list[tuple[str, str, str]] = []

    def match_all(self, facts: Mapping[str, Any]) -> list[Match]:
        visitor = facts.get("visitor", {})
        self.seen.append((facts["event"].get("token"), visitor.get("token"),
                          visitor.get("custom_fields", {}).get("ref")))
        return super().match_all(facts)


def profile(n: int) -> dict[str, str]:
    rng = random.Random(n)
    return {"plan": rng.choice(PLANS), "vip": rng.choice(("yes", "no")), "ref": f"ref-{n}"}


def expected(n: int, url: str) -> list[str]:
    data = profile(n)
    out = [f"offer:{data['plan']}"] if url.startswith("/pricing") else []
    return out + (["vip"] if data["vip"] == "yes" else [])


async def test_ten_thousand_visitors_never_see_each_others_data(runtime: Runtime, redis_client: Redis) -> None:
    pipe = redis_client.pipeline(transaction=False)
    for n in range(VISITORS):
        pipe.hset(keys.visitor(f"tok-{n}"), mapping={
            "_id": f"v{n}", "token": f"tok-{n}", "username": f"guest-{n}", "ts": 1, "firstSeen": 1,
            "livechatData": json.dumps(profile(n))})
    await pipe.execute()
    rulesets = {**default_rulesets(), "triggers": load_ruleset(plan_rules(), "triggers.json")}
    with Watching(rulesets) as watching:
        runtime.matcher = watching
        urls = {n: PAGES[n % len(PAGES)] for n in range(VISITORS)}
        for start in range(0, VISITORS, AT_ONCE):
            await asyncio.gather(*(dispatch(runtime, event(EventType.PAGE_VIEWED, token=f"tok-{n}",
                                                           url=urls[n], rid=None))
                                   for n in range(start, min(start + AT_ONCE, VISITORS))))

        assert len(watching.seen) == VISITORS
        assert all(token == own and ref == f"ref-{token[4:]}" for token, own, ref in watching.seen)

    pipe = redis_client.pipeline(transaction=False)
    for n in range(VISITORS):
        pipe.lrange(keys.visitor_pending_messages(f"tok-{n}"), 0, -1)
        pipe.hget(keys.visitor(f"tok-{n}"), "livechatData")
    results = await pipe.execute()
    for n in range(VISITORS):
        said = [json.loads(m)["msg"] for m in results[2 * n]]
        data = json.loads(results[2 * n + 1])
        assert said == expected(n, urls[n]), n
        assert data.get("offered") == (data["plan"] if urls[n].startswith("/pricing") else None), n
        assert data["ref"] == f"ref-{n}"


def test_the_matcher_judges_each_of_ten_thousand_visitors_by_their_own_facts_only() -> None:
    """The same at the matcher alone, against the plain-Python meaning of each condition."""
    doc = plan_rules()
    conditions = {r["id"]: parse_condition(r["when"]) for r in doc["rules"]}
    with Matcher({"triggers": load_ruleset(doc, "triggers.json")}) as matcher:
        for n in range(VISITORS):
            facts = {"event": {"type": "page_viewed", "url": PAGES[n % len(PAGES)], "token": f"tok-{n}"},
                     "visitor": {"token": f"tok-{n}", "custom_fields": profile(n)}}
            want = [rule_id for rule_id, condition in conditions.items() if evaluate(condition, facts)]
            assert [m.rule_id for m in matcher.match("triggers", facts)] == want, n
