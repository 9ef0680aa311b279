"""`livechat/config`: what the widget needs to draw itself, in one answer."""

from __future__ import annotations

from typing import Any

from livechat.api import views
from livechat.engine.runtime import Runtime
from livechat.engine.state import (
    appearance,
    custom_fields,
    departments,
    rooms,
    routing,
    settings,
    triggers,
    users,
    visitors,
)


async def build_config(rt: Runtime, token: str | None) -> dict[str, Any]:
    current = await settings.load(rt.redis)
    if not current["Livechat_enabled"]:
        return {"enabled": False}
    look = appearance.values(current)
    online = bool(await routing.available_agents(rt.redis))
    config: dict[str, Any] = {
        "enabled": True,
        "online": online,
        "settings": {
            "registrationForm": look["Livechat_registration_form"],
            "nameFieldRegistrationForm": look["Livechat_name_field_registration_form"],
            "emailFieldRegistrationForm": look["Livechat_email_field_registration_form"],
            "displayOfflineForm": look["Livechat_display_offline_form"],
            "limitTextLength": look["Livechat_enable_message_character_limit"]
            and look["Livechat_message_character_limit"],
            "showAgentInfo": look["Livechat_show_agent_info"],
            "showAgentEmail": look["Livechat_show_agent_email"],
            "allowVisitorsToCloseConversation": look["Omnichannel_allow_visitors_to_close_conversation"],
            "transcript": bool(current.get("SMTP_Host")),  # no mail server, no transcript button
        },
        "theme": {
            "title": look["Livechat_title"], "color": look["Livechat_title_color"],
            "offlineTitle": look["Livechat_offline_title"], "offlineColor": look["Livechat_offline_title_color"],
            "position": look["Livechat_widget_position"], "background": look["Livechat_background"],
        },
        "messages": {
            "offlineMessage": look["Livechat_offline_message"],
            "offlineSuccessMessage": look["Livechat_offline_success_message"],
            "offlineUnavailableMessage": look["Livechat_offline_form_unavailable"],
            "conversationFinishedMessage": look["Livechat_conversation_finished_message"],
            "conversationFinishedText": look["Livechat_conversation_finished_text"],
            "registrationFormMessage": look["Livechat_registration_form_message"],
        },
        "departments": [
            {"_id": d["_id"], "name": d["name"], "showOnRegistration": d["showOnRegistration"],
             "showOnOfflineForm": d["showOnOfflineForm"]}
            for d in await departments.list_all(rt.redis) if d["enabled"]
        ],
        "triggers": await triggers.public(rt.redis),
        "customFields": await custom_fields.public(rt.redis),
    }
    if token:
        await _add_visitor(rt, token, config)
    return config


async def _add_visitor(rt: Runtime, token: str, config: dict[str, Any]) -> None:
    visitor = await visitors.get(rt.redis, token)
    if visitor is None:
        return
    config["guest"] = visitors.public(visitor)
    room = await rooms.open_of_visitor(rt.redis, token)
    if room is None:
        return
    agent = await users.get(rt.redis, room["servedBy"]) if room["servedBy"] else None
    config["room"] = views.room(room, {"username": agent.username} if agent else None)
    if agent:
        config["agent"] = {"_id": agent.id, "username": agent.username, "name": agent.name}
    if room["status"] == rooms.QUEUED:
        waiting = await routing.queue(rt.redis)
        config["queueInfo"] = {"spot": waiting.index(room["_id"]) + 1 if room["_id"] in waiting else 0}
