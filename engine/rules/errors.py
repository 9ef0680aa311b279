"""Two families: load-time errors (a rule file is bad data) and run-time errors (matching failed)."""

from collections.abc import Sequence

Location = tuple[str | int, ...]
"""Where in a document: `("rules", 2, "when", "all", 0, "value")`."""


def json_path(location: Location) -> str:
    """`("rules", 2, "when")` -> `$.rules[2].when`."""
    parts = ["$"]
    for key in location:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        elif key.isidentifier():
            parts.append(f".{key}")
        else:
            parts.append(f"[{key!r}]")
    return "".join(parts)


class RulesetError(Exception):
    """One problem in one rule file, at one JSON path."""

    def __init__(self, source: str, path: str, message: str) -> None:
        super().__init__(f"{source}: {path}: {message}")
        self.source = source
        self.path = path
        self.message = message

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RulesetError):
            return NotImplemented
        return (self.source, self.path, self.message) == (other.source, other.path, other.message)

    def __hash__(self) -> int:
        return hash((self.source, self.path, self.message))

    def __repr__(self) -> str:
        return f"RulesetError({self.source!r}, {self.path!r}, {self.message!r})"


class RulesetInvalid(Exception):
    """Every problem found in one rule file; the file is rejected as a whole."""

    def __init__(self, errors: Sequence[RulesetError]) -> None:
        if not errors:
            raise ValueError("RulesetInvalid needs at least one RulesetError")
        self.errors: list[RulesetError] = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class MatchError(RuntimeError):
    """The matching engine failed on an event (a bug or an engine limit, never bad rule data)."""
