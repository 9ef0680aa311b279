"""Every Redis key the product uses is built here, and nowhere else.

Keys that one Lua script touches together share a hash tag (`{routing}`, `{room:ID}`)
so the same scripts can later run on Redis Cluster.
"""

PREFIX = "lc"

# --- settings and configuration -------------------------------------------------
SETTINGS = f"{PREFIX}:settings"
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

# --- rules bookkeeping ------------------------------------------------------------
def fired_once(scope: str, scope_id: str) -> str:
    """Set of rule ids that already fired for a visitor or a chat (`once`)."""
    return f"{PREFIX}:once:{scope}:{scope_id}"


# --- metrics ----------------------------------------------------------------------
METRICS = f"{PREFIX}:metrics"  # hash of counters shared by all processes

# --- RQ -----------------------------------------------------------------------------
RQ_QUEUE = "livechat"
