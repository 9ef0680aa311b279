"""The fast validator and the reference (jsonschema) give the same verdict on every body."""

from __future__ import annotations

import itertools
from importlib import resources
from typing import Any

import fastjsonschema
import jsonschema
import pytest

from livechat.api.inputs import _fast, schema

SCHEMAS = sorted(entry.name.removesuffix(".schema.json") for entry in resources.files("livechat.schemas").iterdir()
                 if entry.name.endswith(".schema.json") and not entry.name.startswith(("webhook-", "ruleset")))

# values of every JSON type, edge cases included, to put in every place of every body
ODD_VALUES: list[Any] = ["", "x", "a" * 30000, "ana@example.com", "not an email", "Ana Lima", "ana@ex", 0, -1, 1.5,
                         10**9, True, False, None, [], ["x"], [{"key": "k", "value": "v"}], {}, {"x": 1},
                         "available", "visitor", "queue"]


def bodies(name: str) -> list[Any]:
    """Bodies built from the schema's own property names, each slot filled with each odd value."""
    doc = schema(name)
    out: list[Any] = [{}, [], "text", None]
    props = doc.get("properties", {})
    for key in props:
        for value in ODD_VALUES:
            out.append({key: value})
            inner = props[key].get("properties", {})
            for sub in inner:
                out.append({key: {sub: value}})
                out.append({key: {**{s: "x" for s in inner}, sub: value}})
            out.append({**{k: "x" for k in props}, key: value})
    for a, b in itertools.combinations(list(props)[:4], 2):
        out.append({a: "x", b: "y"})
    return out


@pytest.mark.parametrize("name", SCHEMAS)
def test_fast_and_reference_validators_agree(name: str) -> None:
    cls = jsonschema.validators.validator_for(schema(name))
    reference = cls(schema(name), format_checker=cls.FORMAT_CHECKER)  # as api/inputs.py builds it
    fast = _fast(name)
    for body in bodies(name):
        try:
            fast(body)
            fast_ok = True
        except fastjsonschema.JsonSchemaException:
            fast_ok = False
        assert fast_ok == reference.is_valid(body), (name, body)
