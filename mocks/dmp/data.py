"""Load the DMP mock's data files (fixture patients, structures, error texts).

They are TOML under fixtures/dmp/ because ANS changes them; [mocks.dmp]
patients_file / structures_file / errors_file point at a corrected copy.
A malformed file is refused at start-up with a message naming it, never
half-loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segur_harness.ins.matricule import MATRICULE  # the 15-character form: NIR/NIA (2A/2B) + key
from segur_harness.mocks.framework.data import load_toml as framework_load_toml

from .protocol import INS_OIDS

AUTHORISATIONS = ("VALIDE", "EXPIREE", "INTERDITE", "NON_EXISTANTE")
DMP_STATUSES = ("OUVERT", "FERME")


class DmpDataError(ValueError):
    """A data file of the DMP mock is missing or malformed (the message names it)."""


def load_toml(explicit: str | Path | None, *bundled: str) -> dict[str, Any]:
    """Parse `explicit` when given, else fixtures/<bundled...>; raise DmpDataError naming the file."""
    return framework_load_toml(explicit, *bundled, what="DMP mock", error=DmpDataError)


@dataclass(frozen=True)
class FixturePatient:
    """One patient of patients.toml: its INS, DMP status, structures' authorisations, opposition."""

    ins: str
    oid: str
    label: str
    status: str  # OUVERT | FERME
    authorisations: dict[str, str]  # structure id -> VALIDE | EXPIREE | INTERDITE | NON_EXISTANTE
    opposition_bdg: bool


@dataclass(frozen=True)
class Structure:
    """One structure of structures.toml (Identifiant_Structure of the VIHF)."""

    id: str
    name: str
    secteur: str
    active: bool
    samu: bool
    professionals: tuple[str, ...] | None  # None = any professional is linked to it


@dataclass(frozen=True)
class Structures:
    """The structures the mock knows and which Secteur_Activite codes count as a SAMU's."""

    by_id: dict[str, Structure] = field(default_factory=dict)
    samu_secteurs: frozenset[str] = frozenset()

    def get(self, structure_id: str | None) -> Structure | None:
        return self.by_id.get(structure_id or "")


def _need(raw: dict[str, Any], key: str, where: str, kind: type) -> Any:
    value = raw.get(key)
    if not isinstance(value, kind):
        raise DmpDataError(f"{where}: '{key}' is required and must be a {kind.__name__}")
    return value


def load_patients(explicit: str | Path | None = None) -> list[FixturePatient]:
    """The fixture patients (fixtures/dmp/patients.toml or `explicit`)."""
    data = load_toml(explicit, "dmp", "patients.toml")
    default_auth = data.get("defaults", {}).get("authorisations", {})
    out: list[FixturePatient] = []
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(data.get("patient", [])):
        where = f"patients.toml [[patient]] #{index + 1}"
        ins = _need(raw, "ins", where, str)
        oid = _need(raw, "oid", where, str)
        if not MATRICULE.fullmatch(ins):
            raise DmpDataError(f"{where}: ins « {ins} » is not a 15-character matricule INS (NIR/NIA + key)")
        if oid not in INS_OIDS:
            raise DmpDataError(f"{where}: oid {oid} is not an INS OID ({', '.join(INS_OIDS)})")
        status = raw.get("dmp", "OUVERT")
        if status not in DMP_STATUSES:
            raise DmpDataError(f"{where}: dmp must be one of {', '.join(DMP_STATUSES)}")
        auth = {**default_auth, **raw.get("authorisations", {})}
        bad = [v for v in auth.values() if v not in AUTHORISATIONS]
        if bad:
            raise DmpDataError(f"{where}: authorisation {bad[0]} not in {', '.join(AUTHORISATIONS)}")
        if (ins, oid) in seen:
            raise DmpDataError(f"{where}: patient {ins} ({oid}) listed twice")
        seen.add((ins, oid))
        out.append(FixturePatient(ins, oid, str(raw.get("label", "")), status,
                                  {str(k): str(v) for k, v in auth.items()}, bool(raw.get("opposition_bdg", False))))
    return out


def load_structures(explicit: str | Path | None = None) -> Structures:
    """The structures (fixtures/dmp/structures.toml or `explicit`)."""
    data = load_toml(explicit, "dmp", "structures.toml")
    by_id: dict[str, Structure] = {}
    for index, raw in enumerate(data.get("structure", [])):
        where = f"structures.toml [[structure]] #{index + 1}"
        sid = _need(raw, "id", where, str)
        pros = raw.get("professionals")
        if pros is not None and not (isinstance(pros, list) and all(isinstance(p, str) for p in pros)):
            raise DmpDataError(f"{where}: professionals must be a list of strings")
        by_id[sid] = Structure(sid, str(raw.get("name", "")), _need(raw, "secteur", where, str),
                               bool(raw.get("active", True)), bool(raw.get("samu", False)),
                               tuple(pros) if pros is not None else None)
    samu = data.get("samu", {}).get("secteurs", [])
    if not isinstance(samu, list):
        raise DmpDataError("structures.toml: [samu] secteurs must be a list of Secteur_Activite codes")
    return Structures(by_id, frozenset(str(s) for s in samu))
