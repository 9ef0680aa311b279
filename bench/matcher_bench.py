"""Matcher throughput and memory: 50 mixed rules over several event types, N events.

    .venv/bin/python bench/matcher_bench.py --events 200000

Prints events/s, RSS (from /proc/self/statm) at start, every 10 % and at the end, and the
durable-rules floor measured in the same run (assert + retract of a trivial fact on a 1-rule
rule set, no Python around it) with the ratio between the two. Target: >= 20,000 events/s
and an RSS that stays flat once warm.

`--engine` measures what dispatch does per event besides Redis: build the facts from a loaded
context (engine/context.py) and match them against every rule set in force (the shipped
routing and lifecycle rules, with the 50 rules as `triggers`).
"""

import argparse
import json
import os
import random
import time
from typing import Any

import durable_rules_engine as dre

from livechat.engine import context
from livechat.engine.rules.loader import default_rulesets, load_ruleset
from livechat.engine.rules.matcher import Matcher
from livechat.engine.state import settings, users

TARGET_EVENTS_PER_S = 20_000
POOL = 5_000  # distinct facts dicts, cycled: building facts is not what we measure
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

EVENT_TYPES = [
    "page_viewed",
    "message_sent",
    "chat_requested",
    "agent_status_changed",
    "timer_fired",
    "widget_opened",
]
URLS = ["/", "/pricing", "/pricing/team", "/docs/api", "/blog/2024/launch", "/contact?ref=ads", "/PRICING"]


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE / 2**20


def leaf(fact: str, op: str, value: Any) -> dict[str, Any]:
    return {"fact": fact, "op": op, "value": value}


def condition(rng: random.Random, n: int) -> dict[str, Any]:
    """One of five shapes, so the 50 rules mix eq, gte, in, matches and not/any nesting."""
    seconds = leaf("visitor.time_on_site", "gte", rng.choice([5, 10, 30, 60]))
    shapes = [
        lambda: {
            "all": [
                leaf("event.url", "matches", rng.choice(["/pricing", r"^/docs/\w+", "(?i)pricing$"])),
                seconds,
            ]
        },
        lambda: {
            "any": [
                leaf("chat.status", "eq", rng.choice(["queued", "taken"])),
                leaf("agent.load", "gt", n % 4),
            ]
        },
        lambda: leaf(
            "visitor.custom_fields.plan", "in", rng.sample(["free", "pro", "team", "enterprise"], 2)
        ),
        lambda: {
            "not": {"any": [leaf("visitor.name", "exists", True), leaf("event.url", "matches", f"/blog/{n}")]}
        },
        lambda: {
            "all": [
                seconds,
                {"not": leaf("chat.tags", "contains", "vip")},
                leaf("settings.online", "eq", True),
            ]
        },
    ]
    return shapes[n % len(shapes)]()


def ruleset(rng: random.Random) -> dict[str, Any]:
    rules = [
        {
            "id": f"rule-{n}",
            "priority": rng.randint(0, 3),
            "on": rng.sample(EVENT_TYPES, rng.randint(1, 2)),
            "when": condition(rng, n),
            "then": [{"action": "tag", "tags": [f"t{n}"]}],
        }
        for n in range(50)
    ]
    return {"ruleset": "triggers", "description": "benchmark", "rules": rules}


def facts(rng: random.Random, n: int) -> dict[str, Any]:
    visitor: dict[str, Any] = {
        "token": f"v{n}",
        "time_on_site": rng.randint(0, 90),
        "pages_viewed": rng.randint(1, 9),
    }
    if rng.random() < 0.5:
        visitor["name"] = f"Visitor {n}"
    if rng.random() < 0.7:
        visitor["custom_fields"] = {"plan": rng.choice(["free", "pro", "team", "enterprise"])}
    return {
        "event": {
            "type": rng.choice(EVENT_TYPES),
            "url": rng.choice(URLS),
            "sender": "visitor",
            "timer": "agent_grace",
        },
        "visitor": visitor,
        "chat": {
            "status": rng.choice(["queued", "taken", "closed"]),
            "tags": rng.sample(["vip", "new", "sales"], 1),
        },
        "agent": {"status": "available", "load": rng.randint(0, 5)},
        "settings": {"online": rng.random() < 0.8, "Livechat_agent_grace_seconds": 60, "queue_length": 3},
    }


def run_matcher(events: int, seed: int) -> float:
    rng = random.Random(seed)
    compiled = load_ruleset(ruleset(rng), "bench")
    pool = [facts(rng, n) for n in range(POOL)]
    with Matcher({"triggers": compiled}) as matcher:
        for sample in pool[:1000]:  # warm up: first handles, caches, allocator
            matcher.match("triggers", sample)
        print(f"matcher: 50 rules, {len(compiled.plans)} event types, {events:,} events")
        print(f"  RSS start {rss_mb():.1f} MB")
        step = max(1, events // 10)
        fired = 0
        started = time.perf_counter()
        for n in range(events):
            fired += len(matcher.match("triggers", pool[n % POOL]))
            if (n + 1) % step == 0:
                elapsed = time.perf_counter() - started
                done = n + 1
                print(f"  {100 * done // events:3d}%  {done / elapsed:9,.0f} events/s  RSS {rss_mb():.1f} MB")
        elapsed = time.perf_counter() - started
    rate = events / elapsed
    print(f"matcher: {rate:,.0f} events/s, {fired / events:.2f} rules fired per event")
    print(f"  RSS end {rss_mb():.1f} MB")
    return rate


SETTINGS = dict(settings.DEFAULTS)  # one dict per settings version, shared, as in a process


def loaded_context(rng: random.Random, n: int) -> context.Context:
    """What context.load would have read for one visitor's event: visitor, chat, agent, settings."""
    now = int(time.time() * 1000)
    visitor = {"_id": f"v{n}", "token": f"tok-{n}", "username": f"guest-{n}", "name": f"Visitor {n}",
               "email": "", "phone": "", "department": "", "ip": "", "userAgent": "",
               "livechatData": {"plan": rng.choice(["free", "pro", "team", "enterprise"])},
               "ts": None, "firstSeen": now - rng.randint(0, 90_000)}
    room = {"_id": f"r{n}", "code": n, "token": f"tok-{n}", "status": rng.choice(["queued", "taken"]),
            "department": "", "servedBy": "a1", "msgs": 3, "visitorMsgs": 2, "agentMsgs": 1,
            "tags": rng.sample(["vip", "new", "sales"], 1), "lastMessageAt": now, "ts": now, "open": True,
            "livechatData": {}}
    agent = users.User(id="a1", username="ana", status="available")
    return context.Context(settings=SETTINGS, visitor=visitor, room=room, agent=agent,
                           agent_load=rng.randint(0, 5), available_agents=3, queue_length=2)


def run_engine(events: int, seed: int) -> float:
    rng = random.Random(seed)
    rulesets = {**default_rulesets(), "triggers": load_ruleset(ruleset(rng), "bench")}
    pool = [(loaded_context(rng, n), {**facts(rng, n)["event"], "token": f"tok-{n}"}) for n in range(POOL)]
    with Matcher(rulesets) as matcher:
        for ctx, event in pool[:1000]:
            matcher.match_all(context.facts(ctx, event))
        print(f"engine: facts from a loaded context + every rule set in force "
              f"({sum(len(c.rules) for c in rulesets.values())} rules), {events:,} events")
        print(f"  RSS start {rss_mb():.1f} MB")
        step = max(1, events // 10)
        fired = 0
        started = time.perf_counter()
        for n in range(events):
            ctx, event = pool[n % POOL]
            fired += len(matcher.match_all(context.facts(ctx, event)))
            if (n + 1) % step == 0:
                done = n + 1
                rate = done / (time.perf_counter() - started)
                print(f"  {100 * done // events:3d}%  {rate:9,.0f} events/s  RSS {rss_mb():.1f} MB")
        elapsed = time.perf_counter() - started
    rate = events / elapsed
    print(f"engine: {rate:,.0f} events/s, {fired / events:.2f} rules fired per event")
    print(f"  RSS end {rss_mb():.1f} MB")
    return rate


def run_baseline(events: int) -> float:
    rule = {"r": {"all": [{"m": {"$and": [{"ev": "page_viewed"}, {"$gte": {"n0": 10}}]}}]}}
    handle = dre.create_ruleset("bench-baseline", json.dumps(rule))
    started = time.perf_counter()
    for n in range(events):
        fact_id = str(n)
        dre.assert_fact(handle, json.dumps({"id": fact_id, "sid": "0", "ev": "widget_opened", "n0": 1}))
        dre.retract_fact(handle, json.dumps({"id": fact_id, "sid": "0"}))
    rate = events / (time.perf_counter() - started)
    dre.delete_ruleset(handle)
    print(f"durable raw assert+retract (1 rule, trivial fact): {rate:,.0f} events/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", action="store_true", help="facts from a context, every rule set")
    args = parser.parse_args()
    rate = (run_engine if args.engine else run_matcher)(args.events, args.seed)
    baseline = run_baseline(min(args.events, 200_000))
    verdict = "meets" if rate >= TARGET_EVENTS_PER_S else "MISSES"
    print(f"ratio matcher/raw: {rate / baseline:.2f}; {verdict} the {TARGET_EVENTS_PER_S:,} events/s target")


if __name__ == "__main__":
    main()
