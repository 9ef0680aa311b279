"""What every engine call needs: the live store, the rule matcher and the job queue."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import redis as sync_redis
from redis.asyncio import Redis
from rq import Queue

from livechat.engine import keys
from livechat.engine.rules.matcher import Matcher

JOB_RESULT_TTL_S = 300  # results are not read; keep them briefly for debugging
JOB_FAILURE_TTL_S = 7 * 24 * 3600  # failed jobs stay a week for managers to inspect


class Jobs:
    """Side effects go to RQ: the API enqueues and never waits on them."""

    def __init__(self, connection: sync_redis.Redis) -> None:
        self.queue = Queue(keys.RQ_QUEUE, connection=connection)
        self._lock = threading.Lock()

    def enqueue(self, func: str, *args: Any, delay_s: float = 0, job_id: str | None = None) -> str:
        options: dict[str, Any] = {"result_ttl": JOB_RESULT_TTL_S, "failure_ttl": JOB_FAILURE_TTL_S}
        if job_id:
            options["job_id"] = job_id
        with self._lock:
            if delay_s > 0:
                job = self.queue.enqueue_in(timedelta(seconds=delay_s), func, *args, **options)
            else:
                job = self.queue.enqueue(func, *args, **options)
        return str(job.id)


@dataclass
class Runtime:
    redis: Redis
    matcher: Matcher
    jobs: Jobs
    # rule set versions this process has loaded (hot reload compares with Redis)
    loaded_versions: dict[str, int] = field(default_factory=dict)
