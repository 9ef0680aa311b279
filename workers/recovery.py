"""A non-forking RQ worker that also finishes what crashed workers left behind.

RQ notices an abandoned job only after its heartbeat expires and a maintenance pass
runs (every 10 minutes by default), and a scheduler killed -9 keeps its lock for a
minute. This worker runs maintenance every `RECOVERY_INTERVAL_S`, even while idle,
and adds the webhook sweep to it, so a delivery whose worker died resumes within
about that long: `RecoveringWorker(queues, connection=...).work(with_scheduler=True)`.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from rq import SimpleWorker

from livechat.workers.webhooks import recover_pending

log = logging.getLogger("livechat.webhooks")

# How late a delivery whose worker died may resume; also how often an idle worker wakes.
RECOVERY_INTERVAL_S = 30


class RecoveringWorker(SimpleWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("maintenance_interval", RECOVERY_INTERVAL_S)
        super().__init__(*args, **kwargs)

    @property
    def dequeue_timeout(self) -> int:
        # wake at least once per maintenance interval, so an idle worker still sweeps
        return max(1, min(self.worker_ttl - 15, int(self.maintenance_interval)))

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        try:
            recover_pending(self.connection)
        except redis.RedisError as exc:
            log.error("webhook recovery sweep failed: %s", exc)
