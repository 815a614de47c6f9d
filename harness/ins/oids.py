"""What an INS OID means, read once from fixtures/ins/oids.toml.

The table is data because ANS changes it; every "is this an INS OID?" in the
harness goes through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from segur_harness.ins._data import InsDataError, load_table

INS_ARC = "1.2.250.1.213.1.4"
"""The ANS arc under which every INS OID (and the legacy INS-C) is registered."""


@dataclass(frozen=True)
class InsOid:
    """One row of fixtures/ins/oids.toml."""

    oid: str
    kind: str
    label: str
    matricule: str
    """"NIR", "NIA", or "" when the OID carries no INS matricule (INS-C)."""
    environment: str
    acceptable_ins: bool


def _row(raw: dict[str, Any]) -> InsOid:
    try:
        return InsOid(
            oid=str(raw["oid"]),
            kind=str(raw["kind"]),
            label=str(raw["label"]),
            matricule=str(raw["matricule"]),
            environment=str(raw["environment"]),
            acceptable_ins=bool(raw["acceptable_ins"]),
        )
    except KeyError as exc:
        raise InsDataError(f"fixtures/ins/oids.toml has a bad [[oid]] row {raw!r}: missing {exc}.") from exc


@cache
def oid_table() -> MappingProxyType[str, InsOid]:
    """All known INS OIDs, keyed by OID string (loaded once)."""
    rows = [_row(raw) for raw in load_table("oids.toml").get("oid", [])]
    table = {row.oid: row for row in rows}
    if len(table) != len(rows):
        raise InsDataError("fixtures/ins/oids.toml lists the same OID twice.")
    return MappingProxyType(table)


def is_ins_oid(oid: str | None) -> bool:
    """True for an OID that may qualify an INS (NIR, NIA, test, demo); False for INS-C or unknown."""
    info = oid_table().get(oid) if isinstance(oid, str) else None
    return bool(info and info.acceptable_ins)


def in_ins_arc(oid: str | None) -> bool:
    """True for any OID under the INS arc, acceptable or not (INS-C too): "the patient's INS-like id"."""
    return (oid or "").startswith(INS_ARC + ".")
