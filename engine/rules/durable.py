"""durable-rules' C engine used as a stateless matcher. Nothing outside this module imports it.

One `DurableRuleset` owns one engine handle. `matches(fact)` asserts the fact, drains every
action the engine queued for it (each names one rule), and retracts it again, so nothing
outside the call survives in the engine. We never use `durable.engine.Host`: it starts timer
threads and keeps sessions. Not thread-safe: the caller serialises calls on one instance.
"""

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any, Final

import durable_rules_engine as dre

from livechat.engine.rules.errors import MatchError

SID: Final = "0"  # every event goes to the same engine session; facts never outlive a call
_RULES_OK: Final = 0  # assert_fact's code when some rule took the fact (1 = no rule did)
_names: Iterator[int] = itertools.count()
_MESSAGE_HEAD = re.compile(r'\{"(r\d+)":\{"m":\{')


class DurableRuleset:
    def __init__(self, definition: str, label: str) -> None:
        self.name = f"livechat-{label}-{next(_names)}"  # the engine wants a fresh name per handle
        self._handle: int | None = dre.create_ruleset(self.name, definition)
        self._ids = itertools.count()

    def matches(self, fact: dict[str, Any]) -> set[str]:
        """The names of the rules `fact` satisfies. Adds `id` and `sid` to `fact`."""
        handle = self._handle
        if handle is None:
            raise MatchError(f"durable ruleset {self.name!r} is closed")
        fact_id = str(next(self._ids))
        fact["id"], fact["sid"] = fact_id, SID
        try:
            code, state = dre.assert_fact(handle, json.dumps(fact))
            try:
                return self._drain(handle, state, fact_id) if code == _RULES_OK else set()
            finally:
                dre.retract_fact(handle, f'{{"id": "{fact_id}", "sid": "{SID}"}}')  # digits: no escaping
        except dre.error as exc:
            raise MatchError(f"durable ruleset {self.name!r} failed on {fact!r}: {exc}") from exc

    @staticmethod
    def _drain(handle: int, state: int, fact_id: str) -> set[str]:
        names: set[str] = set()
        ours = f'"id": "{fact_id}", "sid": "{SID}"}}'  # how json.dumps ended the fact we asserted
        started = dre.start_action_for_state(handle, state)
        message: str | None = started[1] if started else None
        try:
            while message is not None:
                names.update(_fired_by(message, fact_id, ours))
                message = dre.complete_and_start_action(handle, state)
        except BaseException:
            dre.abandon_action(handle, state)  # else the session stays leased (30 s) to a dead action
            raise
        return names

    def close(self) -> None:
        if self._handle is not None:
            handle, self._handle = self._handle, None
            dre.delete_ruleset(handle)


def _fired_by(message: str, fact_id: str, ours: str) -> list[str]:
    """The rule named by one engine message `{"<rule>":{"m":<fact as asserted>}}`, if the fact
    is ours, never the engine's own state fact `{"sid":"0", "id":"sid-0", "$s":1}`. Parsing the
    whole message costs more than the rest of a match; the fallback covers any other shape."""
    head = _MESSAGE_HEAD.match(message)
    if head and message.endswith(ours + "}}"):
        return [head.group(1)]
    return [name for name, frame in json.loads(message).items() if frame["m"].get("id") == fact_id]


def definition_error(definition: str) -> str | None:
    """Why the engine refuses `definition` (a limit it enforces), or None if it takes it."""
    try:
        DurableRuleset(definition, "check").close()
    except dre.error as exc:
        return str(exc)
    return None
