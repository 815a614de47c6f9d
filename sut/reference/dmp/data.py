"""The DMP client's data file (dmp.toml): codes and rules kept out of the code so a user can correct them."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("dmp.toml")


@lru_cache(maxsize=1)
def dmp_data() -> dict[str, Any]:
    """The parsed dmp.toml (read once per process)."""
    return tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))


def kind_codes(kind: str) -> dict[str, dict[str, str]]:
    """classCode and formatCode of a document kind ({"class": {...}, "format": {...}})."""
    kinds = dmp_data()["kinds"]
    if kind not in kinds:
        raise KeyError(f"dmp.toml has no [kinds.{kind}]")
    return kinds[kind]
