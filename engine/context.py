"""The live state an event is judged against, and the facts rules see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from livechat.engine import keys
from livechat.engine.jsonutil import now_ms
from livechat.engine.runtime import Runtime
from livechat.engine.state import departments, rooms, settings, users, visitors


@dataclass
class Context:
    settings: dict[str, Any]
    visitor: dict[str, Any] | None = None
    room: dict[str, Any] | None = None
    department: dict[str, Any] | None = None
    agent: users.User | None = None
    agent_load: int = 0
    agent_sockets: int = 0  # consoles the agent has open (0: disconnected, or never connected)
    pages_viewed: int = 0
    available_agents: int = 0
    queue_length: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    # (agent id, department id) not read yet; see ensure_people
    pending_people: tuple[str | None, str | None] | None = None

    @property
    def rid(self) -> str | None:
        return self.room["_id"] if self.room else None

    @property
    def token(self) -> str | None:
        if self.visitor:
            return str(self.visitor["token"])
        return str(self.room["token"]) if self.room else None


# Facts that need the global counters read (available agents, queue length).
COUNT_FACTS = frozenset({"settings.online", "settings.agents_available", "settings.queue_length"})


@dataclass(frozen=True)
class Reads:
    """What to read for an event, queued on a pipeline that may carry other commands."""

    rid: str | None = None
    token: str | None = None
    counts: bool = True
    visitor: bool = True  # False: the rules read no visitor fact; the room still names its visitor
    room_record: bool = True  # False: the caller gets the room's hash elsewhere (from a script)
    settings_version: bool = True  # False: trust this process's followed settings (settings.current)

    def queue(self, pipe: Any) -> None:
        if self.settings_version:
            pipe.get(keys.SETTINGS_VERSION)
        if self.counts:
            pipe.scard(keys.AVAILABLE_AGENTS)
            pipe.zcard(keys.QUEUE)
        if self.rid:
            rooms.queue_reads(pipe, self.rid, self.room_record)
        if self.token:
            pipe.hgetall(keys.visitor(self.token))


async def from_reads(rt: Runtime, reads: Reads, results: list[Any], agent_id: str | None = None,
                     department_id: str | None = None, room_record: dict[bytes, bytes] | None = None) -> Context:
    at = iter(results)
    current = await (settings.cached(rt.redis, next(at)) if reads.settings_version else settings.current(rt.redis))
    ctx = Context(settings=current)
    if reads.counts:
        ctx.available_agents, ctx.queue_length = int(next(at)), int(next(at))
    if reads.rid:
        record = next(at) if reads.room_record else room_record or {}
        ctx.room = rooms.from_reads(record, next(at), next(at))
    raw_visitor = next(at) if reads.token else None
    if ctx.room:
        department_id = department_id or ctx.room["department"] or None
        agent_id = agent_id or ctx.room["servedBy"]
        if reads.visitor and (not reads.token or ctx.room["token"] != reads.token):
            raw_visitor = await rt.redis.hgetall(keys.visitor(ctx.room["token"]))
    if raw_visitor:
        ctx.visitor = visitors.decode(raw_visitor)
        ctx.pages_viewed = int(raw_visitor.get(b"pagesViewed", 0))
        department_id = department_id or ctx.visitor["department"] or None
    ctx.pending_people = (agent_id, department_id)
    return ctx


async def load(rt: Runtime, *, token: str | None = None, rid: str | None = None,
               agent_id: str | None = None, department_id: str | None = None, people: bool = True) -> Context:
    """Read what the rules may ask about. With `people=False` the agent and department are left
    for `ensure_people` (dispatch loads them only when a rule or an action needs them)."""
    reads = Reads(rid=rid, token=token)
    pipe = rt.redis.pipeline(transaction=False)
    reads.queue(pipe)
    ctx = await from_reads(rt, reads, await pipe.execute(), agent_id, department_id)
    if people:
        await ensure_people(rt, ctx)
    return ctx


async def ensure_people(rt: Runtime, ctx: Context) -> None:
    """Load the agent and department the event concerns, once."""
    if ctx.pending_people is None:
        return
    agent_id, department_id = ctx.pending_people
    ctx.pending_people = None
    if not agent_id and not department_id:
        return
    pipe = rt.redis.pipeline(transaction=False)
    pipe.hgetall(keys.department(department_id or "\x00"))
    pipe.hgetall(keys.user(agent_id or "\x00"))
    pipe.hget(keys.AGENT_LOAD, agent_id or "\x00")
    pipe.get(keys.agent_sockets(agent_id or "\x00"))
    raw_department, raw_agent, raw_load, raw_sockets = await pipe.execute()
    if raw_department and department_id:
        ctx.department = departments.decode(department_id, raw_department)
    if raw_agent and agent_id:
        ctx.agent = users.decode(agent_id, raw_agent)
        ctx.agent_load = int(raw_load or 0)
        ctx.agent_sockets = int(raw_sockets or 0)


def max_chats(ctx: Context, department: dict[str, Any] | None = None) -> int:
    department = department or ctx.department
    if department and int(department.get("maxNumberSimultaneousChat") or 0) > 0:
        return int(department["maxNumberSimultaneousChat"])
    return int(ctx.settings.get("Livechat_max_chats_per_agent") or 0)


_SCALARS = (bool, int, float, str)
# The settings facts, per settings dict: processes share one dict per settings version
# (state/settings.cached), so the filtering is done once per change, not once per event.
_settings_facts: tuple[dict[str, Any], dict[str, Any]] | None = None


def _scalar_settings(current: dict[str, Any]) -> dict[str, Any]:
    global _settings_facts
    if _settings_facts is None or _settings_facts[0] is not current:
        _settings_facts = (current, {k: v for k, v in current.items() if isinstance(v, _SCALARS)})
    return _settings_facts[1]


def facts(ctx: Context, event: dict[str, Any]) -> dict[str, Any]:
    now = now_ms()
    out: dict[str, Any] = {
        "event": event,
        "settings": {
            **_scalar_settings(ctx.settings),
            "online": ctx.available_agents > 0, "agents_available": ctx.available_agents,
            "queue_length": ctx.queue_length,
        },
    }
    if ctx.visitor:
        v = ctx.visitor
        out["visitor"] = {
            "token": v["token"], "name": v["name"], "email": v["email"], "phone": v["phone"],
            "department": v["department"], "registered": bool(v["name"] or v["email"]),
            "time_on_site": max(0, (now - v["firstSeen"]) // 1000) if v["firstSeen"] else 0,
            "custom_fields": v["livechatData"], "pages_viewed": ctx.pages_viewed,
            "has_open_chat": bool(ctx.room and ctx.room["open"]),
        }
    if ctx.room:
        r = ctx.room
        out["chat"] = {
            "id": r["_id"], "code": r["code"], "status": r["status"], "department": r["department"],
            "agent_id": r["servedBy"] or "", "messages": r["msgs"], "visitor_messages": r["visitorMsgs"],
            "agent_messages": r["agentMsgs"], "tags": r["tags"],
            "idle_seconds": max(0, (now - r["lastMessageAt"]) // 1000),
            "age_seconds": max(0, (now - r["ts"]) // 1000), "custom_fields": r["livechatData"],
        }
        if not r["department"]:
            del out["chat"]["department"]
    if ctx.department:
        d = ctx.department
        out["department"] = {
            "id": d["_id"], "name": d["name"], "enabled": d["enabled"],
            "request_tag_before_closing": d["requestTagBeforeClosingChat"],
            "request_comment_before_closing": bool(d.get("requestCommentBeforeClosingChat")),
            "max_chats_per_agent": d["maxNumberSimultaneousChat"],
        }
    if ctx.agent:
        out["agent"] = {"id": ctx.agent.id, "username": ctx.agent.username, "status": ctx.agent.status,
                        "load": ctx.agent_load, "connected": ctx.agent_sockets > 0}
    return out
