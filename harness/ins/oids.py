"""What an INS OID means, read once from fixtures/ins/oids.toml.

NIR and NIA matricules look alike; only the OID says which one a matricule is,
so every NIR/NIA decision in the harness goes through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any

from segur_harness.ins._data import InsDataError, load_table


class InsOidKind(StrEnum):
    """Stable names for the OIDs of the table (the ``kind`` column)."""

    NIR = "INS-NIR"
    NIA = "INS-NIA"
    NIR_TEST = "INS-NIR-TEST"
    NIR_DEMO = "INS-NIR-DEMO"
    INS_C = "INS-C"


@dataclass(frozen=True)
class InsOid:
    """One row of fixtures/ins/oids.toml."""

    oid: str
    kind: InsOidKind
    label: str
    matricule: str
    """"NIR", "NIA", or "" when the OID carries no INS matricule (INS-C)."""
    environment: str
    acceptable_ins: bool


def _row(raw: dict[str, Any]) -> InsOid:
    try:
        row = InsOid(
            oid=str(raw["oid"]),
            kind=InsOidKind(raw["kind"]),
            label=str(raw["label"]),
            matricule=str(raw["matricule"]),
            environment=str(raw["environment"]),
            acceptable_ins=bool(raw["acceptable_ins"]),
        )
    except (KeyError, ValueError) as exc:
        raise InsDataError(f"fixtures/ins/oids.toml has a bad [[oid]] row {raw!r}: {exc!r}.") from exc
    if row.matricule not in ("NIR", "NIA", ""):
        raise InsDataError(f"fixtures/ins/oids.toml: matricule must be NIR, NIA or empty in {raw!r}.")
    return row


@cache
def oid_table() -> MappingProxyType[str, InsOid]:
    """All known INS OIDs, keyed by OID string (loaded once)."""
    rows = [_row(raw) for raw in load_table("oids.toml").get("oid", [])]
    table = {row.oid: row for row in rows}
    if len(table) != len(rows):
        raise InsDataError("fixtures/ins/oids.toml lists the same OID twice.")
    return MappingProxyType(table)


def oid_info(oid: str | None) -> InsOid | None:
    """The table row for ``oid`` (exact match, no trimming), or None when unknown."""
    return oid_table().get(oid) if isinstance(oid, str) else None


def kind_of_oid(oid: str | None) -> InsOidKind | None:
    info = oid_info(oid)
    return info.kind if info else None


def oid_of_kind(kind: InsOidKind | str) -> str:
    """The OID string for a kind (so steps never hard-code OIDs); KeyError if absent."""
    wanted = InsOidKind(kind)
    for row in oid_table().values():
        if row.kind is wanted:
            return row.oid
    raise KeyError(f"No OID of kind {wanted} in fixtures/ins/oids.toml.")


def is_ins_oid(oid: str | None) -> bool:
    """True for an OID that may qualify an INS (NIR, NIA, test, demo); False for INS-C or unknown."""
    info = oid_info(oid)
    return bool(info and info.acceptable_ins)


def is_nia(oid: str | None) -> bool:
    info = oid_info(oid)
    return bool(info and info.acceptable_ins and info.matricule == "NIA")


def is_nir(oid: str | None) -> bool:
    """True for the NIR OIDs, including the test and demo ones."""
    info = oid_info(oid)
    return bool(info and info.acceptable_ins and info.matricule == "NIR")
