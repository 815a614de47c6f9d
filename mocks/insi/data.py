"""Load the INSi mock's data files (identities, CR labels, fault catalogue).

They are TOML under fixtures/ because ANS changes them; a user may point
[mocks.insi] identities_file / errors_file at a corrected copy.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any


class InsiDataError(ValueError):
    """A data file of the INSi mock is missing or malformed (the message names it)."""


def load_toml(explicit: str | Path | None, *bundled: str) -> dict[str, Any]:
    """Parse `explicit` when given, else fixtures/<bundled...>; raise InsiDataError naming the file."""
    if explicit:
        path = Path(explicit).expanduser()
        name = str(path)
        reader = path.read_text
    else:
        resource = files("segur_harness.fixtures").joinpath(*bundled)
        name = "fixtures/" + "/".join(bundled)
        reader = resource.read_text
    try:
        return tomllib.loads(reader(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InsiDataError(f"INSi mock data file {name} is missing.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InsiDataError(f"INSi mock data file {name} is not valid TOML: {exc}.") from exc
