"""Load the INSi mock's data files (identities, CR labels, fault catalogue).

They are TOML under fixtures/ because ANS changes them; a user may point
[mocks.insi] identities_file / errors_file at a corrected copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from segur_harness.mocks.framework.data import load_toml as framework_load_toml


class InsiDataError(ValueError):
    """A data file of the INSi mock is missing or malformed (the message names it)."""


def load_toml(explicit: str | Path | None, *bundled: str) -> dict[str, Any]:
    """Parse `explicit` when given, else fixtures/<bundled...>; raise InsiDataError naming the file."""
    return framework_load_toml(explicit, *bundled, what="INSi mock", error=InsiDataError)
