"""Timers: a scheduled RQ job brings the event back when its time comes, unless cancelled."""

from __future__ import annotations

from typing import Any

from livechat.engine.dispatch import dispatch
from livechat.engine.runtime import Runtime
from livechat.engine.state import timers
from livechat.workers import loop


def fire(timer_key: str, ticket: str, event: dict[str, Any]) -> str:
    """Raise `event` if the timer still holds `ticket` (a cancel or a restart of it deletes/replaces it)."""

    async def run(rt: Runtime) -> str:
        if not await timers.claim(rt.redis, timer_key, ticket):
            return "cancelled"
        await dispatch(rt, event)
        return "fired"

    result: str = loop.run(run)
    return result
