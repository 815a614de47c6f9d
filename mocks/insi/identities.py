"""The identity base the mock searches (fixtures/identities/insi.toml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .data import InsiDataError, load_toml


@dataclass(frozen=True)
class Ins:
    """One INS: matricule (13 chars), key, matricule type and OID, with optional validity dates."""

    matricule: str
    cle: str
    type_matricule: str
    oid: str
    date_debut: str | None = None
    date_fin: str | None = None


@dataclass(frozen=True)
class VitaleEntry:
    """How the identity appears on a carte Vitale: ouvrant droit NIR and rang de naissance."""

    nir_od: str
    cle_od: str | None
    rang: str


@dataclass(frozen=True)
class Identity:
    """Reference traits (TIQ) and INS of one person known to the service."""

    label: str
    nom_naissance: str
    prenoms: tuple[str, ...]
    sexe: str
    date_naissance: str
    lieu_naissance: str
    actif: Ins | None
    historique: tuple[Ins, ...] = ()
    vitale: tuple[VitaleEntry, ...] = ()
    absent: bool = False
    note: str = ""

    @property
    def premier_prenom(self) -> str:
        return self.prenoms[0] if self.prenoms else ""

    @property
    def liste_prenoms(self) -> str:
        return " ".join(self.prenoms)


def _ins(raw: dict[str, Any], where: str) -> Ins:
    try:
        return Ins(
            matricule=str(raw["matricule"]),
            cle=str(raw["cle"]),
            type_matricule=str(raw.get("type_matricule", "NIR")),
            oid=str(raw["oid"]),
            date_debut=raw.get("date_debut"),
            date_fin=raw.get("date_fin"),
        )
    except KeyError as exc:
        raise InsiDataError(f"{where}: missing field {exc.args[0]}") from None


def _identity(raw: dict[str, Any], index: int) -> Identity:
    where = f"identity #{index + 1} ({raw.get('label', '?')})"
    absent = bool(raw.get("absent", False))
    try:
        prenoms = tuple(str(p) for p in raw["prenoms"])
        return Identity(
            label=str(raw["label"]),
            nom_naissance=str(raw["nom_naissance"]),
            prenoms=prenoms,
            sexe=str(raw["sexe"]),
            date_naissance=str(raw["date_naissance"]),
            lieu_naissance=str(raw["lieu_naissance"]),
            actif=None if absent and "matricule" not in raw else _ins(raw, where),
            historique=tuple(_ins(h, where + " historique") for h in raw.get("historique", [])),
            vitale=tuple(
                VitaleEntry(str(v["nir_od"]), v.get("cle_od"), str(v["rang"])) for v in raw.get("vitale", [])
            ),
            absent=absent,
            note=str(raw.get("note", "")),
        )
    except KeyError as exc:
        raise InsiDataError(f"{where}: missing field {exc.args[0]}") from None


def load_identities(path: str | Path | None = None) -> list[Identity]:
    """Every identity of the fixture (absent ones included: matching skips them)."""
    data = load_toml(path, "identities", "insi.toml")
    rows = data.get("identity")
    if not isinstance(rows, list) or not rows:
        raise InsiDataError("the identity file holds no [[identity]] table")
    identities = [_identity(row, i) for i, row in enumerate(rows)]
    for ident in identities:
        if not ident.absent and ident.actif is None:
            raise InsiDataError(f"identity {ident.label}: an identity that can be found needs its INS")
    return identities
