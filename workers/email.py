"""Mail over SMTP: conversation transcripts and offline messages.

`send(template, to, event)` is the job the `email` rule action and the API enqueue.
With no `SMTP_Host` configured nothing is sent. A server that is down or answers
4xx is tried again later by a scheduled job; a 5xx answer is final.
"""

from __future__ import annotations

import html
import logging
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

import redis as sync_redis
from redis.asyncio import Redis
from rq import get_current_job

from livechat.engine import keys
from livechat.engine.runtime import Jobs
from livechat.engine.state import departments, offline, rooms, settings, visitors
from livechat.workers import live

log = logging.getLogger("livechat.email")

TRANSCRIPT = "transcript"
OFFLINE_MESSAGE = "offline_message"
TEMPLATES = (TRANSCRIPT, OFFLINE_MESSAGE)
SEND = "livechat.workers.email.send"

SMTP_TIMEOUT_S = 30  # a mail server silent this long is down; the job tries again later
EMAIL_ATTEMPTS = 5  # a transient failure (server down, 4xx) is retried up to this many attempts ...
EMAIL_RETRY_DELAY_S = 60  # ... this many seconds apart
SUBJECT_PREVIEW_CHARS = 40
DEFAULT_FROM = "livechat@localhost"  # when no From_Email is set: better than refusing to send


class Permanent(Exception):
    """The server refused the message for good (5xx); retrying would not help."""


def send(template: str, to: str | None, event: dict[str, Any], attempt: int = 1) -> str:
    job = get_current_job()
    if job is None:
        raise RuntimeError("email jobs run inside an RQ worker (no current job)")
    conn: sync_redis.Redis = job.connection
    current = settings.decode(conn.hgetall(keys.SETTINGS))
    if template not in TEMPLATES:
        raise ValueError(f"Unknown email template {template!r}; templates are {', '.join(TEMPLATES)}")
    if not current["SMTP_Host"]:
        log.warning("email %s not sent: no SMTP host is configured", template)
        return "skipped (no SMTP host)"

    async def build(redis: Redis) -> EmailMessage | None:
        return await compose(redis, template, to, event, current)

    message = live.run(conn, build)
    if message is None:
        return "skipped (nothing to send or no recipient)"
    try:
        deliver(current, message)
    except Permanent as exc:
        log.error("email %s to %s refused: %s", template, message["To"], exc)
        return "failed"
    except (OSError, smtplib.SMTPException) as exc:
        if attempt >= EMAIL_ATTEMPTS:
            log.error("email %s to %s failed %d times, giving up: %s", template, message["To"], attempt, exc)
            return "failed"
        log.warning("email %s to %s failed (%s); trying again in %ss", template, message["To"], exc,
                    EMAIL_RETRY_DELAY_S)
        Jobs(conn).enqueue(SEND, template, to, event, attempt + 1, delay_s=EMAIL_RETRY_DELAY_S)
        return "retry"
    return "sent"


def deliver(current: dict[str, Any], message: EmailMessage) -> None:
    """One SMTP session: connect, secure, log in, send."""
    host, port, security = str(current["SMTP_Host"]), int(current["SMTP_Port"]), current["SMTP_Security"]
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if security == "tls":
        smtp = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_S, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_S)
    with smtp:
        if security == "starttls":
            smtp.starttls(context=context)
        if current["SMTP_Username"]:
            smtp.login(str(current["SMTP_Username"]), str(current["SMTP_Password"]))
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise Permanent(f"recipients refused: {', '.join(exc.recipients)}") from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise Permanent(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise


async def compose(redis: Redis, template: str, to: str | None, event: dict[str, Any],
                  current: dict[str, Any]) -> EmailMessage | None:
    if template == TRANSCRIPT:
        return await transcript(redis, to, event, current)
    return await offline_message(redis, to, event, current)


async def transcript(redis: Redis, to: str | None, event: dict[str, Any],
                     current: dict[str, Any]) -> EmailMessage | None:
    """The chat's messages (no system messages) to `to`, or to the visitor's email."""
    room = await rooms.get(redis, str(event.get("rid")))
    if room is None:
        return None
    visitor = await visitors.get(redis, room["token"])
    recipient = to or (visitor["email"] if visitor else "")
    if not recipient:
        return None
    lines = [m for m in reversed(await rooms.history(redis, room["_id"], limit=1_000_000)) if not m.get("t")]
    entries = [(_when(m["ts"]), m["u"].get("name") or m["u"]["username"], m["msg"]) for m in lines]
    title = f"Transcript of your livechat conversation (chat #{room['code']})"
    text = "\n".join([title, "", *[f"[{when}] {who}: {msg}" for when, who, msg in entries]]) + "\n"
    rows = "".join(f"<p><strong>{html.escape(who)}</strong> <em>{html.escape(when)}</em><br>"
                   f"{html.escape(msg).replace(chr(10), '<br>')}</p>" for when, who, msg in entries)
    body_html = f"<html><body><h2>{html.escape(title)}</h2>{rows}</body></html>"
    return _message(current, recipient, "Transcript of your livechat conversation", text, body_html)


async def offline_message(redis: Redis, to: str | None, event: dict[str, Any],
                          current: dict[str, Any]) -> EmailMessage | None:
    """An offline message to `to`, else its department's email, else `Livechat_offline_email`."""
    found = await offline.get(redis, str(event.get("offline_id")))
    if found is None:
        return None
    department = await departments.get(redis, found["department"]) if found.get("department") else None
    recipient = to or (department or {}).get("email") or current.get("Livechat_offline_email") or ""
    if not recipient:
        log.warning("offline message %s not emailed: no department email nor Livechat_offline_email",
                    found["_id"])
        return None
    preview = " ".join(found["message"].split())[:SUBJECT_PREVIEW_CHARS]
    subject = f"Livechat offline message from {_one_line(found['name'])}: {preview}"
    fields = [("Name", found["name"]), ("Email", found["email"]),
              ("Department", department["name"] if department else ""), ("Page", found.get("host") or ""),
              ("Sent", _when(found["ts"]))]
    shown = [(k, v) for k, v in fields if v]
    text = "\n".join([*[f"{k}: {v}" for k, v in shown], "", found["message"]]) + "\n"
    rows = "".join(f"<p><strong>{html.escape(k)}:</strong> {html.escape(v)}</p>" for k, v in shown)
    message_html = html.escape(found["message"]).replace("\n", "<br>")
    body_html = f"<html><body>{rows}<hr><p>{message_html}</p></body></html>"
    message = _message(current, recipient, subject, text, body_html)
    message["Reply-To"] = formataddr((_one_line(found["name"]), found["email"]))
    return message


def _message(current: dict[str, Any], to: str, subject: str, text: str, body_html: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current.get("From_Email") or DEFAULT_FROM
    message["To"] = to
    message["Subject"] = _one_line(subject)
    message["Message-ID"] = make_msgid(domain="pimentachat.livechat")
    message.set_content(text)
    message.add_alternative(body_html, subtype="html")
    return message


def _one_line(text: str) -> str:
    """Header-safe: user input must not add headers."""
    return " ".join(text.split())


def _when(ts: str) -> str:
    moment = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
