"""Builds the INSi SOAP 1.2 requests exactly as the WSDL 1.5.0 binding describes them.

Headers (WSDL parts NO1_*): wsse:Security carrying a SAML 2.0 assertion,
ctxlps:ContexteLPS (who is calling: IDAM authorisation number, software name
and version, instance), wsa:MessageID and wsa:Action, ctxbam:ContexteBAM.
Body: RECSANSVITALE (search by traits) or RECVITALE (search with carte Vitale data).
The assertion is not signed: the harness has no CPS card nor INSI-AUTO key.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from lxml import etree

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
CTXLPS = "urn:siram:lps:ctxlps"
CTXBAM = "urn:siram:bam:ctxbam"
RECSANS = "http://www.cnamts.fr/INSiRecSans"
RECVIT = "http://www.cnamts.fr/INSiRecVit"

OP_TRAITS = "rechercherInsAvecTraitsIdentite"
OP_VITALE = "rechercherInsAvecCarteVitale"
ACTION_PREFIX = "urn:ServiceIdentiteCertifiee:1.0.0:"
CONTENT_TYPE = "application/soap+xml; charset=utf-8"


@dataclass(frozen=True)
class Caller:
    """Who calls INSi: the authorised software (ContexteLPS) and the user at the keyboard."""

    idam: str
    lps_name: str
    lps_version: str
    instance: str
    user: str
    send_lps_context: bool = True


@dataclass(frozen=True)
class TraitsQuery:
    """Traits sent in RECSANSVITALE; `first_names` holds one or several birth first names."""

    birth_name: str
    first_names: list[str]
    sex: str
    birth_date: str
    birth_place_cog: str | None = None


@dataclass(frozen=True)
class VitaleQuery:
    """Data read from a carte Vitale for RECVITALE: the holder (ouvrant droit) and the chosen beneficiary."""

    holder_nir: str
    holder_nir_key: str
    birth_date: str
    birth_rank: str | None = None
    birth_name: str | None = None
    beneficiary_nir: str | None = None
    beneficiary_nir_key: str | None = None


@dataclass(frozen=True)
class BuiltRequest:
    """A ready-to-send request and the identifiers the SUT traces."""

    operation: str
    message_id: str
    body: bytes

    @property
    def action(self) -> str:
        return ACTION_PREFIX + self.operation


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: etree._Element, ns: str, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        element.text = text
    return element


def _security(header: etree._Element, caller: Caller) -> None:
    """wsse:Security with the SAML assertion the XSD requires (subject = the user)."""
    security = _sub(header, WSSE, "Security")
    issued = dt.datetime.now(dt.UTC)
    assertion = _sub(security, SAML, "Assertion")
    assertion.set("Version", "2.0")
    assertion.set("ID", f"_{uuid.uuid4()}")
    assertion.set("IssueInstant", issued.strftime("%Y-%m-%dT%H:%M:%SZ"))
    _sub(assertion, SAML, "Issuer", f"{caller.lps_name}/{caller.instance}")
    subject = _sub(assertion, SAML, "Subject")
    _sub(subject, SAML, "NameID", caller.user)
    _sub(subject, SAML, "SubjectConfirmation").set("Method", "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches")
    conditions = _sub(assertion, SAML, "Conditions")
    conditions.set("NotBefore", issued.strftime("%Y-%m-%dT%H:%M:%SZ"))
    conditions.set("NotOnOrAfter", (issued + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    statement = _sub(assertion, SAML, "AttributeStatement")
    for name, value in (("LPS_Nom", caller.lps_name), ("LPS_Version", caller.lps_version), ("LPS_IDAM", caller.idam)):
        attribute = _sub(statement, SAML, "Attribute")
        attribute.set("Name", name)
        _sub(attribute, SAML, "AttributeValue", value)


def _lps_context(header: etree._Element, caller: Caller) -> None:
    context = _sub(header, CTXLPS, "ContexteLPS")
    context.set("Nature", "CTXLPS")
    context.set("Version", "01_00")
    _sub(context, CTXLPS, "Id", str(uuid.uuid4()))
    _sub(context, CTXLPS, "Temps", _now())
    _sub(context, CTXLPS, "Emetteur", caller.user)
    lps = _sub(context, CTXLPS, "LPS")
    _sub(lps, CTXLPS, "IDAM", caller.idam).set("R", "4")
    _sub(lps, CTXLPS, "Version", caller.lps_version)
    _sub(lps, CTXLPS, "Instance", caller.instance)
    _sub(lps, CTXLPS, "Nom", caller.lps_name)


def _bam_context(header: etree._Element, caller: Caller) -> None:
    context = _sub(header, CTXBAM, "ContexteBAM")
    context.set("Version", "01_02")
    _sub(context, CTXBAM, "Id", str(uuid.uuid4()))
    _sub(context, CTXBAM, "Temps", _now())
    _sub(context, CTXBAM, "Emetteur", caller.user)
    _sub(context, CTXBAM, "COUVERTURE")


def _envelope(operation: str, caller: Caller, body_child: etree._Element) -> BuiltRequest:
    message_id = f"uuid:{uuid.uuid4()}"
    env = etree.Element(
        f"{{{SOAP12}}}Envelope",
        nsmap={"soap": SOAP12, "wsa": WSA, "wsse": WSSE, "saml": SAML, "ctxlps": CTXLPS, "ctxbam": CTXBAM},
    )
    header = _sub(env, SOAP12, "Header")
    _security(header, caller)
    if caller.send_lps_context:
        _lps_context(header, caller)
    _sub(header, WSA, "MessageID", message_id)
    _sub(header, WSA, "Action", ACTION_PREFIX + operation)
    _bam_context(header, caller)
    _sub(env, SOAP12, "Body").append(body_child)
    body = etree.tostring(env, xml_declaration=True, encoding="UTF-8")
    return BuiltRequest(operation=operation, message_id=message_id, body=body)


def traits_request(query: TraitsQuery, caller: Caller) -> BuiltRequest:
    """rechercherInsAvecTraitsIdentite: one Prenom element per birth first name sent."""
    rec = etree.Element(f"{{{RECSANS}}}RECSANSVITALE", nsmap={"recsans": RECSANS})
    _sub(rec, RECSANS, "NomNaissance", query.birth_name)
    for first_name in query.first_names:
        _sub(rec, RECSANS, "Prenom", first_name)
    _sub(rec, RECSANS, "Sexe", query.sex)
    _sub(rec, RECSANS, "DateNaissance", query.birth_date)
    if query.birth_place_cog:
        _sub(rec, RECSANS, "LieuNaissance", query.birth_place_cog)
    return _envelope(OP_TRAITS, caller, rec)


def vitale_request(query: VitaleQuery, caller: Caller) -> BuiltRequest:
    """rechercherInsAvecCarteVitale: holder matricule, beneficiary birth date, rank and own NIR if known."""
    rec = etree.Element(f"{{{RECVIT}}}RECVITALE", nsmap={"recvit": RECVIT})
    if query.beneficiary_nir:
        individual = _sub(rec, RECVIT, "MatriculeIndividu")
        _sub(individual, RECVIT, "NumIdentifiant", query.beneficiary_nir)
        if query.beneficiary_nir_key:
            _sub(individual, RECVIT, "Cle", query.beneficiary_nir_key)
    holder = _sub(rec, RECVIT, "MatriculeOD")
    _sub(holder, RECVIT, "NumIdentifiant", query.holder_nir)
    _sub(holder, RECVIT, "Cle", query.holder_nir_key)
    if query.birth_name:
        _sub(rec, RECVIT, "NomNaissance", query.birth_name)
    _sub(rec, RECVIT, "DateNaissance", query.birth_date)
    if query.birth_rank:
        _sub(rec, RECVIT, "RangNaissance", query.birth_rank)
    return _envelope(OP_VITALE, caller, rec)
