"""The requirement catalogue: REM requirements, their scenarios and proofs, as data.

ANS changes requirement texts, IDs and scope between REM versions; keeping
them in TOML (fixtures/catalogue/) lets a user correct them without code, and
`segur-harness catalogue --check` keeps the data and the features consistent.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from segur_harness.config import CATALOGUE_DIR

NATURES = ("EXIGENCE", "PRECONISATION")
CRITICITES = ("MINOR", "MAJOR", "CRITICAL")
CRITICITE_LABELS = {"MINOR": "Mineure", "MAJOR": "Majeure", "CRITICAL": "Critique"}
"""Convergence's French wording of each criticité (its spreadsheet says "Mineure", not MINOR)."""
SOURCES = ("ans-draft", "rem-published", "harness")
# SECTION[/SUB[/SUB]].NN, optional SC. prefix; DMPi style EX_3.1-1030 also accepted.
REQUIREMENT_ID = re.compile(r"^(?:SC\.)?[A-Z][A-Za-z0-9-]*(?:/[A-Za-z0-9-]+)*\.[0-9A-Za-z]+$|^EX_\d+(?:\.\d+)*-\d+$")
TAG_PREFIX = "REQ_"


def requirement_tag(requirement_id: str) -> str:
    """The Gherkin/pytest tag for a requirement ID: REQ_ + ID with non-alphanumerics as '_'."""
    return TAG_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", requirement_id)


@dataclass(frozen=True)
class Proof:
    id: str
    text: str


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    proofs: tuple[Proof, ...] = ()


@dataclass(frozen=True)
class Requirement:
    id: str
    section_id: str
    section: str
    nature: str
    criticite: str
    vague: str
    enonce: str
    source: str
    in_scope: bool
    couloirs: tuple[str, ...]
    scenarios: tuple[Scenario, ...]
    profils: tuple[str, ...] = ()
    bloc: str = ""
    fonction: str = ""
    conditionnelle: str = ""
    source_note: str = ""
    file: str = ""

    @property
    def tag(self) -> str:
        return requirement_tag(self.id)


@dataclass
class Catalogue:
    version: str
    requirements: list[Requirement]
    problems: list[str] = field(default_factory=list)
    """Defects found while loading (malformed entries); `check()` reports them."""

    def by_id(self) -> dict[str, Requirement]:
        return {r.id: r for r in self.requirements}

    def by_tag(self) -> dict[str, Requirement]:
        return {r.tag: r for r in self.requirements}

    def scenario_ids(self) -> dict[str, Requirement]:
        return {s.id: r for r in self.requirements for s in r.scenarios}

    def requirements_for_tags(self, tags: set[str]) -> list[str]:
        """Requirement IDs behind a scenario's tags (unknown REQ_ tags are ignored here)."""
        table = self.by_tag()
        return sorted(table[t].id for t in tags if t in table)


def _text(entry: dict, key: str, where: str, problems: list[str], required: bool = True) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        problems.append(f"{where}: field '{key}' must be text")
        return ""
    if required and not value.strip():
        problems.append(f"{where}: field '{key}' is missing or empty")
    return value


def _requirement(entry: dict, file: str, problems: list[str]) -> Requirement:
    rid = entry.get("id", "")
    where = f"{file}: requirement {rid or '(no id)'}"
    if not isinstance(rid, str) or not REQUIREMENT_ID.match(rid):
        problems.append(f"{where}: malformed requirement ID {rid!r}")
    nature = _text(entry, "nature", where, problems)
    if nature and nature not in NATURES:
        problems.append(f"{where}: nature {nature!r} is not one of {', '.join(NATURES)}")
    criticite = _text(entry, "criticite", where, problems)
    if criticite and criticite not in CRITICITES:
        problems.append(f"{where}: criticité {criticite!r} is not one of {', '.join(CRITICITES)}")
    source = _text(entry, "source", where, problems)
    if source and source not in SOURCES:
        problems.append(f"{where}: source {source!r} is not one of {', '.join(SOURCES)}")
    scenarios = []
    for sc in entry.get("scenario", []):
        sid = sc.get("id", "")
        if not (isinstance(sid, str) and sid.startswith(f"{rid}.") and re.fullmatch(r"\d{2}", sid[len(rid) + 1 :])):
            problems.append(f"{where}: scenario ID {sid!r} must be the requirement ID followed by .NN")
        proofs = []
        for pr in sc.get("proof", []):
            pid = pr.get("id", "")
            if not (isinstance(pid, str) and re.fullmatch(re.escape(sid) + r"\.\d{2}", pid)):
                problems.append(f"{where}: proof ID {pid!r} must be the scenario ID followed by .NN")
            proofs.append(Proof(pid, _text(pr, "text", f"{where} proof {pid}", problems)))
        scenarios.append(Scenario(sid, _text(sc, "title", f"{where} scenario {sid}", problems), tuple(proofs)))
    in_scope = entry.get("in_scope", True)
    return Requirement(
        id=rid if isinstance(rid, str) else str(rid),
        section_id=_text(entry, "section_id", where, problems),
        section=_text(entry, "section", where, problems),
        nature=nature,
        criticite=criticite,
        vague=_text(entry, "vague", where, problems, required=False),
        enonce=_text(entry, "enonce", where, problems),
        source=source,
        source_note=_text(entry, "source_note", where, problems, required=False),
        in_scope=bool(in_scope),
        couloirs=tuple(entry.get("couloirs", [])),
        profils=tuple(entry.get("profils", [])),
        bloc=_text(entry, "bloc", where, problems, required=False),
        fonction=_text(entry, "fonction", where, problems, required=False),
        conditionnelle=_text(entry, "conditionnelle", where, problems, required=False),
        scenarios=tuple(scenarios),
        file=file,
    )


def load_catalogue(directory: Path = CATALOGUE_DIR) -> Catalogue:
    """Every requirement of every TOML file in `directory`; `catalogue.toml` holds the version."""
    problems: list[str] = []
    version = "unversioned"
    requirements: list[Requirement] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: not valid TOML: {exc}")
            continue
        if path.name == "catalogue.toml":
            version = str(data.get("catalogue", {}).get("version", version))
        for entry in data.get("requirement", []):
            requirements.append(_requirement(entry, path.name, problems))
    return Catalogue(version=version, requirements=requirements, problems=problems)
