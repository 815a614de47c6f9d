"""Reading a mock's data files: the bundled fixtures/ TOML, or the corrected copy a user names.

Every mock keeps the rules ANS changes (identities, patients, error texts) in
TOML; a missing or malformed file is one sentence naming it, never a traceback.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

from segur_harness.store import Finding


def load_toml(explicit: str | Path | None, *bundled: str, what: str, error: type[ValueError]) -> dict[str, Any]:
    """Parse `explicit` when given, else fixtures/<bundled...>; raise `error` naming the file (`what`: the mock)."""
    if explicit:
        path = Path(explicit).expanduser()
        name, reader = str(path), path.read_text
    else:
        name, reader = "fixtures/" + "/".join(bundled), files("segur_harness.fixtures").joinpath(*bundled).read_text
    try:
        return tomllib.loads(reader(encoding="utf-8"))
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise error(f"{what} data file {name} is missing.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} data file {name} is not valid TOML: {exc}.") from exc


def rule_finding(table: dict[str, Any], rule: str, location: str = "", **values: object) -> Finding:
    """The Finding of `rule` from a data file's rule table ({rule: {severity, message}}), its message filled in."""
    spec = table[rule]
    return Finding(spec["severity"], rule, str(spec["message"]).format(**values), location)
