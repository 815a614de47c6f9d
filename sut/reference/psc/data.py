"""The PSC client's data file (psc.toml): scope, acr, refresh leeway, kept out of the code."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("psc.toml")


@lru_cache(maxsize=1)
def psc_data() -> dict[str, Any]:
    """The parsed psc.toml (read once per process)."""
    return tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
