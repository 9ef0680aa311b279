"""Rule documents in, compiled rule sets out, or every problem of the document at once."""

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from livechat.engine.rules.compiler import CompiledRuleset, compile_ruleset
from livechat.engine.rules.durable import definition_error
from livechat.engine.rules.errors import RulesetError, RulesetInvalid, json_path
from livechat.engine.rules.model import parse_ruleset
from livechat.engine.rules.validation import Problem, problems


def load_ruleset(doc: object, source: str) -> CompiledRuleset:
    """Validate (schema, then meaning) and compile. `source` names the document in errors:
    a file name, or "api". Raises RulesetInvalid listing every problem."""
    found = problems(doc)
    if not found:
        assert isinstance(doc, Mapping)
        compiled = compile_ruleset(parse_ruleset(doc, source))
        found = engine_problems(compiled)
        if not found:
            return compiled
    raise RulesetInvalid([RulesetError(source, json_path(where), message) for where, message in found])


def load_ruleset_file(path: str | Path) -> CompiledRuleset:
    path = Path(path)
    return load_ruleset(parse_json(path.read_text("utf-8"), path.name), path.name)


def default_rulesets() -> dict[str, CompiledRuleset]:
    """The rule sets shipped in `rules/*.json`, by rule set name."""
    found: dict[str, CompiledRuleset] = {}
    for entry in sorted(resources.files("livechat.rules").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            compiled = load_ruleset(parse_json(entry.read_text("utf-8"), entry.name), entry.name)
            if compiled.name in found:
                first = found[compiled.name].source
                raise ValueError(f"{entry.name} and {first} both define rule set {compiled.name!r}")
            found[compiled.name] = compiled
    return found


def parse_json(text: str, source: str) -> Any:
    """JSON text -> data; a syntax error or a key given twice in one object is a RulesetInvalid."""
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise RulesetInvalid([RulesetError(source, "$", f"not valid JSON: {exc}")]) from exc
    except _DuplicateKey as exc:
        message = f"key {exc.key!r} appears twice in one object"
        raise RulesetInvalid([RulesetError(source, "$", message)]) from exc


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def engine_problems(compiled: CompiledRuleset) -> list[Problem]:
    """Limits of the matching engine the compiler did not foresee, pinned to the rules involved."""
    found: list[Problem] = []
    for plan in compiled.plans.values():
        for chunk in plan.chunks:
            error = definition_error(chunk.definition)
            if error is None:
                continue
            rules: dict[str, Any] = json.loads(chunk.definition)
            alone = [name for name, rule in rules.items() if definition_error(json.dumps({name: rule}))]
            for name in alone:
                where = ("rules", chunk.rule_index[name], "when")
                found.append((where, f"too complex for the matcher ({error})"))
            if not alone:
                message = f"the rules on {plan.event_type!r} exceed the matcher's limits ({error})"
                found.append((("rules",), message))
    return list(dict.fromkeys(found))
