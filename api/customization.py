"""Custom fields: managers define them, visitors' pages fill them (Rocket.Chat's shapes)."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from livechat.api import inputs
from livechat.api.auth import require_agent, require_manager, runtime
from livechat.api.errors import ApiError, bad_request, not_found, ok
from livechat.api.openapi import documented
from livechat.engine.state import custom_fields, settings, visitors

PAGE_MAX = 500


# --- managers ----------------------------------------------------------------------


@documented()
async def list_fields(request: Request) -> JSONResponse:
    """Custom fields, by name; `text` filters on name or label."""
    await require_agent(request)
    found = await custom_fields.list_all(runtime(request).redis)
    text = (request.query_params.get("text") or "").lower()
    if text:
        found = [f for f in found if text in f["_id"].lower() or text in f["label"].lower()]
    offset = inputs.query_int(request, "offset", 0, 0, 10**9)
    count = inputs.query_int(request, "count", 50, 1, PAGE_MAX)
    page = found[offset:offset + count]
    return ok(customFields=page, count=len(page), offset=offset, total=len(found))


@documented()
async def get_field(request: Request) -> JSONResponse:
    await require_agent(request)
    found = await custom_fields.get(runtime(request).redis, request.path_params["id"])
    if found is None:
        raise not_found("Custom field", "id")
    return ok(customField=found)


def _field_problems(field: dict[str, Any]) -> None:
    if field["regexp"]:
        try:
            re.compile(field["regexp"])
        except re.error as exc:
            raise bad_request("customFieldData.regexp", f"Not a valid regular expression ({exc})",
                              "error-invalid-regexp") from exc
    if field["type"] == "select" and not custom_fields.options(field):
        raise bad_request("customFieldData.options", "A select needs options (comma-separated)")
    if field["defaultValue"]:
        problem = custom_fields.value_problem(field, field["defaultValue"])
        if problem:
            raise bad_request("customFieldData.defaultValue", problem, "error-invalid-custom-field-value")


@documented(request="custom-field-save")
async def save_field(request: Request) -> JSONResponse:
    """Create a custom field, or update the one named by `customFieldId` (its name stays)."""
    await require_manager(request)
    rt = runtime(request)
    data = await inputs.body(request, "custom-field-save")
    values = data["customFieldData"]
    field_id = data.get("customFieldId")
    if field_id:
        if await custom_fields.get(rt.redis, field_id) is None:
            raise bad_request("customFieldId", f"No custom field {field_id!r}", "error-invalid-custom-field")
    else:
        field_id = values["field"]
        if await custom_fields.get(rt.redis, field_id) is not None:
            raise bad_request("customFieldData.field", f"A custom field {field_id!r} already exists",
                              "error-custom-field-name-already-exists")
    field = {"_id": field_id, **custom_fields.from_request(values)}
    _field_problems(field)
    await custom_fields.save(rt.redis, field)
    return ok(customField=field)


@documented(request="custom-field-save")
async def save_field_named(request: Request) -> JSONResponse:
    """`custom-fields.save`: the same as POST custom-fields (newer Rocket.Chat clients)."""
    return await save_field(request)


@documented()
async def delete_field(request: Request) -> JSONResponse:
    """Remove a custom field (values already given stay in visitors' and chats' data)."""
    await require_manager(request)
    if not await custom_fields.delete(runtime(request).redis, request.path_params["id"]):
        raise not_found("Custom field", "id")
    return ok()


@documented(request="custom-field-remove")
async def remove_field(request: Request) -> JSONResponse:
    """`custom-fields.remove {_id}`: the same as DELETE custom-fields/:id."""
    await require_manager(request)
    data = await inputs.body(request, "custom-field-remove")
    if not await custom_fields.delete(runtime(request).redis, data["_id"]):
        raise not_found("Custom field", "_id")
    return ok()


# --- visitors ----------------------------------------------------------------------


async def _checked(request: Request, token: str, items: list[dict[str, Any]],
                   where: str) -> list[tuple[dict[str, Any], str, bool]]:
    """Every value checked before any is written: (field, value, overwrite) triples."""
    rt = runtime(request)
    if not await settings.get(rt.redis, "Livechat_enabled"):
        raise ApiError(400, "livechat-disabled", "Livechat is disabled")
    if await visitors.get(rt.redis, token) is None:
        raise bad_request("token", "Invalid visitor token", "invalid-token")
    known = await custom_fields.get_many(rt.redis, [item["key"] for item in items])
    out = []
    for index, item in enumerate(items):
        at = where.format(index=index)
        field = known.get(item["key"])
        if field is None:
            raise bad_request(f"{at}key", f"Unknown custom field {item['key']!r}", "invalid-custom-field")
        value = custom_fields.as_text(item["value"])
        problem = custom_fields.value_problem(field, value)
        if problem:
            raise bad_request(f"{at}value", problem, "error-invalid-custom-field-value")
        out.append((field, value, item.get("overwrite", True)))
    return out


@documented(request="custom-field-value")
async def set_field(request: Request) -> JSONResponse:
    """Set one custom field of the visitor (or of their open chat, for room fields)."""
    data = await inputs.body(request, "custom-field-value")
    [(field, value, overwrite)] = await _checked(request, data["token"], [data], "")
    await custom_fields.set_value(runtime(request).redis, field, data["token"], value, overwrite)
    return ok(field={"key": data["key"], "value": value, "overwrite": overwrite})


@documented(request="custom-field-values")
async def set_fields(request: Request) -> JSONResponse:
    """Set several custom fields; nothing is written unless every one is valid."""
    data = await inputs.body(request, "custom-field-values")
    checked = await _checked(request, data["token"], data["customFields"], "customFields.{index}.")
    for field, value, overwrite in checked:
        await custom_fields.set_value(runtime(request).redis, field, data["token"], value, overwrite)
    # `Key` with a capital K: Rocket.Chat's answer, which clients read
    return ok(fields=[{"Key": f["_id"], "value": v, "overwrite": o} for f, v, o in checked])


routes = [
    Route("/api/v1/livechat/custom-fields", list_fields, methods=["GET"]),
    Route("/api/v1/livechat/custom-fields", save_field, methods=["POST"]),
    Route("/api/v1/livechat/custom-fields.save", save_field_named, methods=["POST"]),
    Route("/api/v1/livechat/custom-fields.remove", remove_field, methods=["POST"]),
    Route("/api/v1/livechat/custom-fields/{id}", get_field, methods=["GET"]),
    Route("/api/v1/livechat/custom-fields/{id}", delete_field, methods=["DELETE"]),
    Route("/api/v1/livechat/custom.field", set_field, methods=["POST"]),
    Route("/api/v1/livechat/custom.fields", set_fields, methods=["POST"]),
]
