"""Global settings: one Redis hash of JSON values, with defaults for everything unset."""

import asyncio
import json
import logging
import uuid
from typing import Any

from redis.asyncio import Redis

from livechat.engine import keys

DEFAULTS: dict[str, Any] = {
    "Livechat_enabled": True,
    "Livechat_routing_method": "round_robin",
    # 0 = no limit on simultaneous chats per agent
    "Livechat_max_chats_per_agent": 0,
    # seconds a chat waits for its agent to come back before it returns to the queue
    "Livechat_agent_grace_seconds": 60,
    # 0 = never close a chat for visitor inactivity
    "Livechat_visitor_inactivity_close_seconds": 0,
    "Livechat_request_comment_when_closing_conversation": False,
    "Livechat_webhookUrl": "",
    "Livechat_secret_token": "",
    "Livechat_http_timeout": 5000,
    "Livechat_webhook_on_start": False,
    "Livechat_webhook_on_chat_queued": False,
    "Livechat_webhook_on_chat_taken": False,
    "Livechat_webhook_on_forward": False,
    "Livechat_webhook_on_close": False,
    "Livechat_webhook_on_offline_msg": False,
    "Livechat_webhook_on_visitor_message": False,
    "Livechat_webhook_on_agent_message": False,
    "Livechat_webhook_on_capture": False,
    # a webhook that did not get a 200 is tried again this many times (SPEC §6: 10) ...
    "Livechat_webhook_retries": 10,
    # ... this many seconds apart (SPEC §6: 10; the RQ scheduler has 1 s resolution)
    "Livechat_webhook_retry_delay": 10,
    # outgoing mail (offline messages, transcripts); no host = no mail
    "SMTP_Host": "",
    "SMTP_Port": 587,
    "SMTP_Username": "",
    "SMTP_Password": "",
    # "starttls" (port 587), "tls" (implicit TLS, port 465) or "none" (a local relay)
    "SMTP_Security": "starttls",
    "From_Email": "",
}


RESYNC_S = 5.0  # a process that missed an announcement (reconnect, flush) catches up within this

log = logging.getLogger("livechat.settings")


class _Cache:
    """This process's copy, valid while the version counter in Redis has not moved."""

    version: bytes | None = None
    values: dict[str, Any] = DEFAULTS
    followed = False  # a `follow` task applies every change as it is announced


_cache = _Cache()


async def current(redis: Redis) -> dict[str, Any]:
    """The settings without a read, where a `follow` task keeps this process's copy fresh (API
    processes: a change arrives within milliseconds); read otherwise."""
    if _cache.followed and _cache.version is not None:
        return _cache.values
    return await load(redis)


async def follow(redis: Redis) -> None:
    """Apply every announced change; re-check now and then in case an announcement was missed."""
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    try:
        while True:
            try:
                if not _cache.followed:
                    await pubsub.subscribe(keys.SETTINGS_CHANNEL)
                    await load(redis)
                    _cache.followed = True
                await pubsub.get_message(timeout=RESYNC_S)
                await load(redis)
            except asyncio.CancelledError:
                raise
            except Exception:
                _cache.followed = False
                log.exception("following settings failed; retrying")
                await asyncio.sleep(1)
    finally:
        _cache.followed = False
        await pubsub.aclose()


async def load(redis: Redis) -> dict[str, Any]:
    return await cached(redis, await redis.get(keys.SETTINGS_VERSION))


async def cached(redis: Redis, version: bytes | None) -> dict[str, Any]:
    """The settings for `version` (read alongside other state): from memory unless it moved."""
    version = version or b"0"  # never changed since the store was created
    if version != _cache.version:
        stored = await redis.hgetall(keys.SETTINGS)
        merged = dict(DEFAULTS)
        merged.update({k.decode(): json.loads(v) for k, v in stored.items()})
        _cache.values, _cache.version = merged, version
    return _cache.values


async def get(redis: Redis, name: str) -> Any:
    raw = await redis.hget(keys.SETTINGS, name)
    return json.loads(raw) if raw is not None else DEFAULTS.get(name)


async def put(redis: Redis, values: dict[str, Any]) -> None:
    if values:
        pipe = redis.pipeline(transaction=True)
        pipe.hset(keys.SETTINGS, mapping={k: json.dumps(v) for k, v in values.items()})
        # a random stamp, not a counter: after a data loss or flush a counter repeats old values
        pipe.set(keys.SETTINGS_VERSION, uuid.uuid4().hex)
        pipe.publish(keys.SETTINGS_CHANNEL, "changed")
        await pipe.execute()


def decode(stored: dict[bytes, bytes]) -> dict[str, Any]:
    """Settings from a raw HGETALL (for synchronous callers such as RQ jobs)."""
    merged = dict(DEFAULTS)
    merged.update({k.decode(): json.loads(v) for k, v in stored.items()})
    return merged
