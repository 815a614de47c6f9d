"""RESULTAT bodies, element for element as INSi_RESULTAT_INS.xsd orders them.

A RESULTAT depends only on its CodeCR and the identity found, both fixed while
the mock runs (fixtures and errors.toml are read once): ResultatCache keeps
each one serialised, so an answer costs a lookup instead of building and
serialising some twenty elements.
"""

from __future__ import annotations

from lxml import etree

from .identities import Identity, Ins
from .protocol import NS_RESULTAT


def _el(parent: etree._Element, local: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{NS_RESULTAT}}}{local}")
    if text is not None:
        child.text = text
    return child


def _ins(parent: etree._Element, local: str, ins: Ins) -> None:
    node = _el(parent, local)
    id_individu = _el(node, "IdIndividu")
    _el(id_individu, "NumIdentifiant", ins.matricule)
    _el(id_individu, "Cle", ins.cle)
    _el(id_individu, "TypeMatricule", ins.type_matricule)
    _el(node, "OID", ins.oid)
    if ins.date_debut:
        _el(node, "DateDeb", ins.date_debut)
    if ins.date_fin:
        _el(node, "DateFin", ins.date_fin)


def resultat(code: str, libelle: str, identity: Identity | None = None) -> etree._Element:
    """RESULTAT{CR{CodeCR, LibelleCR}, INDIVIDU?}; INDIVIDU only with CodeCR 00."""
    root = etree.Element(f"{{{NS_RESULTAT}}}RESULTAT", nsmap={None: NS_RESULTAT})
    cr = _el(root, "CR")
    _el(cr, "CodeCR", code)
    _el(cr, "LibelleCR", libelle)
    if identity is not None and identity.actif is not None:
        individu = _el(root, "INDIVIDU")
        _ins(individu, "INSACTIF", identity.actif)
        for histo in identity.historique:
            _ins(individu, "INSHISTO", histo)
        tiq = _el(individu, "TIQ")
        _el(tiq, "NomNaissance", identity.nom_naissance)
        _el(tiq, "Prenom", identity.premier_prenom)
        _el(tiq, "ListePrenom", identity.liste_prenoms)
        _el(tiq, "Sexe", identity.sexe)
        _el(tiq, "DateNaissance", identity.date_naissance)
        _el(tiq, "LieuNaissance", identity.lieu_naissance)
    return root


class ResultatCache:
    """Serialised RESULTAT per (CodeCR, identity); the labels are the service's CR labels (errors.toml)."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self._cache: dict[tuple[str, int], tuple[Identity | None, bytes]] = {}

    def xml(self, code: str, identity: Identity | None) -> bytes:
        """The bytes of resultat(code, its label, identity)."""
        key = (code, id(identity))
        entry = self._cache.get(key)
        if entry is None or entry[0] is not identity:  # keyed by id: the identity itself must be the one kept
            entry = (identity, etree.tostring(resultat(code, self.labels[code], identity)))
            self._cache[key] = entry  # one dict store: threads that race build the same bytes
        return entry[1]
