"""Delivery records in Redis: every state change is one Lua script, so a kill -9 at any
point leaves a record that the recovery sweep can finish.

A record is `preparing` (event stored, payload not built), then `pending` (body stored,
attempts going on), then `delivered` or `failed`. Records of one chat share a lane, a
list in event order; only its head is attempted, and finishing the head hands the
lane to the next record.
"""

from __future__ import annotations

import hashlib
from typing import Any

import redis as sync_redis
from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from livechat.engine import keys
from livechat.workers.deliveries import Attempt, Delivery

# Finished deliveries stay in the log a week, like failed RQ jobs (engine/runtime.py).
LOG_KEEP_MS = 7 * 24 * 3600 * 1000


class Script:
    """A Lua script run by SHA from sync (workers) or async (API) clients."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    def __call__(self, conn: sync_redis.Redis, keys_: list[str], args: list[Any]) -> Any:
        try:
            return conn.evalsha(self.sha, len(keys_), *keys_, *args)
        except NoScriptError:
            return conn.eval(self.source, len(keys_), *keys_, *args)

    async def run_async(self, conn: Redis, keys_: list[str], args: list[Any]) -> Any:
        try:
            return await conn.evalsha(self.sha, len(keys_), *keys_, *args)
        except NoScriptError:
            return await conn.eval(self.source, len(keys_), *keys_, *args)


# Store a new record at the tail of its lane; a record that exists is left alone (re-run).
_CREATE = Script("""
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
return 1
""")

# Claim a record for work: the lease is free or already ours. Returns the record's fields.
_CLAIM = Script("""
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return {0, 'leased'} end
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {0, 'missing'} end
if state ~= ARGV[3] then return {0, state} end
if ARGV[4] ~= '' and redis.call('HGET', KEYS[1], 'attempts_made') ~= ARGV[4] then return {0, 'stale'} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return {1, redis.call('HGETALL', KEYS[1])}
""")

# The payload is built: store it. 1 when the record heads its lane: the caller keeps the
# lease (for an attempt's length) and attempts it now; 0 when it waits its turn.
_READY = Script("""
if redis.call('HGET', KEYS[1], 'state') ~= 'preparing' then return -1 end
redis.call('HSET', KEYS[1], 'state', 'pending', 'url', ARGV[2], 'body', ARGV[3], 'next_at', ARGV[4])
local ours = redis.call('GET', KEYS[3]) == ARGV[5]
if redis.call('LINDEX', KEYS[2], 0) == ARGV[1] and ours then
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
  return 1
end
if ours then redis.call('DEL', KEYS[3]) end
return 0
""")

# Record an attempt. `retry` keeps the record pending; `delivered`/`failed` finish it, drop it
# from its lane and return the lane's next record when that one is ready to attempt.
_FINISH = Script("""
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'pending' and state ~= 'preparing' then return {-1, '', ''} end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'attempts_made', 1)
if redis.call('GET', KEYS[5]) == ARGV[5] then redis.call('DEL', KEYS[5]) end
if ARGV[3] == 'retry' then
  redis.call('HSET', KEYS[1], 'next_at', ARGV[4], 'job_id', ARGV[7])
  return {0, '', ''}
end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'finished', ARGV[6])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('LREM', KEYS[3], 1, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('PEXPIRE', KEYS[2], ARGV[8])
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', tonumber(ARGV[6]) - tonumber(ARGV[8]))
local head = redis.call('LINDEX', KEYS[3], 0)
if not head then return {1, '', ''} end
local head_key = ARGV[9] .. head
if redis.call('HGET', head_key, 'state') ~= 'pending' then return {1, '', ''} end
redis.call('HSET', head_key, 'job_id', ARGV[10])
return {1, head, redis.call('HGET', head_key, 'attempts_made')}
""")

# Point a record at a new job, unless someone else already did.
_REPOINT = Script("""
if redis.call('HGET', KEYS[1], 'job_id') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'job_id', ARGV[2])
return 1
""")


def _create_args(delivery: Delivery) -> tuple[list[str], list[Any]]:
    fields = [item for pair in delivery.to_hash().items() for item in pair]
    return ([keys.webhook_delivery(delivery.id), keys.webhook_lane(delivery.lane), keys.WEBHOOK_PENDING,
             keys.WEBHOOK_DELIVERIES], [delivery.id, delivery.created, *fields])


def create(conn: sync_redis.Redis, delivery: Delivery) -> bool:
    """Store a new record (and its place in its lane); False when it already exists."""
    return bool(_CREATE(conn, *_create_args(delivery)))


async def create_async(redis: Redis, delivery: Delivery) -> bool:
    return bool(await _CREATE.run_async(redis, *_create_args(delivery)))


def claim(conn: sync_redis.Redis, delivery_id: str, token: str, lease_ms: int, state: str,
          attempts_made: int | None = None) -> tuple[Delivery | None, str]:
    """Lease a record in `state` (and at that attempt count); (record, '') or (None, why not)."""
    ok, found = _CLAIM(conn, [keys.webhook_delivery(delivery_id), keys.webhook_lease(delivery_id)],
                       [token, lease_ms, state, "" if attempts_made is None else attempts_made])
    if not ok:
        return None, found.decode() if isinstance(found, bytes) else str(found)
    raw = dict(zip(found[0::2], found[1::2], strict=True))
    return Delivery.from_hash(raw), ""


def ready(conn: sync_redis.Redis, delivery: Delivery, token: str, lease_ms: int) -> int:
    """-1 not preparing any more, 0 stored and waiting its turn, 1 stored, heading its lane and leased."""
    return int(_READY(conn, [keys.webhook_delivery(delivery.id), keys.webhook_lane(delivery.lane),
                             keys.webhook_lease(delivery.id)],
                      [delivery.id, delivery.url, delivery.body, delivery.next_at, token, lease_ms]))


def finish(conn: sync_redis.Redis, delivery: Delivery, attempt: Attempt, outcome: str, token: str,
           next_at: int, now: int, retry_job_id: str, next_job_id: str) -> tuple[bool, str, int]:
    """Record `attempt`; outcome `retry`, `delivered` or `failed`.

    Returns (recorded, next delivery id of the lane to attempt or '', its attempts made).
    """
    done, head, made = _FINISH(
        conn,
        [keys.webhook_delivery(delivery.id), keys.webhook_attempts(delivery.id),
         keys.webhook_lane(delivery.lane), keys.WEBHOOK_PENDING, keys.webhook_lease(delivery.id),
         keys.WEBHOOK_DELIVERIES],
        [delivery.id, attempt.dumps(), outcome, next_at, token, now, retry_job_id, LOG_KEEP_MS,
         keys.webhook_delivery_prefix(), next_job_id],
    )
    head_id = head.decode() if isinstance(head, bytes) else str(head or "")
    return int(done) >= 0, head_id, int(made or 0)


def repoint(conn: sync_redis.Redis, delivery_id: str, old_job_id: str, new_job_id: str) -> bool:
    return bool(_REPOINT(conn, [keys.webhook_delivery(delivery_id)], [old_job_id, new_job_id]))


def load(conn: sync_redis.Redis, delivery_id: str) -> Delivery | None:
    pipe = conn.pipeline(transaction=False)
    pipe.hgetall(keys.webhook_delivery(delivery_id))
    pipe.lrange(keys.webhook_attempts(delivery_id), 0, -1)
    raw, attempts = pipe.execute()
    return Delivery.from_hash(raw, attempts) if raw else None


async def load_async(redis: Redis, delivery_id: str) -> Delivery | None:
    pipe = redis.pipeline(transaction=False)
    pipe.hgetall(keys.webhook_delivery(delivery_id))
    pipe.lrange(keys.webhook_attempts(delivery_id), 0, -1)
    raw, attempts = await pipe.execute()
    return Delivery.from_hash(raw, attempts) if raw else None


async def page_async(redis: Redis, offset: int, count: int) -> tuple[list[Delivery], int]:
    """The delivery log, newest first."""
    total = int(await redis.zcard(keys.WEBHOOK_DELIVERIES))
    ids = [i.decode() for i in await redis.zrevrange(keys.WEBHOOK_DELIVERIES, offset, offset + count - 1)]
    pipe = redis.pipeline(transaction=False)
    for delivery_id in ids:
        pipe.hgetall(keys.webhook_delivery(delivery_id))
        pipe.lrange(keys.webhook_attempts(delivery_id), 0, -1)
    results = await pipe.execute() if ids else []
    pairs = zip(results[0::2], results[1::2], strict=True)
    found = [Delivery.from_hash(raw, attempts) for raw, attempts in pairs if raw]
    return found, total
