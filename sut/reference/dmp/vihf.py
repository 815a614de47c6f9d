"""The VIHF: the SAML 2.0 assertion that tells the DMP who acts, for which structure and patient, and why.

Built per docs/dmp.md (attributes VIHF_Version ... LPS_ID_HOMOLOGATION_DMP) and
signed, enveloped, with the structure's "certificat de cachet" from the harness
test PKI: exclusive c14n, SHA-256, the signer certificate in KeyInfo. The DMP
trusts nothing it cannot verify, so an unsigned or stale assertion is refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

from segur_harness import pki as harness_pki

from ..profile import Professional
from .data import dmp_data
from .ns import DS, HL7, SAML, XSI

CACHET_CN = "DMP-CACHET"
X509_SUBJECT_NAME = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
ATTR = {
    "subject_id": "urn:oasis:names:tc:xspa:1.0:subject:subject-id",
    "role": "urn:oasis:names:tc:xacml:2.0:subject:role",
    "resource_id": "urn:oasis:names:tc:xacml:2.0:resource:resource-id",
    "purpose": "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse",
}


@dataclass(frozen=True)
class VihfContext:
    """What one assertion says: the user, the structure and software, the patient and the access mode."""

    professional: Professional
    structure_id: str
    secteur: str
    patient_id: str
    """resource-id: the patient's INS as INS^^^&OID&ISO^NH."""
    mode: str
    lps_name: str
    lps_version: str
    homologation: str


@dataclass(frozen=True)
class Signer:
    """The certificat de cachet: its key and certificate (PEM) and the subject DN the Issuer names."""

    key_pem: bytes
    cert_pem: bytes

    @property
    def subject(self) -> str:
        return x509.load_pem_x509_certificate(self.cert_pem).subject.rfc4514_string()


def cachet_signer(pki_dir: str) -> Signer:
    """The DMP-CACHET key and certificate of the harness test PKI in `pki_dir` (generated when missing).

    Read at every call, not cached: the PKI may be renewed by another process during a run.
    """
    cns = tuple(dict.fromkeys((*harness_pki.CLIENT_CNS, CACHET_CN)))
    pki = harness_pki.ensure_pki(Path(pki_dir), cns)
    return Signer(pki.client_key(CACHET_CN).read_bytes(), pki.client_cert(CACHET_CN).read_bytes())


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = text
    return node


def _attribute(statement: etree._Element, name: str, *values: str | etree._Element) -> None:
    attribute = _sub(statement, SAML, "Attribute", Name=name)
    for value in values:
        holder = _sub(attribute, SAML, "AttributeValue")
        if isinstance(value, str):
            holder.text = value
        else:
            holder.append(value)


def _coded(tag: str, code: str, system: str, display: str | None) -> etree._Element:
    node = etree.Element(f"{{{HL7}}}{tag}", nsmap={"hl7": HL7, "xsi": XSI})
    node.set(f"{{{XSI}}}type", "CE")
    node.set("code", code)
    node.set("codeSystem", system)
    if display:
        node.set("displayName", display)
    return node


def roles(professional: Professional) -> list[etree._Element]:
    """The subject:role values: the G15 profession, then the R01 specialty when the profile gives one."""
    data = dmp_data()["vihf"]
    profession, _, specialty = professional.profession_code.partition("/")
    profession = profession.removeprefix("G15_")
    values = [_coded("Role", profession, data["profession_system"], data["professions"].get(profession))]
    if specialty:
        values.append(_coded("Role", specialty, data["specialty_system"], None))
    return values


def build_assertion(ctx: VihfContext, issuer: str, *, now: dt.datetime | None = None,
                    purpose_mode: str | None = None, validity_shift: dt.timedelta = dt.timedelta(0)) -> etree._Element:
    """The unsigned assertion; `purpose_mode` overrides the purposeofuse sent, `validity_shift` moves the window."""
    data = dmp_data()["vihf"]
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    start = now + validity_shift
    assertion = etree.Element(f"{{{SAML}}}Assertion", nsmap={"saml": SAML},
                              ID=f"_{uuid.uuid4()}", IssueInstant=_time(now), Version="2.0")
    _sub(assertion, SAML, "Issuer", issuer, Format=X509_SUBJECT_NAME)
    subject = _sub(assertion, SAML, "Subject")
    _sub(subject, SAML, "NameID", ctx.professional.national_id)
    _sub(assertion, SAML, "Conditions", NotBefore=_time(start),
         NotOnOrAfter=_time(start + dt.timedelta(seconds=int(data["validity_seconds"]))))
    authn = _sub(assertion, SAML, "AuthnStatement", AuthnInstant=_time(now))
    _sub(_sub(authn, SAML, "AuthnContext"), SAML, "AuthnContextClassRef",
         "urn:oasis:names:tc:SAML:2.0:ac:classes:X509")
    statement = _sub(assertion, SAML, "AttributeStatement")
    pro = ctx.professional
    mode = purpose_mode or ctx.mode
    _attribute(statement, "VIHF_Version", str(data["version"]))
    _attribute(statement, "Identifiant_Structure", ctx.structure_id)
    _attribute(statement, "Secteur_Activite", f"{ctx.secteur}^{data['secteur_system']}")
    _attribute(statement, ATTR["subject_id"], f"{pro.family} {pro.given}")
    _attribute(statement, ATTR["role"], *roles(pro))
    _attribute(statement, "Authentification_Mode", str(data["authentication_mode"]))
    _attribute(statement, ATTR["resource_id"], ctx.patient_id)
    _attribute(statement, "Ressource_URN", str(data["ressource_urn"]))
    _attribute(statement, ATTR["purpose"], _coded("PurposeOfUse", mode, data["purpose_system"],
                                                   data["purposes"].get(mode)))
    _attribute(statement, "LPS_Nom", ctx.lps_name)
    _attribute(statement, "LPS_Version", ctx.lps_version)
    _attribute(statement, "LPS_ID_HOMOLOGATION_DMP", ctx.homologation)
    return assertion


def sign(assertion: etree._Element, signer: Signer) -> etree._Element:
    """Enveloped XML-DSig of `assertion`, placed right after saml:Issuer as SAML 2.0 requires."""
    placeholder = etree.Element(f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    assertion.find(f"{{{SAML}}}Issuer").addnext(placeholder)
    key = load_pem_private_key(signer.key_pem, password=None)
    method = SignatureMethod.ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey) else SignatureMethod.RSA_SHA256
    xml_signer = XMLSigner(signature_algorithm=method, digest_algorithm=DigestAlgorithm.SHA256,
                           c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    return xml_signer.sign(assertion, key=key, cert=signer.cert_pem.decode("ascii"),
                           reference_uri="#" + assertion.get("ID"), id_attribute="ID")
