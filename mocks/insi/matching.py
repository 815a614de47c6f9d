"""Identity search as the INSi service does it: exact traits after normalisation.

CodeCR follows the number of identities found: 1 -> 00, 0 -> 01, more -> 02.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from segur_harness.ins.traits import fold_name

from .identities import Identity


@dataclass(frozen=True)
class TraitsQuery:
    """What RECSANSVITALE carries (already checked for presence and format)."""

    nom_naissance: str
    prenoms: str  # every Prenom element, space-joined
    sexe: str
    date_naissance: str
    lieu_naissance: str | None = None


@dataclass(frozen=True)
class VitaleQuery:
    """What RECVITALE carries: beneficiary and ouvrant droit matricules, name, birth date, rank."""

    nir_individu: str | None
    nir_od: str | None
    nom_naissance: str | None
    date_naissance: str | None
    rang: str | None


def _first_names_match(given: str, identity: Identity) -> bool:
    wanted = fold_name(given)
    return wanted in (fold_name(identity.premier_prenom), fold_name(identity.liste_prenoms))


def search_traits(query: TraitsQuery, identities: Iterable[Identity]) -> list[Identity]:
    """Identities whose birth name, first name(s), sex, birth date (and birth place if given) match."""
    found = []
    for ident in identities:
        if ident.absent:
            continue
        if fold_name(ident.nom_naissance) != fold_name(query.nom_naissance):
            continue
        if not _first_names_match(query.prenoms, ident):
            continue
        if ident.sexe != query.sexe.upper() or ident.date_naissance != query.date_naissance:
            continue
        if query.lieu_naissance and fold_name(ident.lieu_naissance) != fold_name(query.lieu_naissance):
            continue
        found.append(ident)
    return found


class TraitsIndex:
    """search_traits over fixed identities, each folded once: birth name, sex and birth date select a bucket.

    The fixture identities never change while the mock runs; folding every one
    of them again on each request was most of the search's cost.
    """

    def __init__(self, identities: Iterable[Identity]) -> None:
        self._buckets: dict[tuple[str, str, str], list[tuple[Identity, tuple[str, str], str]]] = {}
        for ident in identities:
            if ident.absent:
                continue
            key = (fold_name(ident.nom_naissance), ident.sexe, ident.date_naissance)
            first_names = (fold_name(ident.premier_prenom), fold_name(ident.liste_prenoms))
            self._buckets.setdefault(key, []).append((ident, first_names, fold_name(ident.lieu_naissance)))

    def search(self, query: TraitsQuery) -> list[Identity]:
        """What search_traits(query, identities) finds, in the same order."""
        bucket = self._buckets.get((fold_name(query.nom_naissance), query.sexe.upper(), query.date_naissance), ())
        wanted = fold_name(query.prenoms)
        lieu = fold_name(query.lieu_naissance) if query.lieu_naissance else None
        return [ident for ident, first_names, ident_lieu in bucket
                if wanted in first_names and (lieu is None or ident_lieu == lieu)]


def _rank(value: str | None) -> str | None:
    return value.strip().lstrip("0") or "0" if value and value.strip() else None


def search_vitale(query: VitaleQuery, identities: Iterable[Identity]) -> list[Identity]:
    """Identities found from carte Vitale data.

    The beneficiary's own matricule, when given, identifies the person (with
    the birth date as a check); otherwise the ouvrant droit matricule, the
    beneficiary's birth date and rank select the beneficiary on that card
    (twins on one card differ only by rank, hence 02 without it).
    """
    found = []
    for ident in identities:
        if ident.absent:
            continue
        if query.nom_naissance and fold_name(query.nom_naissance) != fold_name(ident.nom_naissance):
            continue
        if query.date_naissance and query.date_naissance != ident.date_naissance:
            continue
        if query.nir_individu:
            matricules = [i.matricule for i in (ident.actif, *ident.historique) if i is not None]
            if query.nir_individu.upper() in matricules:
                found.append(ident)
            continue
        for entry in ident.vitale:
            if entry.nir_od.upper() != (query.nir_od or "").upper():
                continue
            if query.rang and _rank(query.rang) != _rank(entry.rang):
                continue
            found.append(ident)
            break
    return found


def code_cr(found: list[Identity]) -> str:
    """00 exactly one, 01 none, 02 several."""
    return "00" if len(found) == 1 else "01" if not found else "02"
