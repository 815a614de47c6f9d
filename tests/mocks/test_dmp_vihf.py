"""VIHF verification: signature against the test PKI, validity window, attributes, purposeofuse, resource-id."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dmp_support import (
    DOMINIQUE,
    PAT_TROIS,
    TD02_ACTION,
    TOUSSAINT,
    WSSE,
    assertion_xml,
    make_dmp,
    pid,
    post,
    purpose,
    role,
    sign,
    signed_vihf,
    signer_dn,
    soap,
    td02,
)

from segur_harness.config import cisis_pack_dir
from segur_harness.pki import generate_pki

ROLE = "urn:oasis:names:tc:xacml:2.0:subject:role"
PURPOSE = "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"
RESOURCE = "urn:oasis:names:tc:xacml:2.0:resource:resource-id"


def needs_pack() -> None:
    if cisis_pack_dir() is None:
        message = "CI-SIS pack absent: set SEGUR_CISIS_PACK or run `segur-harness pack install`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (required when CI=true)")
        pytest.skip(message)


@pytest.fixture
def dmp(tmp_path: Path, pki_dir: Path):
    app, store, service = make_dmp(tmp_path, pki_dir)
    return app.test_client(), store, service


def call(dmp, assertion, patient=DOMINIQUE):
    client, store, _ = dmp
    answer = post(client, "/patients", soap(td02(patient), TD02_ACTION, assertion))
    return answer, store.exchanges()[-1]


def assert_fault(answer, subcode: str, *words: str) -> None:
    assert answer.status == 400, answer.reason
    assert answer.fault_code == "soap:Sender"
    assert answer.subcode == (WSSE, subcode), answer.reason
    for word in words:
        assert word in answer.reason


def test_valid_vihf_is_accepted(dmp, pki_dir: Path) -> None:
    answer, exchange = call(dmp, signed_vihf(pki_dir))
    assert answer.ack == "AA"
    assert any(f.rule == "DMP-VIHF-SIGNATURE" and f.severity == "info" for f in exchange.findings)
    assert not exchange.errors


def test_missing_security_header(dmp) -> None:
    answer, exchange = call(dmp, None)
    assert_fault(answer, "SecurityTokenUnavailable", "wsse:Security")
    assert exchange.errors[0].rule == "DMP-VIHF-ABSENT"


def test_security_without_assertion(dmp) -> None:
    client, _, _ = dmp
    body = soap(td02(), TD02_ACTION, None).replace(
        b"</soap:Header>", f'<wsse:Security xmlns:wsse="{WSSE}"/></soap:Header>'.encode())
    assert_fault(post(client, "/patients", body), "SecurityTokenUnavailable")


def test_unsigned_assertion(dmp, pki_dir: Path) -> None:
    dn = signer_dn((pki_dir / "client-DMP-CACHET.pem").read_bytes())
    unsigned = assertion_xml(dn).replace('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
                                         'Id="placeholder"/>', "")
    answer, _ = call(dmp, unsigned)
    assert_fault(answer, "FailedCheck", "non signée")


def test_signed_by_a_key_from_another_pki(dmp, tmp_path: Path) -> None:
    other = generate_pki(tmp_path / "autre-pki")
    answer, exchange = call(dmp, signed_vihf(other.directory))
    assert_fault(answer, "FailedCheck")
    assert exchange.errors[0].rule == "DMP-VIHF-CERTIFICAT"


def test_signed_with_another_pki_certificate_cn(dmp, pki_dir: Path) -> None:
    """A certificate of the PKI without KeyUsage digitalSignature (a TLS client one) cannot sign a VIHF."""
    answer, _ = call(dmp, signed_vihf(pki_dir, cn="INSI-AUTO"))
    assert_fault(answer, "FailedCheck")


def test_tampered_after_signing(dmp, pki_dir: Path) -> None:
    signed = signed_vihf(pki_dir)
    tampered = signed.replace(b"TESTEUR Camille", b"AUTRE Personne")
    assert tampered != signed
    answer, exchange = call(dmp, tampered)
    assert_fault(answer, "FailedCheck", "ne se vérifie pas")
    assert exchange.errors[0].rule == "DMP-VIHF-SIGNATURE"


def test_attribute_added_after_signing_is_refused(dmp, pki_dir: Path) -> None:
    """An unsigned resource-id slipped in after signing breaks the digest (never read as if signed)."""
    signed = signed_vihf(pki_dir, patient=PAT_TROIS)
    extra = (f'<saml:Attribute Name="{RESOURCE}"><saml:AttributeValue>'
             f"{pid(DOMINIQUE).replace('&', '&amp;')}</saml:AttributeValue></saml:Attribute>").encode()
    answer, _ = call(dmp, signed.replace(b"</saml:AttributeStatement>", extra + b"</saml:AttributeStatement>"))
    assert_fault(answer, "FailedCheck")


def test_broken_signature_value(dmp, pki_dir: Path) -> None:
    signed = signed_vihf(pki_dir).decode()
    broken = re.sub(r"<ds:SignatureValue>([^<]{8})", r"<ds:SignatureValue>AAAAAAAA", signed)
    assert broken != signed
    answer, _ = call(dmp, broken)
    assert_fault(answer, "FailedCheck")


def test_inclusive_c14n_is_refused(dmp, pki_dir: Path) -> None:
    from lxml import etree
    from signxml import XMLSigner, methods

    cert = (pki_dir / "client-DMP-CACHET.pem").read_bytes()
    root = etree.fromstring(assertion_xml(signer_dn(cert)).encode())
    signed = XMLSigner(method=methods.enveloped, signature_algorithm="ecdsa-sha256", digest_algorithm="sha256",
                       c14n_algorithm="http://www.w3.org/2006/12/xml-c14n11").sign(
        root, key=(pki_dir / "client-DMP-CACHET.key").read_bytes(), cert=cert.decode(),
        reference_uri="#" + root.get("ID"), id_attribute="ID")
    answer, _ = call(dmp, etree.tostring(signed))
    assert_fault(answer, "FailedCheck", "exclusive")


def test_expired_assertion(dmp, pki_dir: Path) -> None:
    now = datetime.now(UTC)
    answer, exchange = call(dmp, signed_vihf(pki_dir, not_before=now - timedelta(hours=2),
                                             not_after=now - timedelta(hours=1)))
    assert_fault(answer, "InvalidSecurityToken", "expirée")
    assert exchange.errors[0].rule == "DMP-VIHF-VALIDITE"


def test_not_yet_valid_assertion(dmp, pki_dir: Path) -> None:
    now = datetime.now(UTC)
    answer, _ = call(dmp, signed_vihf(pki_dir, not_before=now + timedelta(minutes=10),
                                      not_after=now + timedelta(hours=1)))
    assert_fault(answer, "InvalidSecurityToken", "pas encore valide")


def test_clock_skew_of_60_seconds_is_tolerated(dmp, pki_dir: Path) -> None:
    now = datetime.now(UTC)
    answer, _ = call(dmp, signed_vihf(pki_dir, not_before=now + timedelta(seconds=30),
                                      not_after=now + timedelta(minutes=5)))
    assert answer.ack == "AA"
    answer, _ = call(dmp, signed_vihf(pki_dir, not_before=now - timedelta(minutes=5),
                                      not_after=now - timedelta(seconds=30)))
    assert answer.ack == "AA"


def test_resource_id_of_another_patient(dmp, pki_dir: Path) -> None:
    answer, exchange = call(dmp, signed_vihf(pki_dir, patient=PAT_TROIS), patient=DOMINIQUE)
    assert_fault(answer, "InvalidSecurity", "resource-id")
    assert exchange.errors[0].rule == "DMP-VIHF-RESOURCE"


def test_resource_id_malformed(dmp, pki_dir: Path) -> None:
    answer, _ = call(dmp, signed_vihf(pki_dir, changes={RESOURCE: ["297022A02077878"]}))
    assert_fault(answer, "InvalidSecurity", RESOURCE, "INS^^^&OID&ISO^NH")


def test_first_role_must_be_a_g15_profession(dmp, pki_dir: Path) -> None:
    answer, _ = call(dmp, signed_vihf(pki_dir, changes={ROLE: [role("SM54", "1.2.250.1.71.4.2.5")]}))
    assert_fault(answer, "InvalidSecurity", ROLE, "G15")


def test_medecin_needs_a_specialty(dmp, pki_dir: Path) -> None:
    answer, _ = call(dmp, signed_vihf(pki_dir, changes={ROLE: [role("10", "1.2.250.1.71.1.2.7")]}))
    assert_fault(answer, "InvalidSecurity", "R01")


def test_pharmacist_without_specialty_is_fine(dmp, pki_dir: Path) -> None:
    needs_pack()
    answer, _ = call(dmp, signed_vihf(pki_dir, changes={ROLE: [role("21", "1.2.250.1.71.1.2.7", "Pharmacien")]}))
    assert answer.ack == "AA"


def test_role_code_outside_j01(dmp, pki_dir: Path) -> None:
    needs_pack()
    roles = [role("10", "1.2.250.1.71.1.2.7"), role("SM99", "1.2.250.1.71.4.2.5")]
    answer, _ = call(dmp, signed_vihf(pki_dir, changes={ROLE: roles}))
    assert_fault(answer, "InvalidSecurity", "G15_10/SM99", "JDV_J01")


def test_secteur_outside_j02(dmp, pki_dir: Path) -> None:
    needs_pack()
    answer, _ = call(dmp, signed_vihf(pki_dir, changes={"Secteur_Activite": ["SA99^1.2.250.1.71.4.2.4"]}))
    assert_fault(answer, "InvalidSecurity", "Secteur_Activite", "JDV_J02")


def test_missing_pack_is_said_not_passed_silently(dmp, pki_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dmp[2].verifier, "_pack", None)  # the pack location is read once per worker
    answer, exchange = call(dmp, signed_vihf(pki_dir))
    assert answer.ack == "AA"
    notes = [f for f in exchange.findings if f.rule == "DMP-VIHF-JDV-INDISPONIBLE"]
    assert len(notes) == 2 and all("PAS été fait" in f.message for f in notes)


@pytest.mark.parametrize(("name", "value", "word"), [
    ("VIHF_Version", ["2.0"], "VIHF_Version"),
    ("Authentification_Mode", ["CPS"], "Authentification_Mode"),
    ("Ressource_URN", ["urn:autre"], "Ressource_URN"),
    ("LPS_ID_HOMOLOGATION_DMP", ["HOMOL-INCONNUE"], "homologation"),
    ("LPS_Nom", None, "LPS_Nom"),
    ("LPS_Version", [""], "LPS_Version"),
    ("Identifiant_Structure", None, "Identifiant_Structure"),
    ("urn:oasis:names:tc:xspa:1.0:subject:subject-id", None, "subject-id"),
    ("Secteur_Activite", ["SA01"], "Secteur_Activite"),
    (PURPOSE, [purpose("urgence")], "purposeofuse"),
])
def test_invalid_attribute_is_invalid_security(dmp, pki_dir: Path, name: str, value, word: str) -> None:
    answer, exchange = call(dmp, signed_vihf(pki_dir, changes={name: value}))
    assert_fault(answer, "InvalidSecurity", word)
    assert exchange.errors[0].rule == "DMP-VIHF-ATTRIBUT"


def test_missing_name_id(dmp, pki_dir: Path) -> None:
    answer, _ = call(dmp, signed_vihf(pki_dir, name_id=""))
    assert_fault(answer, "InvalidSecurity", "NameID")


def test_issuer_must_be_the_signer_dn(dmp, pki_dir: Path) -> None:
    cert = (pki_dir / "client-DMP-CACHET.pem").read_bytes()
    key = (pki_dir / "client-DMP-CACHET.key").read_bytes()
    answer, _ = call(dmp, sign(assertion_xml("CN=QUELQU-UN,O=Ailleurs,C=FR"), key, cert))
    assert_fault(answer, "InvalidSecurity", "saml:Issuer")
    reordered = "C=FR, O=Segur harness TEST PKI, CN=DMP-CACHET"
    answer, _ = call(dmp, sign(assertion_xml(reordered), key, cert))
    assert answer.ack == "AA"


def test_bris_de_glace_refused_when_patient_opposed(dmp, pki_dir: Path) -> None:
    answer, exchange = call(dmp, signed_vihf(pki_dir, patient=TOUSSAINT, changes={PURPOSE: [purpose("bris_de_glace")]}),
                            patient=TOUSSAINT)
    assert_fault(answer, "InvalidSecurity", "bris de glace")
    assert exchange.errors[0].rule == "DMP-VIHF-BDG"
    answer, _ = call(dmp, signed_vihf(pki_dir, changes={PURPOSE: [purpose("bris_de_glace")]}))
    assert answer.ack == "AA"


def test_centre_15_only_from_a_samu(dmp, pki_dir: Path) -> None:
    answer, _ = call(dmp, signed_vihf(pki_dir, changes={PURPOSE: [purpose("centre_15")]}))
    assert_fault(answer, "InvalidSecurity", "centre_15")
    samu = {PURPOSE: [purpose("centre_15")], "Identifiant_Structure": ["11750000032"]}
    answer, _ = call(dmp, signed_vihf(pki_dir, changes=samu))
    assert answer.ack == "AA"
    wrong_secteur = {**samu, "Secteur_Activite": ["SA05^1.2.250.1.71.4.2.4"]}
    answer, _ = call(dmp, signed_vihf(pki_dir, changes=wrong_secteur))
    assert_fault(answer, "InvalidSecurity", "centre_15")


def test_two_assertions_are_refused(dmp, pki_dir: Path) -> None:
    one = signed_vihf(pki_dir)
    answer, _ = call(dmp, one + signed_vihf(pki_dir))
    assert_fault(answer, "InvalidSecurity")


def test_ensure_pki_adds_the_dmp_cachet_certificate(tmp_path: Path) -> None:
    from cryptography import x509

    from segur_harness.pki import CLIENT_CNS, ensure_pki

    old = generate_pki(tmp_path, ("INSI-AUTO", "INSI-MANU", "INSI-INCONNU"))  # a PKI made before the DMP mock
    ca = old.ca_cert.read_bytes()
    assert not old.client_cert("DMP-CACHET").exists()
    pki = ensure_pki(tmp_path)
    assert "DMP-CACHET" in CLIENT_CNS and pki.client_cert("DMP-CACHET").is_file()
    assert pki.ca_cert.read_bytes() != ca
    cert = x509.load_pem_x509_certificate(pki.client_cert("DMP-CACHET").read_bytes())
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert ensure_pki(tmp_path).ca_cert.read_bytes() == pki.ca_cert.read_bytes()  # kept once complete


def test_ensure_pki_regenerates_a_cachet_that_cannot_sign(tmp_path: Path) -> None:
    from segur_harness.pki import ensure_pki

    pki = generate_pki(tmp_path)
    auto = pki.client_cert("INSI-AUTO").read_bytes()
    pki.client_cert("DMP-CACHET").write_bytes(auto)  # e.g. written by an older harness without KeyUsage
    ca = pki.ca_cert.read_bytes()
    assert ensure_pki(tmp_path).ca_cert.read_bytes() != ca



def test_a_reused_assertion_is_still_checked_for_time_and_attributes(dmp, pki_dir: Path) -> None:
    """The verified-signature cache only skips recomputing the same signature: expiry and patient still count."""
    assertion = signed_vihf(pki_dir)
    first, _ = call(dmp, assertion)
    again, exchange = call(dmp, assertion)
    assert first.ack == again.ack == "AA"
    assert any("déjà vérifiée" in f.message for f in exchange.findings)
    other, _ = call(dmp, assertion, patient=TOUSSAINT)
    assert other.fault_code is not None and "resource-id" in other.reason
    tampered = assertion.replace(b"normal", b"centre_15")
    assert call(dmp, tampered)[0].fault_code is not None


@pytest.mark.parametrize("changes", [
    {},
    {"VIHF_Version": ["2.0"], "LPS_Nom": None},
    {ROLE: [role("10", "1.2.250.1.71.1.2.7")]},
    {"Secteur_Activite": ["SA99^1.2.250.1.71.4.2.4"], "Authentification_Mode": ["CPS"]},
])
def test_the_same_assertion_again_is_judged_as_the_first_time(dmp, pki_dir: Path, changes: dict) -> None:
    """The second time, the envelope and attribute findings are replayed: same findings, same order, same answer,
    as a verifier that never saw it (the signature line aside, which says it was already verified)."""
    assertion = signed_vihf(pki_dir, changes=changes)
    first, first_exchange = call(dmp, assertion)
    again, again_exchange = call(dmp, assertion)
    dmp[2].verifier._judged.clear()
    dmp[2].verifier._verified.clear()
    fresh, fresh_exchange = call(dmp, assertion)

    def judged(exchange) -> list[tuple[str, str, str]]:
        return [(f.severity, f.rule, f.message) for f in exchange.findings if f.rule != "DMP-VIHF-SIGNATURE"]

    assert judged(again_exchange) == judged(first_exchange) == judged(fresh_exchange)
    assert (again.status, again.reason, again.ack) == (first.status, first.reason, first.ack) \
        == (fresh.status, fresh.reason, fresh.ack)
    assert any("déjà vérifiée" in f.message for f in again_exchange.findings)
