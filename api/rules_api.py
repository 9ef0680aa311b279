"""What managers author (rule sets and triggers), and the widget events triggers listen to."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from livechat.api import inputs
from livechat.api.auth import require_manager, runtime
from livechat.api.errors import ApiError, bad_request, not_found, ok
from livechat.api.openapi import documented
from livechat.engine.dispatch import dispatch
from livechat.engine.events import EventType, event
from livechat.engine.rules import triggers as trigger_rules
from livechat.engine.rules.errors import RulesetInvalid
from livechat.engine.rules.loader import load_ruleset
from livechat.engine.rules.matcher import RULESET_ORDER
from livechat.engine.rules.store import RuleStore, disk_documents
from livechat.engine.runtime import Runtime
from livechat.engine.state import pages, rooms, settings, triggers, visitors

PAGE_MAX = 500


def _invalid(exc: RulesetInvalid) -> JSONResponse:
    """400 listing every problem: `errors: [{source, path, message}]`; `field` is the first path."""
    errors = [{"source": e.source, "path": e.path, "message": e.message} for e in exc.errors]
    first = exc.errors[0]
    return JSONResponse({"success": False, "error": f"{first.path}: {first.message}",
                         "errorType": "error-invalid-ruleset", "field": first.path, "errors": errors},
                        status_code=400)


async def _apply(rt: Runtime, store: RuleStore) -> None:
    """This process applies the change before answering; the others within a second."""
    await store.refresh(rt.matcher, force=True)


# --- rule sets ---------------------------------------------------------------------


async def _ruleset(store: RuleStore, name: str) -> dict[str, Any]:
    docs = await store.documents()
    if name not in docs:
        raise not_found("Rule set", "name")
    stored = await store.stored()
    out: dict[str, Any] = {"name": name, "source": "stored" if name in stored else "file", "document": docs[name]}
    if name == "triggers":
        out["generated"] = trigger_rules.with_triggers({}, await triggers.list_all(store.redis))["rules"]
    return out


@documented()
async def list_rulesets(request: Request) -> JSONResponse:
    """Every rule set in force: its document (stored by a manager, else the rule file), and for
    `triggers` the rules generated from managers' triggers."""
    await require_manager(request)
    store = RuleStore(runtime(request).redis)
    order = {name: rank for rank, name in enumerate(RULESET_ORDER)}
    names = sorted(await store.documents(), key=lambda n: (order.get(n, len(order)), n))
    return ok(rulesets=[await _ruleset(store, name) for name in names])


@documented()
async def get_ruleset(request: Request) -> JSONResponse:
    await require_manager(request)
    return ok(ruleset=await _ruleset(RuleStore(runtime(request).redis), request.path_params["name"]))


def _known(store: RuleStore, name: str) -> str:
    """A rule set managers may replace: one with a rule file."""
    if name not in disk_documents(store.directory):
        raise not_found("Rule set", "name")
    return name


@documented(request="ruleset")
async def put_ruleset(request: Request) -> JSONResponse:
    """Replace a rule set (schema: schemas/ruleset.schema.json). An invalid document changes nothing
    and is answered with every error's JSON path; a valid one is in force everywhere within a second."""
    await require_manager(request)
    rt = runtime(request)
    store = RuleStore(rt.redis)
    name = _known(store, request.path_params["name"])
    try:
        await store.save(name, await inputs.body(request))
    except RulesetInvalid as exc:
        return _invalid(exc)
    await _apply(rt, store)
    return ok(ruleset=await _ruleset(store, name))


@documented()
async def revert_ruleset(request: Request) -> JSONResponse:
    """Drop the manager's version of a rule set: its rule file is in force again."""
    await require_manager(request)
    rt = runtime(request)
    store = RuleStore(rt.redis)
    name = _known(store, request.path_params["name"])
    await store.revert(name)
    await _apply(rt, store)
    return ok(ruleset=await _ruleset(store, name))


# --- triggers ----------------------------------------------------------------------


@documented()
async def list_triggers(request: Request) -> JSONResponse:
    await require_manager(request)
    found = await triggers.list_all(runtime(request).redis)
    offset = inputs.query_int(request, "offset", 0, 0, 10**9)
    count = inputs.query_int(request, "count", 50, 1, PAGE_MAX)
    page = found[offset:offset + count]
    return ok(triggers=page, count=len(page), offset=offset, total=len(found))


@documented(request="trigger")
async def save_trigger(request: Request) -> JSONResponse:
    """Create a trigger, or replace the one named by `_id`; it is compiled into the `triggers` rule set."""
    await require_manager(request)
    rt = runtime(request)
    data = await inputs.body(request, "trigger")
    found = trigger_rules.problems(data)
    if found:
        raise bad_request(*found[0])
    if data.get("_id") and await triggers.get(rt.redis, data["_id"]) is None:
        raise not_found("Trigger", "_id")
    trigger = triggers.normalise(data, data.get("_id") or triggers.new_trigger_id())
    store = RuleStore(rt.redis)
    others = [t for t in await triggers.list_all(rt.redis) if t["_id"] != trigger["_id"]]
    current = (await store.documents())["triggers"]
    try:  # the rule set it joins must still load (the matcher's limits, say)
        load_ruleset(trigger_rules.with_triggers(current, [*others, trigger]), "triggers.json")
    except RulesetInvalid as exc:
        return _invalid(exc)
    await triggers.save(rt.redis, trigger)
    await store.announce("triggers")
    await _apply(rt, store)
    return ok(trigger=trigger)


@documented()
async def get_trigger(request: Request) -> JSONResponse:
    await require_manager(request)
    found = await triggers.get(runtime(request).redis, request.path_params["id"])
    if found is None:
        raise not_found("Trigger", "id")
    return ok(trigger=found)


@documented()
async def delete_trigger(request: Request) -> JSONResponse:
    await require_manager(request)
    rt = runtime(request)
    if not await triggers.delete(rt.redis, request.path_params["id"]):
        raise not_found("Trigger", "id")
    store = RuleStore(rt.redis)
    await store.announce("triggers")
    await _apply(rt, store)
    return ok()


# --- what the widget reports -------------------------------------------------------


async def _arrived(request: Request, token: str, rid: str | None) -> tuple[Runtime, str | None]:
    """The visitor (created bare on first sight: triggers need someone to talk to) and their open chat."""
    rt = runtime(request)
    if not await settings.get(rt.redis, "Livechat_enabled"):
        raise ApiError(400, "livechat-disabled", "Livechat is disabled")
    if await visitors.get(rt.redis, token) is None:
        ip = request.headers.get("x-real-ip") or (request.client.host if request.client else "")
        await visitors.register(rt.redis, token, {"ip": ip, "userAgent": request.headers.get("user-agent", "")})
    if rid:
        room = await rooms.get(rt.redis, rid)
        if room is None or room["token"] != token:
            raise bad_request("rid", "Invalid room", "invalid-room")
        return rt, rid if room["open"] else None
    room = await rooms.open_of_visitor(rt.redis, token)
    return rt, room["_id"] if room else None


@documented(request="page-visited")
async def page_visited(request: Request) -> JSONResponse:
    """The visitor's page changed: kept for the agent console, and raised as `page_viewed` for the rules."""
    data = await inputs.body(request, "page-visited")
    rt, rid = await _arrived(request, data["token"], data.get("rid"))
    info = data["pageInfo"]
    url, title = info["location"]["href"], info.get("title", "")
    page = await pages.record(rt.redis, data["token"], title, url, info.get("change", "url"))
    await dispatch(rt, event(EventType.PAGE_VIEWED, token=data["token"], rid=rid, url=url, title=title))
    return ok(page=page)


@documented(request="widget-opened")
async def widget_opened(request: Request) -> JSONResponse:
    """The visitor opened the widget (`chat-opened-by-visitor` triggers)."""
    data = await inputs.body(request, "widget-opened")
    rt, rid = await _arrived(request, data["token"], data.get("rid"))
    await dispatch(rt, event(EventType.WIDGET_OPENED, token=data["token"], rid=rid))
    return ok()


@documented()
async def pages_visited(request: Request) -> JSONResponse:
    """The pages the chat's visitor viewed, newest first (the last 50), for the agent serving it."""
    from livechat.api.agent import room_for_agent

    _, room = await room_for_agent(request, request.path_params["rid"])
    found = await pages.recent(runtime(request).redis, room["token"])
    return ok(pages=found, count=len(found), offset=0, total=len(found))


routes = [
    Route("/api/v1/livechat/rules", list_rulesets, methods=["GET"]),
    Route("/api/v1/livechat/rules/{name}", get_ruleset, methods=["GET"]),
    Route("/api/v1/livechat/rules/{name}", put_ruleset, methods=["PUT"]),
    Route("/api/v1/livechat/rules/{name}", revert_ruleset, methods=["DELETE"]),
    Route("/api/v1/livechat/triggers", list_triggers, methods=["GET"]),
    Route("/api/v1/livechat/triggers", save_trigger, methods=["POST"]),
    Route("/api/v1/livechat/triggers/{id}", get_trigger, methods=["GET"]),
    Route("/api/v1/livechat/triggers/{id}", delete_trigger, methods=["DELETE"]),
    Route("/api/v1/livechat/page.visited", page_visited, methods=["POST"]),
    Route("/api/v1/livechat/widget.opened", widget_opened, methods=["POST"]),
    Route("/api/v1/livechat/visitors.pagesVisited/{rid}", pages_visited, methods=["GET"]),
]
