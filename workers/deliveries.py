"""A webhook delivery as plain data: what is sent, to whom, and every attempt made.

Sending is a separate step (workers/webhooks.py); a failed send only appends an
`Attempt`, it can never corrupt the record. Stored as one Redis hash (`to_hash`) plus
a list of attempt documents.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from livechat.engine.jsonutil import iso

PREPARING, PENDING, DELIVERED, FAILED = "preparing", "pending", "delivered", "failed"
STATES = (PREPARING, PENDING, DELIVERED, FAILED)
MASK = "********"

HEADER_TOKEN = "X-pimentachat-Livechat-Token"
HEADER_DELIVERY = "X-pimentachat-Delivery"
HEADER_TIMESTAMP = "X-pimentachat-Timestamp"
HEADER_SIGNATURE = "X-pimentachat-Signature"


@dataclass
class Attempt:
    at: int  # epoch ms when the request started
    status: int | None  # HTTP status, None when no answer came (timeout, refused, ...)
    latency_ms: int
    error: str = ""
    response: str = ""  # the start of the answer's body

    @property
    def ok(self) -> bool:
        return self.status == 200

    def to_dict(self) -> dict[str, Any]:
        return {"at": iso(self.at), "status": self.status, "latency_ms": self.latency_ms,
                "error": self.error, "response": self.response}

    def dumps(self) -> str:
        return json.dumps({"at": self.at, "status": self.status, "latency_ms": self.latency_ms,
                           "error": self.error, "response": self.response}, separators=(",", ":"))

    @classmethod
    def loads(cls, raw: str | bytes) -> Attempt:
        d = json.loads(raw)
        return cls(at=int(d["at"]), status=d["status"], latency_ms=int(d["latency_ms"]),
                   error=d.get("error", ""), response=d.get("response", ""))


@dataclass
class Delivery:
    id: str
    type: str  # the payload type: LivechatSession, LivechatOfflineMessage, Message, ...
    lane: str  # deliveries sharing a lane (one chat) go out one at a time, in order
    created: int  # epoch ms
    event: dict[str, Any] = field(default_factory=dict)  # the domain event it reports
    rid: str = ""
    url: str = ""
    body: str = ""  # the exact JSON text sent on every attempt; empty while preparing
    state: str = PREPARING
    attempts_made: int = 0
    next_at: int = 0  # epoch ms the next attempt is due
    job_id: str = ""  # the RQ job expected to run the next step
    finished: int | None = None
    redelivery_of: str = ""
    attempts: list[Attempt] = field(default_factory=list)

    def to_hash(self) -> dict[str, str]:
        return {
            "id": self.id, "type": self.type, "lane": self.lane, "created": str(self.created),
            "event": json.dumps(self.event, separators=(",", ":")), "rid": self.rid, "url": self.url,
            "body": self.body, "state": self.state, "attempts_made": str(self.attempts_made),
            "next_at": str(self.next_at), "job_id": self.job_id,
            "finished": "" if self.finished is None else str(self.finished),
            "redelivery_of": self.redelivery_of,
        }

    @classmethod
    def from_hash(cls, raw: dict[bytes, bytes], attempts: list[bytes] | None = None) -> Delivery:
        d = {k.decode(): v.decode() for k, v in raw.items()}
        return cls(
            id=d["id"], type=d["type"], lane=d["lane"], created=int(d["created"]),
            event=json.loads(d.get("event") or "{}"), rid=d.get("rid", ""), url=d.get("url", ""),
            body=d.get("body", ""), state=d.get("state", PREPARING),
            attempts_made=int(d.get("attempts_made") or 0), next_at=int(d.get("next_at") or 0),
            job_id=d.get("job_id", ""), finished=int(d["finished"]) if d.get("finished") else None,
            redelivery_of=d.get("redelivery_of", ""),
            attempts=[Attempt.loads(a) for a in attempts or []],
        )

    def to_dict(self, with_body: bool = False) -> dict[str, Any]:
        """The manager's view: no secret (none is stored), the URL without credentials."""
        out: dict[str, Any] = {
            "id": self.id, "type": self.type, "rid": self.rid or None, "url": redact_url(self.url),
            "created": iso(self.created), "state": self.state,
            "attempts": [a.to_dict() for a in self.attempts],
            "next_attempt_at": iso(self.next_at) if self.state in (PENDING, PREPARING) else None,
            "finished": iso(self.finished), "redelivery_of": self.redelivery_of or None,
        }
        if with_body:
            out["body"] = json.loads(self.body) if self.body else None
        return out


def signature(secret: str, timestamp: int, body: str) -> str:
    """`sha256=` + hex HMAC-SHA256 of `timestamp.body` keyed with the secret token."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def headers(delivery_id: str, secret: str, timestamp: int, body: str) -> dict[str, str]:
    out = {"Content-Type": "application/json", HEADER_DELIVERY: delivery_id,
           HEADER_TIMESTAMP: str(timestamp), "User-Agent": "pimentaCHAT-Livechat-Webhook"}
    if secret:
        out[HEADER_TOKEN] = secret
        out[HEADER_SIGNATURE] = signature(secret, timestamp, body)
    return out


def mask(secret: str) -> str:
    """What APIs and logs show instead of a secret: whether it is set, nothing more."""
    return MASK if secret else ""


def redact_url(url: str) -> str:
    """The URL without user:password or query string, which often carry credentials."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
