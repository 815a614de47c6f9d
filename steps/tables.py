"""Turns the French Gherkin data tables into adapter payloads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from segur_harness.errors import HarnessError

V = TypeVar("V")


def feature_word(table: Mapping[str, V], word: str, what: str) -> V:
    """What a wording of the .feature file means; an unknown one is the feature's mistake (broken), not the SUT's."""
    if word not in table:
        raise HarnessError(f"problème du banc de test : {what} « {word} » inconnu dans le fichier .feature "
                           f"(connus : {', '.join(table)})")
    return table[word]

TRAIT_FIELDS = {
    "nom de naissance": "birth_name",
    "prénoms de naissance": "birth_first_names",
    "prénom utilisé": "used_first_name",
    "nom utilisé": "used_name",
    "sexe": "sex",
    "date de naissance": "birth_date",
    "lieu de naissance": "birth_place_cog",
}

VITALE_FIELDS = {
    "matricule de l'ouvrant droit": "holder_nir",
    "clé de l'ouvrant droit": "holder_nir_key",
    "matricule du bénéficiaire": "beneficiary_nir",
    "clé du bénéficiaire": "beneficiary_nir_key",
    "nom de naissance": "birth_name",
    "date de naissance": "birth_date",
    "rang de naissance": "birth_rank",
}


def iso_date(text: str) -> str:
    """'26/02/1997' (or already ISO) -> '1997-02-26'."""
    text = text.strip()
    if "/" in text:
        return dt.datetime.strptime(text, "%d/%m/%Y").date().isoformat()
    return dt.date.fromisoformat(text).isoformat()


def _rows(datatable: list[list[str]], fields: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in datatable:
        if len(row) != 2:
            raise ValueError("problème du banc de test : chaque ligne du tableau du scénario doit avoir 2 cellules "
                             f"(champ | valeur), ligne reçue {row!r}")
        label = row[0].strip().lower()
        if label not in fields:
            raise ValueError(f"problème du banc de test : champ inconnu {row[0]!r} dans le tableau du scénario ; "
                             f"champs connus : {', '.join(fields)}")
        if row[1].strip():
            out[fields[label]] = row[1].strip()
    return out


def traits_payload(datatable: list[list[str]]) -> dict[str, Any]:
    """Adapter `IdentityTraits` from a two-column table (first names separated by spaces)."""
    raw = _rows(datatable, TRAIT_FIELDS)
    payload: dict[str, Any] = dict(raw)
    payload["birth_first_names"] = raw.get("birth_first_names", "").split()
    if "birth_date" in raw:
        payload["birth_date"] = iso_date(raw["birth_date"])
    return payload


def vitale_payload(datatable: list[list[str]]) -> dict[str, Any]:
    """Adapter `VitaleCard` from a two-column table."""
    payload: dict[str, Any] = _rows(datatable, VITALE_FIELDS)
    if "birth_date" in payload:
        payload["birth_date"] = iso_date(payload["birth_date"])
    return payload
