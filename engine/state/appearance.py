"""Appearance settings the widget applies (SPEC §7); unknown keys are refused."""

from typing import Any

DEFAULTS: dict[str, Any] = {
    "Livechat_title": "pimentaCHAT",
    "Livechat_title_color": "#C1272D",
    "Livechat_enable_message_character_limit": False,
    "Livechat_message_character_limit": 0,
    "Livechat_show_agent_info": True,
    "Livechat_show_agent_email": False,
    "Livechat_display_offline_form": True,
    "Livechat_offline_form_unavailable": "",
    "Livechat_offline_message": "We are not online right now. Please leave a message.",
    "Livechat_offline_success_message": "Thanks! We will get back to you soon.",
    "Livechat_offline_title": "Leave a message",
    "Livechat_offline_title_color": "#666666",
    "Livechat_offline_email": "",
    "Livechat_conversation_finished_message": "Conversation finished",
    "Livechat_conversation_finished_text": "",
    "Livechat_registration_form": True,
    "Livechat_name_field_registration_form": True,
    "Livechat_email_field_registration_form": True,
    "Livechat_registration_form_message": "",
    "Livechat_widget_position": "right",
    "Livechat_background": "",
    "Omnichannel_allow_visitors_to_close_conversation": True,
}

KEYS: frozenset[str] = frozenset(DEFAULTS)


def values(settings: dict[str, Any]) -> dict[str, Any]:
    return {key: settings.get(key, default) for key, default in DEFAULTS.items()}
