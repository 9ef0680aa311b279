"""Names of the actions a rule may call. `engine/actions.py` maps each to its code;
a test checks that this list, the registry and `schemas/ruleset.schema.json` agree."""

ACTION_NAMES: tuple[str, ...] = (
    "send_message",
    "route",
    "enqueue",
    "drain_queue",
    "assign",
    "set_status",
    "close_chat",
    "transfer",
    "return_to_queue",
    "start_timer",
    "cancel_timer",
    "webhook",
    "email",
    "set_custom_field",
    "tag",
    "set_agent_status",
)
