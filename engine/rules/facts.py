"""The facts a rule may test. The context builder fills exactly these names.

A name ending in `.*` admits any key below it (custom fields, settings).
"""

FACTS: frozenset[str] = frozenset(
    {
        # the event itself
        "event.type", "event.url", "event.title", "event.text", "event.sender", "event.status",
        "event.previous_status", "event.timer", "event.department", "event.agent_id", "event.rid",
        "event.reason",
        # the visitor
        "visitor.token", "visitor.name", "visitor.email", "visitor.phone", "visitor.department",
        "visitor.registered", "visitor.time_on_site", "visitor.pages_viewed", "visitor.has_open_chat",
        # the chat (room) the event concerns, when there is one
        "chat.id", "chat.code", "chat.status", "chat.department", "chat.agent_id", "chat.messages",
        "chat.visitor_messages", "chat.agent_messages", "chat.tags", "chat.idle_seconds",
        "chat.age_seconds",
        # the chat's (or the visitor's chosen) department
        "department.id", "department.name", "department.enabled", "department.agents_available",
        "department.request_tag_before_closing", "department.request_comment_before_closing",
        "department.max_chats_per_agent",
        # the agent the event concerns
        "agent.id", "agent.username", "agent.status", "agent.load", "agent.connected",
        # global state
        "settings.online", "settings.agents_available", "settings.queue_length",
    }
)

FACT_PREFIXES: tuple[str, ...] = (
    "visitor.custom_fields.",
    "chat.custom_fields.",
    "settings.",
)


def is_known_fact(name: str) -> bool:
    return name in FACTS or any(name.startswith(p) and len(name) > len(p) for p in FACT_PREFIXES)
