"""Every Redis key the product uses is built here, and nowhere else.

Keys that one Lua script touches together share a hash tag (`{routing}`, `{room:ID}`)
so the same scripts can later run on Redis Cluster.
"""

PREFIX = "lc"

# --- settings and configuration -------------------------------------------------
SETTINGS = f"{PREFIX}:settings"
SETTINGS_CHANNEL = f"{PREFIX}:settings:changed"
SETTINGS_VERSION = f"{PREFIX}:settings:version"  # bumped on every change; processes cache until it moves
RULESET_DOCS = f"{PREFIX}:rulesets"  # hash: ruleset name -> JSON document
RULESET_VERSION = f"{PREFIX}:rulesets:version"  # bumped on every accepted change
RULESET_CHANNEL = f"{PREFIX}:rulesets:changed"
COUNTERS = f"{PREFIX}:counters"  # hash: room code, guest number, ...

# --- users and auth ---------------------------------------------------------------
USERS = f"{PREFIX}:users"  # set of user ids


def user(user_id: str) -> str:
    return f"{PREFIX}:user:{user_id}"


USERNAMES = f"{PREFIX}:usernames"  # hash: username -> user id


def auth_token(token_digest: str) -> str:
    return f"{PREFIX}:auth:{token_digest}"


def user_tokens(user_id: str) -> str:
    return f"{PREFIX}:user:{user_id}:tokens"


def role_members(role: str) -> str:
    return f"{PREFIX}:role:{role}"


# --- departments ------------------------------------------------------------------
DEPARTMENTS = f"{PREFIX}:departments"  # set of department ids


def department(department_id: str) -> str:
    return f"{PREFIX}:department:{department_id}"


# --- visitors and rooms -----------------------------------------------------------
def visitor(token: str) -> str:
    return f"{PREFIX}:visitor:{token}"


def visitor_open_room(token: str) -> str:
    """The id of the visitor's open chat: claimed with SET NX, so one visitor never opens two."""
    return f"{PREFIX}:visitor:{token}:open"


def visitor_rooms(token: str) -> str:
    return f"{PREFIX}:visitor:{token}:rooms"


ROOMS = f"{PREFIX}:rooms"  # zset: room id scored by creation time (ms)
OPEN_ROOMS = f"{PREFIX}:rooms:open"  # set of open room ids


def room(rid: str) -> str:
    return f"{PREFIX}:{{room:{rid}}}"


def room_messages(rid: str) -> str:
    return f"{PREFIX}:{{room:{rid}}}:messages"


def room_message_ids(rid: str) -> str:
    """Hash: client message `_id` -> stored message JSON (idempotent retries)."""
    return f"{PREFIX}:{{room:{rid}}}:msgids"


def room_frames(rid: str) -> str:
    """Stream of realtime frames; entry id is `<seq>-0`."""
    return f"{PREFIX}:{{room:{rid}}}:frames"


def room_seq(rid: str) -> str:
    return f"{PREFIX}:{{room:{rid}}}:seq"


# --- routing (one hash tag: every key one routing script touches) -----------------
ROUTING_TAG = "{routing}"
AVAILABLE_AGENTS = f"{PREFIX}:{ROUTING_TAG}:available"  # set of agent ids taking chats
AGENT_LOAD = f"{PREFIX}:{ROUTING_TAG}:load"  # hash: agent id -> open chats served
QUEUE = f"{PREFIX}:{ROUTING_TAG}:queue"  # zset: room id scored by arrival order
QUEUE_TICKET = f"{PREFIX}:{ROUTING_TAG}:ticket"  # counter giving arrival order
QUEUE_DEPARTMENT = f"{PREFIX}:{ROUTING_TAG}:queue:dept"  # hash: room id -> department id
ASSIGNMENTS = f"{PREFIX}:{ROUTING_TAG}:assignments"  # hash: room id -> agent id
RR_CLOCK = f"{PREFIX}:{ROUTING_TAG}:rr:clock"  # counter for round-robin turns


def round_robin(pool: str) -> str:
    """Zset: agent id scored by the turn of its last assignment in this pool."""
    return f"{PREFIX}:{ROUTING_TAG}:rr:{pool}"


def department_agents(department_id: str) -> str:
    return f"{PREFIX}:{ROUTING_TAG}:dept:{department_id}:agents"


def agent_departments(agent_id: str) -> str:
    return f"{PREFIX}:{ROUTING_TAG}:agent:{agent_id}:depts"


ALL_AGENTS_POOL = "all"

# --- realtime channels ------------------------------------------------------------
def room_channel(rid: str) -> str:
    return f"{PREFIX}:rt:room:{rid}"


def agent_channel(agent_id: str) -> str:
    return f"{PREFIX}:rt:agent:{agent_id}"


def visitor_channel(token: str) -> str:
    return f"{PREFIX}:rt:visitor:{token}"


def visitor_frames(token: str) -> str:
    """Stream of visitor-level frames before a chat exists (trigger messages, config)."""
    return f"{PREFIX}:visitor:{token}:frames"


def visitor_seq(token: str) -> str:
    return f"{PREFIX}:visitor:{token}:seq"


AGENTS_CHANNEL = f"{PREFIX}:rt:agents"  # queue changes every agent console shows
WIDGETS_CHANNEL = f"{PREFIX}:rt:widgets"  # config changes every open widget applies at once

# --- rules bookkeeping ------------------------------------------------------------
def fired_once(scope: str, scope_id: str) -> str:
    """Set of rule ids that already fired for a visitor or a chat (`once`)."""
    return f"{PREFIX}:once:{scope}:{scope_id}"


# --- metrics ----------------------------------------------------------------------
METRICS = f"{PREFIX}:metrics"  # hash of counters shared by all processes

# --- RQ -----------------------------------------------------------------------------
RQ_QUEUE = "livechat"


def agent_rooms(agent_id: str) -> str:
    """Set of the open rooms an agent serves (kept by the routing scripts)."""
    return f"{PREFIX}:{ROUTING_TAG}:agent:{agent_id}:rooms"


def department_agents_prefix() -> str:
    """For Lua: department_agents(id) == prefix .. id .. ':agents'."""
    return f"{PREFIX}:{ROUTING_TAG}:dept:"


def agent_rooms_prefix() -> str:
    """For Lua: agent_rooms(id) == prefix .. id .. ':rooms'."""
    return f"{PREFIX}:{ROUTING_TAG}:agent:"


def timer(name: str, scope_id: str) -> str:
    """The live ticket of a named timer; cancelling deletes it, so a stale job finds no match."""
    return f"{PREFIX}:timer:{name}:{scope_id}"


def visitor_pending_messages(token: str) -> str:
    """Trigger messages shown before the chat existed; they open its history."""
    return f"{PREFIX}:visitor:{token}:pending"


def agent_sockets(agent_id: str) -> str:
    """How many consoles an agent has open (0 = disconnected)."""
    return f"{PREFIX}:agent:{agent_id}:sockets"


# --- webhook deliveries (workers/webhooks.py) ---------------------------------------
# One hash tag: a delivery script touches the record, its chat's lane and the indexes at once.
WEBHOOKS_TAG = "{webhooks}"
WEBHOOK_DELIVERIES = f"{PREFIX}:{WEBHOOKS_TAG}:deliveries"  # zset: delivery id by creation (ms), the log
WEBHOOK_PENDING = f"{PREFIX}:{WEBHOOKS_TAG}:pending"  # zset: deliveries not yet finished, by creation (ms)
WEBHOOK_SWEEP_LOCK = f"{PREFIX}:{WEBHOOKS_TAG}:sweep"  # one recovery sweep at a time across workers


def webhook_delivery(delivery_id: str) -> str:
    """Hash: one delivery's record (type, lane, body, state, attempt count, next job)."""
    return f"{PREFIX}:{WEBHOOKS_TAG}:delivery:{delivery_id}"


def webhook_attempts(delivery_id: str) -> str:
    """List of attempt JSON documents, oldest first."""
    return f"{PREFIX}:{WEBHOOKS_TAG}:delivery:{delivery_id}:attempts"


def webhook_lease(delivery_id: str) -> str:
    """Held by the worker attempting the delivery now, so two jobs never POST it at once."""
    return f"{PREFIX}:{WEBHOOKS_TAG}:delivery:{delivery_id}:lease"


def webhook_lane(lane: str) -> str:
    """List: a chat's deliveries in event order; only the head is attempted."""
    return f"{PREFIX}:{WEBHOOKS_TAG}:lane:{lane}"


# --- offline messages (api/integrations.py) -----------------------------------------
OFFLINE_MESSAGES = f"{PREFIX}:offline"  # zset: offline message id by time (ms)


def offline_message(message_id: str) -> str:
    """String: the offline message JSON."""
    return f"{PREFIX}:offline:{message_id}"


def rate_limit(bucket: str, client: str, window: int) -> str:
    """Counter of one client's requests to `bucket` in one fixed time window."""
    return f"{PREFIX}:ratelimit:{bucket}:{client}:{window}"


def webhook_delivery_prefix() -> str:
    """For Lua: webhook_delivery(id) == prefix .. id (same hash tag as the lane it is read with)."""
    return f"{PREFIX}:{WEBHOOKS_TAG}:delivery:"


# --- triggers, custom fields and visitor tracking (the rules issue) -----------------
TRIGGERS = f"{PREFIX}:triggers"  # hash: trigger id -> trigger JSON (Rocket.Chat shape)
CUSTOM_FIELDS = f"{PREFIX}:customfields"  # hash: field name (its id) -> field JSON


def visitor_pages(token: str) -> str:
    """List of the visitor's latest page views, newest first (JSON each)."""
    return f"{PREFIX}:visitor:{token}:pages"
