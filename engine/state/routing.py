"""Who serves which chat: availability, round robin, capacity and the queue.

Every decision that hands out a slot is one Lua script over keys sharing the `{routing}`
hash tag, so two API processes can never give the same chat, or the same last slot of
an agent, twice. Round robin: among the eligible available agents with spare capacity,
the one whose last assignment is the oldest (ties by id) gets the chat.
"""

from __future__ import annotations

import json

from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.state.lua import Lua

_COMMON = """
local AVAILABLE, LOAD, QUEUE, QDEPT, ASSIGN, CLOCK, RR = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local DEPT_PREFIX, ROOMS_PREFIX = ARGV[1], ARGV[2]
local function candidates(dept)
  if dept == '' then return redis.call('SMEMBERS', AVAILABLE) end
  return redis.call('SINTER', DEPT_PREFIX .. dept .. ':agents', AVAILABLE)
end
local function pick(agents, max)
  local best, best_score = nil, nil
  for _, a in ipairs(agents) do
    local load = tonumber(redis.call('HGET', LOAD, a) or '0')
    if max <= 0 or load < max then
      local s = tonumber(redis.call('ZSCORE', RR, a) or '0')
      if best == nil or s < best_score or (s == best_score and a < best) then best, best_score = a, s end
    end
  end
  return best
end
local function assign(rid, agent)
  redis.call('ZADD', RR, redis.call('INCR', CLOCK), agent)
  redis.call('HINCRBY', LOAD, agent, 1)
  redis.call('HSET', ASSIGN, rid, agent)
  redis.call('SADD', ROOMS_PREFIX .. agent .. ':rooms', rid)
  redis.call('ZREM', QUEUE, rid)
  redis.call('HDEL', QDEPT, rid)
end
local function release(rid)
  local agent = redis.call('HGET', ASSIGN, rid)
  if agent then
    redis.call('HDEL', ASSIGN, rid)
    if tonumber(redis.call('HINCRBY', LOAD, agent, -1)) < 0 then redis.call('HSET', LOAD, agent, 0) end
    redis.call('SREM', ROOMS_PREFIX .. agent .. ':rooms', rid)
  end
  return agent
end
local function enqueue(rid, dept, front)
  if not redis.call('ZSCORE', QUEUE, rid) then
    local score
    if front then
      local first = redis.call('ZRANGE', QUEUE, 0, 0, 'WITHSCORES')
      score = (first[2] and tonumber(first[2]) or 0) - 1
    else
      score = redis.call('INCR', KEYS[8])
    end
    redis.call('ZADD', QUEUE, score, rid)
    redis.call('HSET', QDEPT, rid, dept)
  end
  return redis.call('ZRANK', QUEUE, rid) + 1
end
"""

# ARGV: prefixes, rid, department, max chats, enqueue when nobody can take it (1/0)
_ROUTE = Lua(_COMMON + """
local rid, dept, max, fallback = ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
local current = redis.call('HGET', ASSIGN, rid)
if current then return {'taken', current} end
local agent = pick(candidates(dept), max)
if agent then assign(rid, agent) return {'taken', agent} end
if fallback == '1' then return {'queued', tostring(enqueue(rid, dept, false))} end
return {'none', ''}
""")

# ARGV: prefixes, default max, JSON {department: max}; assigns queued chats in FIFO order
_DRAIN = Lua(_COMMON + """
local default_max, overrides = tonumber(ARGV[3]), cjson.decode(ARGV[4])
local out = {}
if redis.call('SCARD', AVAILABLE) == 0 then return out end
for _, rid in ipairs(redis.call('ZRANGE', QUEUE, 0, -1)) do
  local dept = redis.call('HGET', QDEPT, rid) or ''
  local max = overrides[dept] or default_max
  local agent = pick(candidates(dept), max)
  if agent then assign(rid, agent) table.insert(out, rid) table.insert(out, agent) end
end
return out
""")

# ARGV: prefixes, rid, agent, max chats
_TAKE = Lua(_COMMON + """
local rid, agent, max = ARGV[3], ARGV[4], tonumber(ARGV[5])
if not redis.call('ZSCORE', QUEUE, rid) then return 'error-not-queued' end
local dept = redis.call('HGET', QDEPT, rid) or ''
if dept ~= '' and redis.call('SISMEMBER', DEPT_PREFIX .. dept .. ':agents', agent) == 0 then
  return 'error-not-in-department'
end
if max > 0 and tonumber(redis.call('HGET', LOAD, agent) or '0') >= max then return 'error-max-chats' end
assign(rid, agent)
return 'ok'
""")

# ARGV: prefixes, rid
_RELEASE = Lua(_COMMON + """
local rid = ARGV[3]
local agent = release(rid)
redis.call('ZREM', QUEUE, rid)
redis.call('HDEL', QDEPT, rid)
return agent or ''
""")

# ARGV: prefixes, rid, department; the chat goes back to the front of the queue
_REQUEUE = Lua(_COMMON + """
local rid, dept = ARGV[3], ARGV[4]
local agent = release(rid)
return {agent or '', tostring(enqueue(rid, dept, true))}
""")

# ARGV: prefixes, rid, agent, max chats (0 = no limit); a forward straight to one agent
_ASSIGN_TO = Lua(_COMMON + """
local rid, agent, max = ARGV[3], ARGV[4], tonumber(ARGV[5])
if redis.call('SISMEMBER', AVAILABLE, agent) == 0 then return 'error-agent-not-available' end
if max > 0 and tonumber(redis.call('HGET', LOAD, agent) or '0') >= max then return 'error-max-chats' end
local previous = release(rid)
assign(rid, agent)
return 'ok'
""")

# ARGV: prefixes, rid, department; the chat waits at the back of the queue
_ENQUEUE = Lua(_COMMON + """
return enqueue(ARGV[3], ARGV[4], false)
""")

_KEYS = [keys.AVAILABLE_AGENTS, keys.AGENT_LOAD, keys.QUEUE, keys.QUEUE_DEPARTMENT, keys.ASSIGNMENTS,
         keys.RR_CLOCK, keys.round_robin(keys.ALL_AGENTS_POOL), keys.QUEUE_TICKET]
_PREFIXES = [keys.department_agents_prefix(), keys.agent_rooms_prefix()]


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def route(redis: Redis, rid: str, department: str, max_chats: int, enqueue: bool) -> tuple[str, str]:
    """('taken', agent id) or ('queued', position) or ('none', '')."""
    outcome, detail = await _ROUTE(redis, _KEYS, [*_PREFIXES, rid, department, max_chats, int(enqueue)])
    return _s(outcome), _s(detail)


async def enqueue(redis: Redis, rid: str, department: str) -> int:
    return int(await _ENQUEUE(redis, _KEYS, [*_PREFIXES, rid, department]))


async def drain(redis: Redis, default_max: int, department_max: dict[str, int]) -> list[tuple[str, str]]:
    """Assign queued chats, oldest first, while someone can take them; returns (room, agent) pairs."""
    flat = await _DRAIN(redis, _KEYS, [*_PREFIXES, default_max, json.dumps(department_max or {})])
    return [(_s(flat[i]), _s(flat[i + 1])) for i in range(0, len(flat), 2)]


async def take(redis: Redis, rid: str, agent_id: str, max_chats: int) -> str:
    return _s(await _TAKE(redis, _KEYS, [*_PREFIXES, rid, agent_id, max_chats]))


async def release(redis: Redis, rid: str) -> str:
    """Free the chat's slot (close); returns the agent who served it, or ''."""
    return _s(await _RELEASE(redis, _KEYS, [*_PREFIXES, rid]))


async def requeue(redis: Redis, rid: str, department: str) -> tuple[str, int]:
    agent, position = await _REQUEUE(redis, _KEYS, [*_PREFIXES, rid, department])
    return _s(agent), int(position)


async def assign_to(redis: Redis, rid: str, agent_id: str, max_chats: int) -> str:
    return _s(await _ASSIGN_TO(redis, _KEYS, [*_PREFIXES, rid, agent_id, max_chats]))


async def set_available(redis: Redis, agent_id: str, available: bool) -> None:
    if available:
        await redis.sadd(keys.AVAILABLE_AGENTS, agent_id)
    else:
        await redis.srem(keys.AVAILABLE_AGENTS, agent_id)


async def available_agents(redis: Redis) -> set[str]:
    return {m.decode() for m in await redis.smembers(keys.AVAILABLE_AGENTS)}


async def queue(redis: Redis) -> list[str]:
    return [r.decode() for r in await redis.zrange(keys.QUEUE, 0, -1)]


async def agent_rooms(redis: Redis, agent_id: str) -> list[str]:
    return sorted(r.decode() for r in await redis.smembers(keys.agent_rooms(agent_id)))


async def load(redis: Redis) -> dict[str, int]:
    return {k.decode(): int(v) for k, v in (await redis.hgetall(keys.AGENT_LOAD)).items()}


async def department_agent_ids(redis: Redis, department_id: str) -> list[str]:
    return sorted(m.decode() for m in await redis.smembers(keys.department_agents(department_id)))


async def turns(redis: Redis, agent_ids: list[str]) -> dict[str, float]:
    """The round-robin turn of each agent's last assignment (0 = never)."""
    scores = await redis.zmscore(keys.round_robin(keys.ALL_AGENTS_POOL), agent_ids)
    return {a: float(s or 0) for a, s in zip(agent_ids, scores, strict=True)}
