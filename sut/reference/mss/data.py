"""The MSSanté client's data file (mss.toml): TLS policy, message rules, MDN error codes, inbound bounds."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("mss.toml")


@lru_cache(maxsize=1)
def mss_data() -> dict[str, Any]:
    """The parsed mss.toml (read once per process)."""
    return tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))


def error_label(code: str) -> str:
    """The French label of an LPS MDN error code (900-906)."""
    return str(mss_data()["mdn_errors"][code])
