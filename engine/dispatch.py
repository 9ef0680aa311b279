"""Events in, actions out: the rules decide, the registry acts."""

from __future__ import annotations

import logging
from typing import Any

from livechat.engine import context, keys
from livechat.engine.context import Context
from livechat.engine.runtime import Runtime

log = logging.getLogger("livechat.engine")

# An action may raise follow-up events (route -> chat_taken); a rule set that keeps
# raising them is cut here instead of looping forever.
MAX_CHAIN_DEPTH = 6
PEOPLE = frozenset({"agent", "department"})
# Actions that need neither the agent nor the department loaded (they read the event and room).
LIGHT_ACTIONS = frozenset({"webhook", "email", "start_timer", "cancel_timer", "tag", "set_custom_field"})
# `once` is remembered this long after the visitor's (or chat's) last rule firing: a visitor
# back after three months is greeted again, and the store does not grow forever.
ONCE_MEMORY_S = 90 * 24 * 3600


async def dispatch(rt: Runtime, event: dict[str, Any], ctx: Context | None = None, depth: int = 0) -> None:
    from livechat.engine.actions import ACTIONS, ActionError

    if depth > MAX_CHAIN_DEPTH:
        log.error("event chain too deep, dropping %s", event["type"])
        return
    if ctx is None:
        ctx = await context.load(rt, token=event.get("token"), rid=event.get("rid"), agent_id=event.get("agent_id"),
                                 department_id=event.get("department"), people=False)
    if not PEOPLE.isdisjoint(rt.matcher.namespaces(event["type"])):
        await context.ensure_people(rt, ctx)
    matches = rt.matcher.match_all(context.facts(ctx, event))
    if any(action["action"] not in LIGHT_ACTIONS for match in matches for action in match.actions):
        await context.ensure_people(rt, ctx)
    follow: list[dict[str, Any]] = []
    for match in matches:
        if match.once and not await _claim_once(rt, ctx, match.once, f"{match.ruleset}:{match.rule_id}"):
            continue
        for action in match.actions:
            try:
                follow.extend(await ACTIONS[action["action"]](rt, ctx, event, action))
            except ActionError as exc:
                log.warning("rule %s/%s: action %s failed: %s", match.ruleset, match.rule_id,
                            action["action"], exc)
    for next_event in follow:
        await dispatch(rt, next_event, None, depth + 1)


async def _claim_once(rt: Runtime, ctx: Context, scope: str, rule: str) -> bool:
    """True the first time a `once` rule fires for this visitor or chat."""
    scope_id = ctx.token if scope == "per_visitor" else ctx.rid
    if not scope_id:
        return True
    key = keys.fired_once(scope, scope_id)
    pipe = rt.redis.pipeline(transaction=False)
    pipe.sadd(key, rule)
    pipe.expire(key, ONCE_MEMORY_S)
    added, _ = await pipe.execute()
    return bool(added)
