"""Read-only helpers of the manager console: the installation code, and a rule set's dry run."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from livechat.api import inputs
from livechat.api.auth import require_manager, runtime
from livechat.api.errors import bad_request, not_found, ok
from livechat.api.openapi import documented
from livechat.api.pages import magento_snippet, public_url, snippet
from livechat.engine.events import EVENT_TYPES
from livechat.engine.rules.compiler import CompiledRuleset
from livechat.engine.rules.errors import MatchError, RulesetInvalid
from livechat.engine.rules.loader import load_ruleset
from livechat.engine.rules.matcher import Matcher, event_type_of
from livechat.engine.rules.store import RuleStore

# Sample events one dry run takes: a manager's hand-written examples, matched in a thread meanwhile.
DRY_RUN_MAX_EVENTS = 200


@documented()
async def installation(request: Request) -> JSONResponse:
    """The installation code for this server's public URL, plain and for Magento 2 (RequireJS)."""
    await require_manager(request)
    host = public_url(request)
    return ok(url=host, snippet=snippet(host), magento=magento_snippet(host))


def invalid(exc: RulesetInvalid) -> JSONResponse:
    """The same 400 as `PUT livechat/rules/:name`: every problem as `{source, path, message}`."""
    errors = [{"source": e.source, "path": e.path, "message": e.message} for e in exc.errors]
    first = exc.errors[0]
    return JSONResponse({"success": False, "error": f"{first.path}: {first.message}",
                         "errorType": "error-invalid-ruleset", "field": first.path, "errors": errors},
                        status_code=400)


def _events(data: dict[str, Any]) -> list[dict[str, Any]]:
    events = data.get("events", [])
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise bad_request("events", "'events' must be a list of facts objects")
    if len(events) > DRY_RUN_MAX_EVENTS:
        raise bad_request("events", f"At most {DRY_RUN_MAX_EVENTS} events per dry run")
    return events


def _outcome(matcher: Matcher, ruleset: str, index: int, facts: Mapping[str, Any]) -> dict[str, Any]:
    try:
        event_type = event_type_of(facts)
        matches = matcher.match(ruleset, facts)
    except (ValueError, MatchError) as exc:
        return {"index": index, "type": None, "error": str(exc), "fired": []}
    return {"index": index, "type": event_type, "knownType": event_type in EVENT_TYPES,
            "fired": [{"rule": m.rule_id, "priority": m.priority, "once": m.once, "actions": list(m.actions)}
                      for m in matches]}


def match_events(compiled: CompiledRuleset, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What `livechat rules test` prints, as data: per event, the rules that fire and their actions."""
    with Matcher({compiled.name: compiled}) as matcher:
        return [_outcome(matcher, compiled.name, i, facts) for i, facts in enumerate(events)]


@documented()
async def dry_run(request: Request) -> JSONResponse:
    """Run sample events (`events`: facts objects) through a rule set: the one in force, or `document`
    (validated as a save would be, and not saved). Answers, per event, the rules that fire and their actions."""
    await require_manager(request)
    name = request.path_params["name"]
    data = await inputs.body(request)
    events = _events(data)
    store = RuleStore(runtime(request).redis)
    documents = await store.documents()
    if name not in documents:
        raise not_found("Rule set", "name")
    try:
        if "document" in data:
            compiled = await store.check(name, data["document"])
        else:
            compiled = load_ruleset(await store.compose(store.redis, name, documents[name]), f"{name}.json")
    except RulesetInvalid as exc:
        return invalid(exc)
    results = await asyncio.to_thread(match_events, compiled, events)
    return ok(ruleset=name, rules=len(compiled.rules), results=results)


routes = [
    Route("/api/v1/livechat/installation", installation, methods=["GET"]),
    Route("/api/v1/livechat/rules/{name}/dry-run", dry_run, methods=["POST"]),
]
