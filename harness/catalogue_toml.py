"""Writing catalogue TOML files (fixtures/catalogue/ layout, docs/catalogue.md) from requirement data.

The standard library reads TOML but does not write it; the catalogue needs
only strings, booleans and lists of strings, and JSON's string escapes are
valid TOML basic strings, so this stays a few lines instead of a dependency.
"""

from __future__ import annotations

import json
import re
from typing import Any

REQUIREMENT_KEYS = ("id", "section_id", "section", "bloc", "fonction", "profils", "couloirs", "nature", "criticite",
                    "vague", "conditionnelle", "enonce", "source", "source_note", "in_scope")  # fmt: skip


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def section_toml(requirements: list[dict[str, Any]], header: str) -> str:
    """One section file: `[[requirement]]` with its `[[requirement.scenario]]` and their proofs."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for req in requirements:
        lines += ["", "[[requirement]]"]
        lines += [f"{key} = {_value(req.get(key, True if key == 'in_scope' else ''))}" for key in REQUIREMENT_KEYS]
        for scenario in req.get("scenario", []):
            lines += ["  [[requirement.scenario]]", f"  id = {_value(scenario['id'])}",
                      f"  title = {_value(scenario.get('title', ''))}"]  # fmt: skip
            for proof in scenario.get("proof", []):
                lines += ["    [[requirement.scenario.proof]]", f"    id = {_value(proof['id'])}",
                          f"    text = {_value(proof.get('text', ''))}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def section_file(section_id: str) -> str:
    """'INS' -> 'ins.toml', 'SC.MSS' -> 'sc_mss.toml' (catalogue.toml is the index, never a section)."""
    name = re.sub(r"[^a-z0-9]+", "_", section_id.lower()).strip("_") or "section"
    return f"{name}_section.toml" if name == "catalogue" else f"{name}.toml"


def catalogue_files(requirements: list[dict[str, Any]], *, version: str, title: str, origin: str) -> dict[str, str]:
    """File name -> TOML text: catalogue.toml (the index) and one file per section, in first-seen order."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for req in requirements:
        sections.setdefault(section_file(req.get("section_id") or "section"), []).append(req)
    header = f"Requirements imported from {origin} by `segur-harness catalogue import`.\n" \
             "Fields: docs/catalogue.md. Check them with `segur-harness catalogue --check`."
    files = {"catalogue.toml": "\n".join([
        "# Requirement catalogue index (imported); the requirements are in the other *.toml files.",
        "[catalogue]", f"version = {_value(version)}", f"title = {_value(title)}",
        f"note = {_value(f'Importé de {origin}.')}", ""])}  # fmt: skip
    for name, reqs in sections.items():
        files[name] = section_toml(reqs, header)
    return files
