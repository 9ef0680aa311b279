"""Domain events: every request and timer becomes one of these, past tense."""

from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    CHAT_REQUESTED = "chat_requested"
    CHAT_QUEUED = "chat_queued"
    CHAT_TAKEN = "chat_taken"
    CHAT_FORWARDED = "chat_forwarded"
    CHAT_CLOSED = "chat_closed"
    MESSAGE_SENT = "message_sent"
    AGENT_STATUS_CHANGED = "agent_status_changed"
    AGENT_DISCONNECTED = "agent_disconnected"
    AGENT_JOINED_DEPARTMENT = "agent_joined_department"
    VISITOR_REGISTERED = "visitor_registered"
    PAGE_VIEWED = "page_viewed"
    WIDGET_OPENED = "widget_opened"
    TIMER_FIRED = "timer_fired"
    OFFLINE_MESSAGE_SENT = "offline_message_sent"


EVENT_TYPES: frozenset[str] = frozenset(e.value for e in EventType)

Event = dict[str, Any]
"""An event is plain JSON data: `{"type": ..., **fields}`."""


def event(kind: EventType, **fields: Any) -> Event:
    return {"type": kind.value, **fields}
