"""Which schematron judges a document, and why: ANS's route table first, the harness's nearest version after.

ANS's validator picks the schematron from its own table (ans_routes.toml):
wherever that table has a route, the harness takes the same one, so its
verdict is the one a reviewer gets. Where the table has none (a version newer
than the table, or one the pack does not know), the harness still runs the
nearest pack version of that volet so content findings show, and says with a
warning that this is not ANS's route. A user may name another schematron.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from segur_harness.validation.header_rules import DocumentKind
from segur_harness.validation.volets import VoletIndex, VoletSchematron, schematron_data

ROUTES_FILE = Path(__file__).with_name("ans_routes.toml")
_VERSION = re.compile(r"(\d{4})(?:\.(\d{2}))?")


class Route:
    """How the schematron was chosen (`document.route` in reports)."""

    ANS = "ans-table"
    """ANS's route table names this schematron for the document."""
    ANS_DEFAULT = "ans-default"
    """No route in ANS's table for any template: structuration minimale, as ANS's validator does."""
    NEAREST = "nearest-version"
    """ANS's table has no usable route: the harness's choice of the nearest pack version (not ANS's verdict)."""
    USER = "user"
    """Chosen by the user (`validate --schematron`)."""
    NONE = "none"
    """No schematron could be chosen."""


@dataclass
class Selection:
    """Routing outcome: a schematron (or none), the route and its reason, an optional rule to report."""

    schematron: Path | None
    level: str
    volet: str | None = None
    version: str | None = None
    reason: str | None = None
    rule: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    route: str = Route.NONE
    incomplete: str | None = None
    """Set when the verdict is not the one ANS would give (nearest-version route): makes it partial."""


@cache
def ans_routes() -> dict[str, str]:
    """ANS's table: "root.extension" (or "root." without extension) -> ANS validator name."""
    with open(ROUTES_FILE, "rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    return {key: str(value).strip() for key, value in data["routes"].items()}


def ans_route(template_ids: tuple[tuple[str, str | None], ...]) -> tuple[str, str | None, str] | None:
    """(root, extension, validator name) of the last templateId with a route, as ANS's validator reads them."""
    table = ans_routes()
    found = None
    for root, extension in template_ids:
        name = table.get(f"{root}.{extension or ''}")
        if name:
            found = (root, extension or None, name)
    return found


def version_number(text: str | None) -> int | None:
    """2024.01 -> 202401, 2013 -> 201300; None when no year is found."""
    match = _VERSION.search(text or "")
    return int(match.group(1)) * 100 + int(match.group(2) or 0) if match else None


def nearest(candidates: list[VoletSchematron], wanted: str | None, alias: str | None = None) -> VoletSchematron:
    """The candidate closest to version `wanted` (ties: the newer). No version at all: the volet's first
    version, ANS's convention for a template without @extension; a version without a year: the alias
    (schematron.toml) or the latest."""
    ordered = sorted(candidates, key=lambda e: e.version)
    if alias:
        aliased = next((e for e in ordered if e.path.name == alias), None)
        if aliased:
            return aliased
    if not wanted:
        return ordered[0]
    target = version_number(wanted)
    if target is None:
        return ordered[-1]
    return min(reversed(ordered), key=lambda e: abs((version_number(e.version) or 0) - target))


class Router:
    """Routes documents over one pack's schematrons (VoletIndex) with ANS's table."""

    def __init__(self, index: VoletIndex) -> None:
        self.index = index
        self.strucmin = index.pack.schematron_dir / schematron_data()["n1_schematron"]
        self.by_name = {e.path.name.lower(): e for e in index.entries}

    def entry_for_ans_name(self, name: str) -> VoletSchematron | None:
        return self.by_name.get(f"ci-sis_{name}.sch".lower())

    def select(self, kind: DocumentKind, override: Path | None = None) -> Selection:
        level = "N1" if kind.n1 else "N3"
        if override is not None:
            entry = self.by_name.get(override.name.lower())
            return Selection(override, level, entry.volet if entry else None, entry.version if entry else None,
                             reason=f"chosen by the user (--schematron {override.name})", route=Route.USER)
        routed = ans_route(kind.template_ids)
        if routed:
            return self._ans(level, *routed)
        return self._unrouted(kind, level)

    def _ans(self, level: str, root: str, extension: str | None, name: str) -> Selection:
        key = f"{root}.{extension or ''}"
        entry = self.entry_for_ans_name(name)
        if entry is not None:
            selection = Selection(entry.path, level, entry.volet, entry.version, route=Route.ANS,
                                  reason=f"ANS's route table: {key} -> {name}")
            if extension is None:
                selection.rule = "CISIS-VOL-003"
                selection.values = {"root": root, "schematron": entry.path.name}
            return selection
        candidates = self.index.for_template(root)
        if not candidates:
            return self._strucmin(level, f"ANS's route table names {name} for {key}, absent from the pack, and no "
                                  "pack schematron tests that template", "CISIS-VOL-001", {"root": root})
        chosen = nearest(candidates, name if version_number(name) else extension)
        return Selection(
            chosen.path, level, chosen.volet, chosen.version, route=Route.NEAREST,
            reason=f"ANS's route table names {name} for {key}, absent from the pack: nearest pack version",
            rule="CISIS-VOL-004", values={"key": key, "ans": name, "schematron": chosen.path.name},
            incomplete=f"routed by the harness, not by ANS: ANS's validator uses {name}, absent from the pack; "
                       f"{chosen.path.name} judged the document",
        )

    def _unrouted(self, kind: DocumentKind, level: str) -> Selection:
        root, extension = kind.volet_root, kind.volet_extension
        if root is None:
            what = "N1 document" if kind.n1 else "no volet templateId (1.2.250.1.213.1.1.1.x) in the header"
            return self._strucmin(level, f"{what}, no route in ANS's table: structuration minimale, as ANS's "
                                  "validator does")
        candidates = self.index.for_template(root)
        if not candidates:
            return self._strucmin(level, f"template {root} has no route in ANS's table and no pack schematron: "
                                  "structuration minimale, as ANS's validator does", "CISIS-VOL-001", {"root": root})
        alias = self.index.aliases.get((root, extension or ""))
        chosen = nearest(candidates, extension, alias)
        shown = f"{root}.{extension or ''}"
        known = ", ".join(sorted(e.version for e in candidates))
        return Selection(
            chosen.path, level, chosen.volet, chosen.version, route=Route.NEAREST,
            reason=f"no route in ANS's table for {shown}: nearest pack version of {chosen.volet}",
            rule="CISIS-VOL-002",
            values={"root": root, "extension": extension or "", "volet": chosen.volet, "known": known,
                    "schematron": chosen.path.name},
            incomplete=f"routed by the harness, not by ANS: ANS's table has no route for {shown} (its validator "
                       f"would apply the structuration minimale only); {chosen.path.name} judged the document",
        )

    def _strucmin(self, level: str, reason: str, rule: str | None = None,
                  values: dict[str, str] | None = None) -> Selection:
        if not self.strucmin.is_file():
            return Selection(None, level, None, None, reason=f"{reason}; the pack has no {self.strucmin.name}",
                             rule=rule, values=values or {}, route=Route.NONE)
        return Selection(self.strucmin, level, "structuration minimale", None, reason=reason, rule=rule,
                         values=values or {}, route=Route.ANS_DEFAULT)


@dataclass(frozen=True)
class Listed:
    """One schematron a user may name with --schematron."""

    name: str
    path: Path
    about: str


def catalogue(router: Router) -> list[Listed]:
    """Every schematron of the pack a user may choose: volet ones (ANS's names), StrucMin, the profiles."""
    listed = [Listed(e.path.stem.removeprefix("CI-SIS_"), e.path,
                     f"{e.volet} {e.version}, templates {', '.join(sorted(e.oids)) or '-'}")
              for e in router.index.entries]
    listed.append(Listed("StrucMin", router.strucmin, "structuration minimale (N1 and unrouted documents)"))
    profiles = router.index.pack.schematron_dir / "profils"
    listed += [Listed(p.stem, p, "profile") for p in sorted(profiles.glob("*.sch"))]
    return [item for item in listed if item.path.is_file()]


def resolve(router: Router, name: str) -> Path | None:
    """The schematron `name` designates (ANS name, file stem or file name, any letter case), or None."""
    wanted = name.strip().lower().removesuffix(".sch")
    for item in catalogue(router):
        if wanted in (item.name.lower(), item.path.stem.lower()):
            return item.path
    return None
