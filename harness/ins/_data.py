"""Load the INS rule tables (TOML) shipped under fixtures/ins/.

The tables are data because ANS changes them (OIDs, RNIV transitions) and a
user must be able to correct them without touching code.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any


class InsDataError(ValueError):
    """A rule table under fixtures/ins/ is missing or malformed."""


def load_table(name: str) -> dict[str, Any]:
    """Parse fixtures/ins/<name>; raise InsDataError naming the file on any problem."""
    resource = files("segur_harness.fixtures").joinpath("ins", name)
    try:
        return tomllib.loads(resource.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InsDataError(f"The INS rule table fixtures/ins/{name} is missing.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InsDataError(f"The INS rule table fixtures/ins/{name} is not valid TOML: {exc}.") from exc
