"""The JSON shapes the API answers with (Rocket.Chat's, where clients expect them)."""

from __future__ import annotations

from typing import Any

from livechat.engine.jsonutil import iso


def room(r: dict[str, Any], agent: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "_id": r["_id"], "t": "l", "code": r["code"], "fname": r["visitorName"] or r["visitorUsername"],
        "msgs": r["msgs"], "open": r["open"], "status": r["status"], "ts": iso(r["ts"]),
        "lm": iso(r["lastMessageAt"]), "departmentId": r["department"] or None,
        "v": {"_id": r["visitorId"], "token": r["token"], "username": r["visitorUsername"]},
        "tags": r["tags"], "livechatData": r["livechatData"], "label": r["label"], "topic": r["topic"],
    }
    if r["servedBy"]:
        out["servedBy"] = {"_id": r["servedBy"], **({"username": agent["username"]} if agent else {})}
    if not r["open"]:
        out.update({"closedAt": iso(r["closedAt"]), "closer": r["closer"], "closedBy": {"_id": r["closedBy"]}})
        if r["comment"]:
            out["comment"] = r["comment"]
    return out


def department(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if not k.startswith("_") or k == "_id"}


def inquiry(r: dict[str, Any], position: int) -> dict[str, Any]:
    return {
        "_id": r["_id"], "rid": r["_id"], "name": r["visitorName"] or r["visitorUsername"],
        "ts": iso(r["ts"]), "department": r["department"] or None, "status": "queued",
        "position": position, "v": {"_id": r["visitorId"], "token": r["token"], "username": r["visitorUsername"]},
    }
