"""The widget loader's size as browsers download it: raw and gzipped bytes.

    .venv/bin/python bench/loader_size.py

Target (SPEC §7): well under 10 KB gzipped. The baseline printed beside it is the same file
with comments and indentation stripped, to show how much a minifier would still save.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import livechat.web

LOADER = Path(livechat.web.__file__).parent / "loader" / "pimenta-livechat.js"
TARGET_GZIP_BYTES = 10 * 1024


def sizes(text: str) -> tuple[int, int]:
    raw = text.encode()
    return len(raw), len(gzip.compress(raw, compresslevel=9))


def stripped(text: str) -> str:
    """A crude minification: no comment lines, no leading spaces."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


def main() -> None:
    text = LOADER.read_text(encoding="utf-8")
    raw, gz = sizes(text)
    raw_min, gz_min = sizes(stripped(text))
    print(f"loader {LOADER.name}: {raw} bytes raw, {gz} bytes gzipped "
          f"({gz / 1024:.1f} KB; target < {TARGET_GZIP_BYTES // 1024} KB)")
    print(f"baseline, comments and indentation stripped: {raw_min} bytes raw, {gz_min} bytes gzipped")
    if gz >= TARGET_GZIP_BYTES:
        raise SystemExit(f"loader is {gz} bytes gzipped, over the {TARGET_GZIP_BYTES} byte target")


if __name__ == "__main__":
    main()
