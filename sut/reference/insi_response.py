"""Reads INSi answers: a RESULTAT, or a SOAP 1.2 Fault carrying siram:Erreur.

Everything goes through the hardened parser (`segur_harness.xmlsafe`): an
answer we cannot read is reported to the user, never a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from segur_harness.xmlsafe import XmlRejected, parse_xml

from .traits import ReturnedTraits

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
RESULTAT = "http://www.cnamts.fr/INSiResultat"
SIRAM = "urn:siram"


class UnreadableAnswer(ValueError):
    """The INSi answer is not a SOAP 1.2 envelope holding a RESULTAT or a Fault."""


@dataclass(frozen=True)
class ReturnedIns:
    """One INS of an INSi answer (INSACTIF or INSHISTO)."""

    number: str
    key: str
    oid: str
    matricule_type: str | None = None


@dataclass(frozen=True)
class InsiResult:
    """A RESULTAT: CodeCR/LibelleCR and, for 00, the individual."""

    code: str
    label: str
    active: ReturnedIns | None = None
    historic: list[ReturnedIns] = field(default_factory=list)
    traits: ReturnedTraits | None = None


@dataclass(frozen=True)
class InsiFault:
    """A SOAP Fault: SOAP code, French reason and the siram:Erreur code when present."""

    code: str
    reason: str
    error_code: str | None = None
    severity: str | None = None


def _text(parent: etree._Element | None, local: str, ns: str = RESULTAT) -> str | None:
    if parent is None:
        return None
    found = parent.find(f"{{{ns}}}{local}")
    return found.text.strip() if found is not None and found.text else None


def _ins(element: etree._Element) -> ReturnedIns:
    ident = element.find(f"{{{RESULTAT}}}IdIndividu")
    return ReturnedIns(
        number=_text(ident, "NumIdentifiant") or "",
        key=_text(ident, "Cle") or "",
        oid=_text(element, "OID") or "",
        matricule_type=_text(ident, "TypeMatricule"),
    )


def _traits(tiq: etree._Element) -> ReturnedTraits:
    first_names = (_text(tiq, "ListePrenom") or "").split()
    return ReturnedTraits(
        birth_name=_text(tiq, "NomNaissance") or "",
        first_name=_text(tiq, "Prenom") or "",
        first_names=first_names,
        sex=_text(tiq, "Sexe") or "",
        birth_date=_text(tiq, "DateNaissance") or "",
        birth_place_cog=_text(tiq, "LieuNaissance"),
    )


def _result(resultat: etree._Element) -> InsiResult:
    cr = resultat.find(f"{{{RESULTAT}}}CR")
    code = _text(cr, "CodeCR")
    if code is None:
        raise UnreadableAnswer("RESULTAT sans CodeCR")
    individu = resultat.find(f"{{{RESULTAT}}}INDIVIDU")
    if individu is None:
        return InsiResult(code=code, label=_text(cr, "LibelleCR") or "")
    active = individu.find(f"{{{RESULTAT}}}INSACTIF")
    tiq = individu.find(f"{{{RESULTAT}}}TIQ")
    return InsiResult(
        code=code,
        label=_text(cr, "LibelleCR") or "",
        active=_ins(active) if active is not None else None,
        historic=[_ins(h) for h in individu.findall(f"{{{RESULTAT}}}INSHISTO")],
        traits=_traits(tiq) if tiq is not None else None,
    )


def _fault(fault: etree._Element) -> InsiFault:
    code = fault.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Value") or ""
    reason = " ".join((t.text or "").strip() for t in fault.iterfind(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text"))
    error = fault.find(f".//{{{SIRAM}}}Erreur")
    return InsiFault(
        code=code.split(":")[-1],
        reason=reason or ((error.text or "").strip() if error is not None else ""),
        error_code=error.get("code") if error is not None else None,
        severity=error.get("severite") if error is not None else None,
    )


def parse_answer(body: bytes) -> InsiResult | InsiFault:
    """The RESULTAT or Fault in an INSi SOAP answer; UnreadableAnswer otherwise."""
    try:
        root = parse_xml(body)
    except XmlRejected as exc:
        raise UnreadableAnswer(exc.reason) from None
    if root.tag != f"{{{SOAP12}}}Envelope":
        raise UnreadableAnswer(f"élément racine inattendu {root.tag}")
    body_el = root.find(f"{{{SOAP12}}}Body")
    children = [c for c in body_el if isinstance(c.tag, str)] if body_el is not None else []
    if len(children) != 1:
        raise UnreadableAnswer("Body SOAP vide ou multiple")
    child = children[0]
    if child.tag == f"{{{SOAP12}}}Fault":
        return _fault(child)
    if child.tag == f"{{{RESULTAT}}}RESULTAT":
        return _result(child)
    raise UnreadableAnswer(f"réponse inattendue {child.tag}")
