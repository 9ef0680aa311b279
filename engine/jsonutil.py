"""Time stamps and ids in the shapes the API promises."""

import os
import string
import time
from datetime import UTC, datetime

_ID_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 17  # Rocket.Chat ids are 17 characters; clients validate nothing else


def new_id() -> str:
    """17 random letters and digits (~101 bits); the modulo bias is irrelevant for an id."""
    return "".join(_ID_ALPHABET[b % 62] for b in os.urandom(ID_LENGTH))


def now_ms() -> int:
    return int(time.time() * 1000)


def iso(ms: int | str | None) -> str | None:
    """`2016-06-01T18:41:16.856Z` from epoch milliseconds."""
    if ms in (None, ""):
        return None
    value = int(ms)
    return datetime.fromtimestamp(value / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value % 1000:03d}Z"


def parse_iso_ms(text: str) -> int:
    """Epoch ms from an ISO 8601 date or datetime (`2026-01-31` or `...T10:00:00.000Z`)."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)
