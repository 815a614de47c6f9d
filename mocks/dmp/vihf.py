"""The VIHF (SAML 2.0 assertion in wsse:Security): signature, validity window and attributes.

The signature is verified with signxml against the harness test PKI CA, and
every attribute is then read from what signxml says was signed (never from
the unsigned tree), so a value added or changed after signing cannot count.
Attribute rules follow docs/dmp.md; value sets come from the CI-SIS pack
(JDV_J01, JDV_J02) through the CDA engine's SVS loader, and the lists ANS may
change are configuration ([mocks.dmp.vihf]).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidCertificate, SignXMLException

from segur_harness.config import cisis_pack_dir
from segur_harness.mocks.framework.checks import Checks
from segur_harness.mocks.framework.soap import SoapRequest

from .context import Vihf
from .data import MATRICULE, Structures
from .protocol import INS_OIDS, NS_DS, NS_HL7, NS_SAML, NS_WSSE

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
X509_SUBJECT_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
RESOURCE_ID = re.compile(r"(?P<ins>[^^&]+)\^\^\^&(?P<oid>[0-9]+(?:\.[0-9]+)*)&ISO\^NH")
SUBJECT_ID = "urn:oasis:names:tc:xspa:1.0:subject:subject-id"
ROLE = "urn:oasis:names:tc:xacml:2.0:subject:role"
RESOURCE = "urn:oasis:names:tc:xacml:2.0:resource:resource-id"
PURPOSE = "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"
SAML = f"{{{NS_SAML}}}"
DS = f"{{{NS_DS}}}"
_VERIFY_CONFIG = SignatureConfiguration(
    location="./",
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.ECDSA_SHA256, SignatureMethod.RSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)
DEFAULT_RULES: dict[str, Any] = {
    "authentication_modes": ["DIRECTE", "INDIRECTE", "INDIRECTE_RENFORCEE"],
    "purposes": ["normal", "bris_de_glace", "centre_15"],
    "purpose_system": "1.2.250.1.213.1.1.4.248",
    "ressource_urn": "urn:dmp",
    "secteur_system": "1.2.250.1.71.4.2.4",
    "secteur_value_set": "JDV_J02_XdsHealthcareFacilityTypeCode_CISIS.xml",
    "role_value_set": "JDV_J01_XdsAuthorSpecialty_CISIS.xml",
    "profession_system": "1.2.250.1.71.1.2.7",
    "specialty_system": "1.2.250.1.71.4.2.5",
    "role_value_set_system": "1.2.250.1.213.1.1.4.5",
    "profession_code_in_value_set": "G15_{profession}",
    "specialty_code_in_value_set": "G15_{profession}/{specialty}",
    "professions_needing_specialty": ["10"],
}


class VihfRefused(Exception):
    """The VIHF cannot be used at all (absent, unsigned, bad signature): the fault is already in `checks`."""


VERIFIED_CACHE_SIZE = 256
"""Distinct VIHF assertions whose verified signature a worker remembers."""
JUDGED_MAX_CALLS = 50
"""An assertion whose envelope and attribute checks made more findings than this is judged anew each time."""


class _Recorder(Checks):
    """Checks that also keeps each add() call, to replay them for the identical assertion."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[Any, ...]] = []

    def add(self, severity: str, rule: str, message: str, location: str = "", fault: str | None = None) -> None:
        self.calls.append((severity, rule, message, location, fault))
        super().add(severity, rule, message, location, fault)


def _replay(calls: list[tuple[Any, ...]], checks: Checks) -> None:
    for call in calls:
        checks.add(*call)


@cache
def _value_set(path: str) -> frozenset[tuple[str, str]] | None:
    """Concepts (code, codeSystem) of one pack value set file, loaded once per process; None when unreadable."""
    from segur_harness.validation.terminology import load_value_set

    try:
        return load_value_set(Path(path)).concepts
    except (OSError, etree.XMLSyntaxError):
        return None


def _when(text: str | None) -> datetime | None:
    """An xsd:dateTime as an aware UTC datetime (no zone = UTC), or None when absent or malformed."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _dn_parts(dn: str) -> list[tuple[str, str]]:
    """An RFC 4514-like DN as sorted (TYPE, value) pairs, so order and spacing do not matter."""
    pieces = re.split(r"(?<!\\)[,;]", dn)
    out = []
    for piece in pieces:
        key, _, value = piece.partition("=")
        out.append((key.strip().upper().replace("EMAILADDRESS", "E"), value.strip()))
    return sorted(out)


@dataclass
class _Read:
    """Attribute values as signed: Name -> list of AttributeValue elements."""

    values: dict[str, list[etree._Element]]

    def texts(self, name: str) -> list[str]:
        return [("".join(v.itertext())).strip() for v in self.values.get(name, [])]

    def one(self, name: str) -> str | None:
        texts = self.texts(name)
        return texts[0] if len(texts) == 1 else None

    def coded(self, name: str, local: str) -> list[tuple[str, str] | None]:
        """(code, codeSystem) of the hl7:<local> child of each value (None for a value without one)."""
        out: list[tuple[str, str] | None] = []
        for value in self.values.get(name, []):
            el = value.find(f"{{{NS_HL7}}}{local}")
            out.append((el.get("code") or "", el.get("codeSystem") or "") if el is not None else None)
        return out


class VihfVerifier:
    """Checks the VIHF of one request; built once per mock process."""

    def __init__(self, section: dict[str, Any], structures: Structures, ca_pem: Path) -> None:
        self.rules = {**DEFAULT_RULES, **section.get("vihf", {})}
        self.versions = [str(v) for v in section.get("vihf_versions", ["3.0"])]
        self.homologations = [str(v) for v in section.get("accepted_homologations", [])]
        self.skew = timedelta(seconds=int(section.get("clock_skew_seconds", 60)))
        self.structures = structures
        self.ca_pem = ca_pem
        self._verified: dict[bytes, tuple[etree._Element, x509.Certificate]] = {}
        self._judged: dict[bytes, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], Vihf]] = {}
        self._pack = cisis_pack_dir()

    # -- entry point -------------------------------------------------------------
    def verify(self, soap: SoapRequest, checks: Checks, now: datetime) -> Vihf:
        """The verified VIHF; raises VihfRefused when unusable (the blocking fault is recorded in `checks`)."""
        assertion = self._assertion(soap, checks)
        signed, signer, key = self._verify_signature(assertion, checks, now)
        judged = self._judged.get(key) if key else None
        if judged is None:
            envelope, attributes = _Recorder(), _Recorder()
            self._check_envelope(signed, signer, envelope)
            vihf = self._attributes(signed, signer, attributes)
            judged = (envelope.calls, attributes.calls, vihf)
            if key and len(envelope.calls) + len(attributes.calls) <= JUDGED_MAX_CALLS:
                if len(self._judged) >= VERIFIED_CACHE_SIZE:
                    self._judged.pop(next(iter(self._judged), b""), None)
                self._judged[key] = judged
        _replay(judged[0], checks)
        self._check_conditions(signed, now, checks)
        _replay(judged[1], checks)
        return replace(judged[2], roles=list(judged[2].roles))

    # -- steps ---------------------------------------------------------------------
    def _assertion(self, soap: SoapRequest, checks: Checks) -> etree._Element:
        security = [h for h in soap.headers if h.tag == f"{{{NS_WSSE}}}Security"]
        if not security:
            checks.error("DMP-VIHF-ABSENT", "En-tête wsse:Security absent : le VIHF (assertion SAML 2.0) est "
                         "obligatoire sur chaque requête DMP.", "Header", fault="jeton_absent")
            raise VihfRefused
        if len(security) > 1:
            checks.error("DMP-VIHF-ABSENT", f"{len(security)} en-têtes wsse:Security : un seul est attendu.",
                         "Header", fault="vihf_invalide")
            raise VihfRefused
        assertions = security[0].findall(f"{SAML}Assertion")
        if len(assertions) != 1:
            checks.error("DMP-VIHF-ABSENT", "wsse:Security doit contenir exactement une saml:Assertion "
                         f"({len(assertions)} reçue(s)).", "Header/wsse:Security",
                         fault="jeton_absent" if not assertions else "vihf_invalide")
            raise VihfRefused
        return assertions[0]

    def _verify_signature(self, assertion: etree._Element, checks: Checks, now: datetime
                          ) -> tuple[etree._Element, x509.Certificate, bytes]:
        """The signed assertion, its signer and its cache key (b"" when not cacheable); the certificate's validity
        is judged at `now` (the request's time)."""
        where = "Header/wsse:Security/saml:Assertion/ds:Signature"
        signature = assertion.find(f"{DS}Signature")
        if signature is None:
            checks.error("DMP-VIHF-SIGNATURE", "Assertion VIHF non signée : ds:Signature enveloppée attendue.",
                         where, fault="signature_invalide")
            raise VihfRefused
        if not self.ca_pem.is_file():
            checks.error("DMP-VIHF-PKI", f"Autorité de certification de test {self.ca_pem} introuvable : la "
                         "signature ne peut être vérifiée.", where, fault="technique")
            raise VihfRefused
        if assertion.index(signature) != 1:
            checks.warning("DMP-VIHF-SIGNATURE-POSITION", "ds:Signature devrait suivre immédiatement saml:Issuer "
                           "(schéma SAML 2.0).", where)
        announced = signature.find(f"{DS}SignedInfo/{DS}CanonicalizationMethod")
        if announced is None or announced.get("Algorithm") != EXC_C14N:  # refusing on unsigned data is safe
            checks.error("DMP-VIHF-C14N", f"Canonicalisation exclusive ({EXC_C14N}) attendue dans la signature du "
                         f"VIHF, « {announced.get('Algorithm') if announced is not None else 'absente'} » reçue.",
                         where, fault="signature_invalide")
            raise VihfRefused
        assertion_id = assertion.get("ID") or ""
        key = self._cache_key(assertion)
        known = self._verified.get(key) if key else None
        if known is not None and known[1].not_valid_after_utc > now:
            checks.info("DMP-VIHF-SIGNATURE", f"Signature du VIHF vérifiée (signataire "
                        f"{known[1].subject.rfc4514_string()} ; assertion déjà vérifiée à l'identique).", where)
            return known[0], known[1], key
        try:
            result = XMLVerifier().verify(assertion, ca_pem_file=str(self.ca_pem), id_attribute="ID",
                                          expect_config=replace(_VERIFY_CONFIG, verification_time=now),
                                          parser=_parser())
        except InvalidCertificate as exc:
            checks.error("DMP-VIHF-CERTIFICAT", "Certificat du signataire du VIHF non émis par l'autorité de test "
                         f"du harness (ou hors validité) : {exc}", where, fault="signature_invalide")
            raise VihfRefused from None
        except (SignXMLException, ValueError, etree.LxmlError) as exc:
            checks.error("DMP-VIHF-SIGNATURE", f"La signature du VIHF ne se vérifie pas : {exc}", where,
                         fault="signature_invalide")
            raise VihfRefused from None
        signed = result.signed_xml
        if signed is None or signed.tag != f"{SAML}Assertion" or (signed.get("ID") or "") != assertion_id \
                or not assertion_id:
            checks.error("DMP-VIHF-SIGNATURE", "La signature ne porte pas sur l'assertion elle-même "
                         f"(Reference URI=\"#{assertion_id}\" attendue).", where, fault="signature_invalide")
            raise VihfRefused
        info = result.signature_xml.find(f"{DS}SignedInfo")
        reference = info.find(f"{DS}Reference") if info is not None else None
        if reference is None or reference.get("URI") != f"#{assertion_id}":
            checks.error("DMP-VIHF-SIGNATURE", f"ds:Reference URI=\"#{assertion_id}\" attendue (l'ID de l'assertion), "
                         f"« {reference.get('URI') if reference is not None else ''} » reçue.", where,
                         fault="signature_invalide")
            raise VihfRefused
        c14n = info.find(f"{DS}CanonicalizationMethod").get("Algorithm") if info is not None else None
        transforms = [t.get("Algorithm") for t in result.signature_xml.iter(f"{DS}Transform")]
        if c14n != EXC_C14N or ENVELOPED not in transforms or EXC_C14N not in transforms:
            checks.error("DMP-VIHF-C14N", f"Canonicalisation exclusive ({EXC_C14N}) et transformation "
                         "enveloped-signature attendues dans la signature du VIHF.", where,
                         fault="signature_invalide")
            raise VihfRefused
        signer = _signing_cert(result.signature_xml, result.signature_key)
        if signer is None:
            checks.error("DMP-VIHF-CERTIFICAT", "ds:KeyInfo/ds:X509Data/ds:X509Certificate du signataire absent.",
                         where, fault="signature_invalide")
            raise VihfRefused
        checks.info("DMP-VIHF-SIGNATURE", f"Signature du VIHF vérifiée (signataire {signer.subject.rfc4514_string()}).",
                    where)
        if key:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.pop(next(iter(self._verified), b""), None)
            self._verified[key] = (signed, signer)
        return signed, signer, key

    def _cache_key(self, assertion: etree._Element) -> bytes:
        """Same canonical assertion bytes under the same CA file: the same verification outcome.

        An LPS reuses its VIHF while it is valid; verifying the identical bytes
        again would only repeat the same computation. The same holds for the
        envelope and attribute checks (their findings are replayed, in order);
        the time conditions and the signer's validity are judged on every request.
        """
        try:
            stamp = str(self.ca_pem.stat().st_mtime_ns).encode()
        except OSError:
            stamp = b""
        try:
            canonical = etree.tostring(assertion, method="c14n", exclusive=True)
        except (etree.C14NError, ValueError):
            return b""  # not canonicalisable: no cache, signxml says why it does not verify
        return hashlib.sha256(stamp + b"\0" + canonical).digest()

    def _check_envelope(self, signed: etree._Element, signer: x509.Certificate, checks: Checks) -> None:
        where = "saml:Assertion"
        if signed.get("Version") != "2.0":
            checks.error("DMP-VIHF-ASSERTION", "saml:Assertion/@Version doit valoir 2.0.", where,
                         fault="vihf_invalide")
        if _when(signed.get("IssueInstant")) is None:
            checks.error("DMP-VIHF-ASSERTION", "saml:Assertion/@IssueInstant absent ou n'est pas un xsd:dateTime.",
                         where, fault="vihf_invalide")
        issuer = signed.find(f"{SAML}Issuer")
        subject = signer.subject.rfc4514_string()
        if issuer is None or not (issuer.text or "").strip():
            checks.error("DMP-VIHF-ISSUER", "saml:Issuer absent : le DN du certificat signataire est attendu.",
                         where + "/saml:Issuer", fault="vihf_invalide")
        else:
            if issuer.get("Format") != X509_SUBJECT_FORMAT:
                checks.error("DMP-VIHF-ISSUER", f"saml:Issuer/@Format doit valoir {X509_SUBJECT_FORMAT}.",
                             where + "/saml:Issuer", fault="vihf_invalide")
            if _dn_parts(issuer.text or "") != _dn_parts(subject):
                checks.error("DMP-VIHF-ISSUER", f"saml:Issuer « {issuer.text.strip()} » différent du DN du certificat "
                             f"signataire « {subject} ».", where + "/saml:Issuer", fault="vihf_invalide")
        name_id = signed.find(f"{SAML}Subject/{SAML}NameID")
        if name_id is None or not (name_id.text or "").strip():
            checks.error("DMP-VIHF-SUBJECT", "saml:Subject/saml:NameID (identifiant national du professionnel) "
                         "absent ou vide.", where + "/saml:Subject", fault="vihf_invalide")
        authn = signed.find(f"{SAML}AuthnStatement")
        if authn is None or _when(authn.get("AuthnInstant")) is None or \
                not (authn.findtext(f"{SAML}AuthnContext/{SAML}AuthnContextClassRef") or "").strip():
            checks.error("DMP-VIHF-AUTHN", "saml:AuthnStatement avec @AuthnInstant et "
                         "AuthnContext/AuthnContextClassRef attendu.", where + "/saml:AuthnStatement",
                         fault="vihf_invalide")

    def _check_conditions(self, signed: etree._Element, now: datetime, checks: Checks) -> None:
        where = "saml:Assertion/saml:Conditions"
        conditions = signed.find(f"{SAML}Conditions")
        before = _when(conditions.get("NotBefore")) if conditions is not None else None
        after = _when(conditions.get("NotOnOrAfter")) if conditions is not None else None
        if before is None or after is None:
            checks.error("DMP-VIHF-CONDITIONS", "saml:Conditions avec NotBefore et NotOnOrAfter (xsd:dateTime) "
                         "attendu.", where, fault="vihf_invalide")
            return
        if now + self.skew < before:
            checks.error("DMP-VIHF-VALIDITE", f"Assertion pas encore valide : NotBefore {before.isoformat()} "
                         f"postérieur à l'heure du DMP {now.isoformat()} (tolérance {self.skew.seconds} s).", where,
                         fault="jeton_expire")
        elif now - self.skew >= after:
            checks.error("DMP-VIHF-VALIDITE", f"Assertion expirée : NotOnOrAfter {after.isoformat()} dépassé "
                         f"(heure du DMP {now.isoformat()}, tolérance {self.skew.seconds} s).", where,
                         fault="jeton_expire")

    def _attributes(self, signed: etree._Element, signer: x509.Certificate, checks: Checks) -> Vihf:
        values: dict[str, list[etree._Element]] = {}
        for statement in signed.findall(f"{SAML}AttributeStatement"):
            for attribute in statement.findall(f"{SAML}Attribute"):
                name = attribute.get("Name") or ""
                if name in values:
                    self._bad(checks, name, "attribut présent plusieurs fois (un seul saml:Attribute attendu)")
                values.setdefault(name, []).extend(attribute.findall(f"{SAML}AttributeValue"))
        read = _Read(values)
        version = self._single(read, "VIHF_Version", checks)
        if version is not None and version not in self.versions:
            self._bad(checks, "VIHF_Version", f"« {version} » reçu, {' ou '.join(self.versions)} attendu")
        structure_id = self._single(read, "Identifiant_Structure", checks) or ""
        secteur = self._secteur(read, checks)
        subject_name = self._single(read, SUBJECT_ID, checks) or ""
        roles = self._roles(read, checks)
        mode = self._single(read, "Authentification_Mode", checks) or ""
        if mode and mode not in self.rules["authentication_modes"]:
            self._bad(checks, "Authentification_Mode", f"« {mode} » reçu, "
                      f"{', '.join(self.rules['authentication_modes'])} attendu")
        resource_id, ins, oid = self._resource(read, checks)
        urn = self._single(read, "Ressource_URN", checks)
        if urn is not None and urn != self.rules["ressource_urn"]:
            self._bad(checks, "Ressource_URN", f"« {urn} » reçu, {self.rules['ressource_urn']} attendu")
        purpose = self._purpose(read, checks)
        lps_name = self._single(read, "LPS_Nom", checks) or ""
        lps_version = self._single(read, "LPS_Version", checks) or ""
        homologation = self._single(read, "LPS_ID_HOMOLOGATION_DMP", checks) or ""
        if homologation and homologation not in self.homologations:
            self._bad(checks, "LPS_ID_HOMOLOGATION_DMP", f"numéro d'homologation DMPi « {homologation} » inconnu "
                      f"({', '.join(self.homologations) or 'aucun accepté'})")
        return Vihf(
            assertion_id=signed.get("ID") or "",
            subject_id=(signed.findtext(f"{SAML}Subject/{SAML}NameID") or "").strip(),
            subject_name=subject_name, structure_id=structure_id, secteur=secteur, roles=roles,
            authentication_mode=mode, purpose=purpose, resource_id=resource_id, ins=ins, ins_oid=oid,
            lps_name=lps_name, lps_version=lps_version, homologation=homologation,
            signer_subject=signer.subject.rfc4514_string(),
        )

    # -- attribute helpers -----------------------------------------------------------
    @staticmethod
    def _bad(checks: Checks, name: str, what: str) -> None:
        checks.error("DMP-VIHF-ATTRIBUT", f"Attribut VIHF {name} : {what}.", f"saml:Attribute[@Name='{name}']",
                     fault="vihf_invalide")

    def _single(self, read: _Read, name: str, checks: Checks) -> str | None:
        texts = read.texts(name)
        if not texts:
            self._bad(checks, name, "absent (obligatoire)")
            return None
        if len(texts) > 1:
            self._bad(checks, name, f"{len(texts)} valeurs, une seule attendue")
            return None
        if not texts[0]:
            self._bad(checks, name, "vide")
            return None
        return texts[0]

    def _value_set(self, key: str, checks: Checks, attribute: str) -> frozenset[tuple[str, str]] | None:
        pack = self._pack
        name = self.rules[key]
        concepts = _value_set(str(pack / "jeuxDeValeurs" / name)) if pack else None
        if concepts is None:
            checks.info("DMP-VIHF-JDV-INDISPONIBLE", f"Jeu de valeurs {name} indisponible (pack CI-SIS absent ou "
                        f"illisible) : le contrôle des codes de {attribute} n'a PAS été fait.",
                        f"saml:Attribute[@Name='{attribute}']")
        return concepts

    def _secteur(self, read: _Read, checks: Checks) -> tuple[str, str]:
        raw = self._single(read, "Secteur_Activite", checks)
        if raw is None:
            return ("", "")
        code, sep, system = raw.partition("^")
        if not sep or not code or system != self.rules["secteur_system"]:
            self._bad(checks, "Secteur_Activite", f"« {raw} » reçu, code^{self.rules['secteur_system']} attendu "
                      "(ex. SA01^1.2.250.1.71.4.2.4)")
            return (code, system)
        concepts = self._value_set("secteur_value_set", checks, "Secteur_Activite")
        if concepts is not None and (code, system) not in concepts:
            self._bad(checks, "Secteur_Activite", f"code {code} absent du jeu de valeurs "
                      f"{self.rules['secteur_value_set']}")
        return (code, system)

    def _roles(self, read: _Read, checks: Checks) -> list[tuple[str, str]]:
        coded = read.coded(ROLE, "Role")
        if not coded:
            self._bad(checks, ROLE, "absent (profession G15, puis spécialité R01 pour un médecin)")
            return []
        if len(coded) > 2 or any(c is None or not c[0] for c in coded):
            self._bad(checks, ROLE, "1 ou 2 valeurs hl7:Role (code, codeSystem) attendues")
            return [c for c in coded if c]
        roles = [c for c in coded if c is not None]
        r = self.rules
        profession, system = roles[0]
        if system != r["profession_system"]:
            self._bad(checks, ROLE, f"la première valeur doit être une profession G15 (codeSystem "
                      f"{r['profession_system']}), {system or 'aucun'} reçu")
            return roles
        specialty = roles[1] if len(roles) == 2 else None
        if specialty is not None and specialty[1] != r["specialty_system"]:
            self._bad(checks, ROLE, f"la seconde valeur doit être une spécialité R01 (codeSystem "
                      f"{r['specialty_system']}), {specialty[1] or 'aucun'} reçu")
            return roles
        if specialty is None and profession in r["professions_needing_specialty"]:
            self._bad(checks, ROLE, f"profession {profession} : la spécialité R01 (seconde valeur) est obligatoire")
        concepts = self._value_set("role_value_set", checks, ROLE)
        if concepts is None:
            return roles
        wanted = [(r["profession_code_in_value_set"].format(profession=profession), "profession")]
        if specialty is not None:
            wanted.append((r["specialty_code_in_value_set"].format(profession=profession, specialty=specialty[0]),
                           "spécialité"))
        for code, what in wanted:
            if (code, r["role_value_set_system"]) not in concepts:
                self._bad(checks, ROLE, f"{what} {code} absente du jeu de valeurs {r['role_value_set']}")
        return roles

    def _resource(self, read: _Read, checks: Checks) -> tuple[str, str | None, str | None]:
        raw = self._single(read, RESOURCE, checks)
        if raw is None:
            return ("", None, None)
        match = RESOURCE_ID.fullmatch(raw)
        if match is None:
            self._bad(checks, RESOURCE, f"« {raw} » reçu, INS^^^&OID&ISO^NH attendu")
            return (raw, None, None)
        ins, oid = match.group("ins"), match.group("oid")
        if not MATRICULE.fullmatch(ins):
            self._bad(checks, RESOURCE, f"matricule INS « {ins} » invalide (15 caractères : NIR/NIA et clé)")
        if oid not in INS_OIDS:
            self._bad(checks, RESOURCE, f"OID {oid} n'est pas une autorité d'affectation INS ({', '.join(INS_OIDS)})")
        return (raw, ins, oid)

    def _purpose(self, read: _Read, checks: Checks) -> str:
        coded = read.coded(PURPOSE, "PurposeOfUse")
        if len(coded) != 1 or coded[0] is None:
            self._bad(checks, PURPOSE, "une valeur hl7:PurposeOfUse (code, codeSystem) attendue")
            return "normal"
        code, system = coded[0]
        if code not in self.rules["purposes"] or system != self.rules["purpose_system"]:
            self._bad(checks, PURPOSE, f"« {code} » ({system}) reçu, {', '.join(self.rules['purposes'])} "
                      f"({self.rules['purpose_system']}) attendu")
        return code


def check_purpose(vihf: Vihf, opposed: bool, structures: Structures, checks: Checks) -> None:
    """bris_de_glace refused when the patient opposed it; centre_15 only from a SAMU with a SAMU secteur."""
    where = f"saml:Attribute[@Name='{PURPOSE}']"
    if vihf.purpose == "bris_de_glace" and opposed:
        checks.error("DMP-VIHF-BDG", "Accès en mode bris de glace refusé : le patient s'y est opposé.", where,
                     fault="vihf_invalide")
    if vihf.purpose == "centre_15":
        structure = structures.get(vihf.structure_id)
        if vihf.secteur[0] not in structures.samu_secteurs or structure is None or not structure.samu:
            checks.error("DMP-VIHF-CENTRE15", f"Mode centre_15 réservé à un SAMU (centre 15) : structure "
                         f"{vihf.structure_id or '?'} de secteur {vihf.secteur[0] or '?'} non habilitée.", where,
                         fault="vihf_invalide")


def check_resource(vihf: Vihf, patient_ids: set[str], checks: Checks) -> None:
    """The VIHF resource-id must be the patient the request is about."""
    where = f"saml:Attribute[@Name='{RESOURCE}']"
    if not vihf.resource_id:
        return  # already refused as missing
    if not patient_ids:
        checks.info("DMP-VIHF-RESOURCE", "La requête ne désigne aucun patient : resource-id non comparé.", where)
        return
    others = sorted(p for p in patient_ids if p != vihf.resource_id)
    if others:
        checks.error("DMP-VIHF-RESOURCE", f"Attribut VIHF resource-id « {vihf.resource_id} » différent du patient "
                     f"de la requête « {', '.join(others)} ».", where, fault="vihf_invalide")


def _parser() -> etree.XMLParser:
    """signxml re-parses what it verifies: with the same hardening as segur_harness.xmlsafe."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _signing_cert(signature: etree._Element, key_pem: bytes) -> x509.Certificate | None:
    """The certificate of ds:KeyInfo whose public key verified the signature."""
    for element in signature.iter(f"{DS}X509Certificate"):
        text = "".join((element.text or "").split())
        try:
            cert = x509.load_pem_x509_certificate(
                f"-----BEGIN CERTIFICATE-----\n{text}\n-----END CERTIFICATE-----\n".encode())
        except ValueError:
            continue
        pem = cert.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
        if pem == key_pem:
            return cert
    return None


def utc_now() -> datetime:
    return datetime.now(UTC)
