"""Reading and checking the request bodies (RECSANSVITALE, RECVITALE).

The official XSDs type every field as a bare string, so the formats the
service actually needs (dates, sex, COG, NIR) are checked here, with the
harness's INS rules (segur_harness.ins) in the terms INSi_RESULTAT_INS.xsd
uses for the same traits. A trait the search cannot do
without, or one it cannot read, makes the request invalid (fault); cosmetic
problems are warnings.
"""

from __future__ import annotations

import re

from lxml import etree

from segur_harness.ins.matricule import compute_key, is_key, is_number
from segur_harness.ins.traits import INSI_SEXES, fold_name, is_normalised_name, is_valid_cog, lunar_date_fault
from segur_harness.mocks.framework.checks import Checks

from .matching import TraitsQuery, VitaleQuery
from .protocol import NS_RECSANS, NS_RECVIT

RANG = re.compile(r"\d{1,2}")

RECSANS_FIELDS = ("NomNaissance", "Prenom", "Sexe", "DateNaissance", "LieuNaissance")
RECVIT_FIELDS = ("MatriculeIndividu", "MatriculeOD", "NomNaissance", "DateNaissance", "RangNaissance")
MATRICULE_FIELDS = ("NumIdentifiant", "Cle", "TypeMatricule")


def _children(el: etree._Element, ns: str, allowed: tuple[str, ...], where: str, checks: Checks
              ) -> dict[str, list[etree._Element]]:
    """Children by local name; foreign or unknown elements and repeated singletons are refused."""
    found: dict[str, list[etree._Element]] = {}
    prefix = f"{{{ns}}}"
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        local = tag[len(prefix):] if tag.startswith(prefix) else None  # QName(child) only for what is refused
        if local is None or local not in allowed:
            qname = etree.QName(child)
            checks.error("INSI-REQ-ELEMENT", f"Élément inattendu {qname.localname} ({qname.namespace}) dans {where}.",
                         f"{where}/{qname.localname}", fault="requete_invalide")
            continue
        found.setdefault(local, []).append(child)
    for local, items in found.items():
        if len(items) > 1 and local != "Prenom":
            checks.error("INSI-REQ-REPETE", f"{where}/{local} présent {len(items)} fois (une seule occurrence).",
                         f"{where}/{local}", fault="requete_invalide")
    return found


def _value(found: dict[str, list[etree._Element]], local: str) -> str | None:
    items = found.get(local)
    if not items:
        return None
    return (items[0].text or "").strip()


def _check_nom(nom: str | None, where: str, checks: Checks) -> None:
    if not nom:
        checks.error("INSI-REQ-NOM", "Nom de naissance absent ou vide.", where, fault="requete_invalide")
    elif not is_normalised_name(nom):
        if is_normalised_name(fold_name(nom)):
            checks.warning("INSI-REQ-NOM-FORMAT",
                           f"Nom de naissance « {nom} » non normalisé (majuscules sans accents attendues).", where)
        else:
            checks.warning("INSI-REQ-NOM-FORMAT",
                           f"Nom de naissance « {nom} » : caractères hors de A-Z, espace, tiret, apostrophe.", where)


def _check_date(date: str | None, where: str, checks: Checks) -> None:
    if not date:
        checks.error("INSI-REQ-DATE", "Date de naissance absente ou vide.", where, fault="requete_invalide")
        return
    fault = lunar_date_fault(date)
    if fault == "form":
        checks.error("INSI-REQ-DATE", f"Date de naissance « {date} » hors du format AAAA-MM-JJ.", where,
                     fault="requete_invalide")
    elif fault == "range":
        checks.error("INSI-REQ-DATE", f"Date de naissance « {date} » : mois ou jour hors limites.", where,
                     fault="requete_invalide")


def parse_recsans(el: etree._Element, checks: Checks) -> TraitsQuery | None:
    """The traits query, or None when a needed trait is missing or unreadable (blocking finding added)."""
    where = "RECSANSVITALE"
    found = _children(el, NS_RECSANS, RECSANS_FIELDS, where, checks)
    nom = _value(found, "NomNaissance")
    _check_nom(nom, f"{where}/NomNaissance", checks)
    prenoms = [(p.text or "").strip() for p in found.get("Prenom", [])]
    prenoms = [p for p in prenoms if p]
    if not prenoms:
        checks.error("INSI-REQ-PRENOM", "Prénom absent ou vide.", f"{where}/Prenom", fault="requete_invalide")
    elif len(found.get("Prenom", [])) > 1:
        checks.info("INSI-REQ-PRENOMS", f"{len(prenoms)} éléments Prenom : comparés comme une liste de prénoms.",
                    f"{where}/Prenom")
    sexe = _value(found, "Sexe")
    if not sexe:
        checks.error("INSI-REQ-SEXE", "Sexe absent ou vide.", f"{where}/Sexe", fault="requete_invalide")
    elif sexe not in INSI_SEXES:
        checks.error("INSI-REQ-SEXE", f"Sexe « {sexe} » invalide (M ou F attendu).", f"{where}/Sexe",
                     fault="requete_invalide")
    date = _value(found, "DateNaissance")
    _check_date(date, f"{where}/DateNaissance", checks)
    lieu = _value(found, "LieuNaissance")
    if lieu is not None and not is_valid_cog(lieu):
        checks.error("INSI-REQ-LIEU", f"Lieu de naissance « {lieu} » n'est pas un code COG à 5 caractères.",
                     f"{where}/LieuNaissance", fault="requete_invalide")
    if checks.blocking is not None:
        return None
    return TraitsQuery(nom or "", " ".join(prenoms), sexe or "", date or "", lieu or None)


def _matricule(el: etree._Element | None, where: str, checks: Checks) -> str | None:
    """NumIdentifiant of a Matricule element, checked with its Cle when sent."""
    if el is None:
        return None
    found = _children(el, NS_RECVIT, MATRICULE_FIELDS, where, checks)
    num = (_value(found, "NumIdentifiant") or "").upper()
    cle = _value(found, "Cle")
    if not num:
        checks.error("INSI-REQ-NIR", f"{where}/NumIdentifiant absent ou vide.", f"{where}/NumIdentifiant",
                     fault="requete_invalide")
        return None
    if not is_number(num):
        checks.error("INSI-REQ-NIR", f"{where}/NumIdentifiant « {num} » n'est pas un matricule de 13 caractères.",
                     f"{where}/NumIdentifiant", fault="requete_invalide")
        return None
    if cle is not None:
        if not is_key(cle):
            checks.error("INSI-REQ-CLE", f"{where}/Cle « {cle} » doit compter 2 chiffres.", f"{where}/Cle",
                         fault="requete_invalide")
        elif compute_key(num) != cle:
            checks.warning("INSI-REQ-CLE", f"{where}/Cle « {cle} » ne correspond pas au matricule {num}.",
                           f"{where}/Cle")
    return num


def parse_recvitale(el: etree._Element, checks: Checks) -> VitaleQuery | None:
    """The carte Vitale query, or None when it cannot be searched (blocking finding added)."""
    where = "RECVITALE"
    found = _children(el, NS_RECVIT, RECVIT_FIELDS, where, checks)
    individu = _matricule((found.get("MatriculeIndividu") or [None])[0], f"{where}/MatriculeIndividu", checks)
    od = _matricule((found.get("MatriculeOD") or [None])[0], f"{where}/MatriculeOD", checks)
    if not individu and not od and checks.blocking is None:
        checks.error("INSI-REQ-NIR", "Ni MatriculeOD ni MatriculeIndividu : la carte Vitale n'est pas lue.", where,
                     fault="requete_invalide")
    nom = _value(found, "NomNaissance")
    if nom is not None:
        _check_nom(nom, f"{where}/NomNaissance", checks)
    date = _value(found, "DateNaissance")
    _check_date(date, f"{where}/DateNaissance", checks)
    rang = _value(found, "RangNaissance")
    if rang is None:
        checks.warning("INSI-REQ-RANG", "RangNaissance absent : des jumeaux sur une même carte ne sont pas distingués.",
                       f"{where}/RangNaissance")
    elif not RANG.fullmatch(rang):
        checks.error("INSI-REQ-RANG", f"RangNaissance « {rang} » doit être un nombre.", f"{where}/RangNaissance",
                     fault="requete_invalide")
    if checks.blocking is not None:
        return None
    return VitaleQuery(individu, od, nom or None, date, rang)
