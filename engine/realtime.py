"""Fan-out of realtime frames: one Redis subscription per process, shared by its sockets.

Frames are published by the state scripts (engine/state/frames.py); any API process
receives them here and hands them to the local subscribers of that channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from redis.asyncio import Redis

log = logging.getLogger("livechat.realtime")

Deliver = Callable[[str, str], None]
"""Called with (channel, raw frame) for every frame on a subscribed channel; must not block."""

IDLE_CHANNEL = "lc:rt:idle"  # keeps the subscription open while no socket listens
RESYNC = "resync"  # handed to listeners after a lost subscription came back: replay what you missed
RESUBSCRIBE_PAUSE_S = 0.5  # between attempts while Redis is down


class Hub:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.pubsub = redis.pubsub(ignore_subscribe_messages=True)
        self.subscribers: dict[str, set[Deliver]] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.pubsub.subscribe(IDLE_CHANNEL)
        self._task = asyncio.create_task(self._read(), name="realtime-hub")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.pubsub.aclose()

    async def subscribe(self, channel: str, deliver: Deliver) -> None:
        async with self._lock:
            listeners = self.subscribers.setdefault(channel, set())
            if not listeners:
                await self.pubsub.subscribe(channel)
            listeners.add(deliver)

    async def unsubscribe(self, channel: str, deliver: Deliver) -> None:
        async with self._lock:
            listeners = self.subscribers.get(channel)
            if listeners is None:
                return
            listeners.discard(deliver)
            if not listeners:
                del self.subscribers[channel]
                await self.pubsub.unsubscribe(channel)

    async def _read(self) -> None:
        broken = False
        while True:
            try:
                if broken:
                    await self._resubscribe()
                    broken = False
                # listen() waits without a timer per message (get_message(timeout) arms one each call)
                async for message in self.pubsub.listen():
                    if message["type"] != "message":
                        continue
                    channel = message["channel"].decode()
                    data = message["data"].decode()
                    for deliver in tuple(self.subscribers.get(channel, ())):
                        deliver(channel, data)
                await asyncio.sleep(0.1)  # listen() only ends with no subscription; the idle channel keeps one
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarted or the link broke: start over with a new subscription
                log.warning("realtime subscription lost (%s); resubscribing", exc)
                broken = True
                await asyncio.sleep(RESUBSCRIBE_PAUSE_S)

    async def _resubscribe(self) -> None:
        """A fresh subscription to every channel in use; then every listener is told to catch up
        (frames published while the link was down are in the streams, not in the subscription)."""
        async with self._lock:
            old, self.pubsub = self.pubsub, self.redis.pubsub(ignore_subscribe_messages=True)
            with contextlib.suppress(Exception):
                await old.aclose()
            await self.pubsub.subscribe(IDLE_CHANNEL, *self.subscribers)
        for channel, listeners in list(self.subscribers.items()):
            for deliver in tuple(listeners):
                deliver(channel, RESYNC)
