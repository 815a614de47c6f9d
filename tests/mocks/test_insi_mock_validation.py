"""INSi mock: request validation, findings and the siram faults chosen for each problem."""

from __future__ import annotations

import pytest
import xmlschema
from insi_mock_support import CT, TRAITS, Answer, Envelope, recsans, traits_request, vitale_request

HEADERS = {"Content-Type": CT}
VALID = ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")


def post(client, body: bytes, headers: dict[str, str] | None = None) -> Answer:
    response = client.post("/lps", data=body, headers=headers or HEADERS)
    return Answer(response.status_code, response.data)


def rules(store) -> list[str]:
    return [f.rule for f in store.exchanges(service="insi")[-1].findings]


def test_valid_request_has_no_error_finding(client, store, insi_wsdl):
    assert post(client, traits_request(*VALID)).code_cr == "00"
    exchange = store.exchanges(service="insi")[-1]
    assert exchange.errors == []
    assert "INSI-XSD-INDISPONIBLE" not in rules(store)


@pytest.mark.parametrize("env", [Envelope(idam="INCONNU-42"), Envelope(idam=""), Envelope(idam=None),
                                 Envelope(lps_name="AUTRE-LOGICIEL"), Envelope(lps_name=None)],
                         ids=["unknown-idam", "empty-idam", "no-idam", "unknown-name", "no-name"])
def test_unknown_software_authorisation_is_siram_100(client, store, env):
    answer = post(client, traits_request(*VALID, env=env))
    assert answer.status == 400
    assert answer.fault_code == "soap:Sender"
    assert answer.subcode.endswith(":siram_100")
    assert answer.erreur_code == "desir_550"
    assert answer.erreur.text == "Numéro d'autorisation du logiciel inconnu."
    assert {"INSI-LPS-IDAM", "INSI-LPS-NOM"} & set(rules(store))


@pytest.mark.parametrize("env, rule", [
    (Envelope(with_lps=False), "INSI-HDR-CTXLPS"),
    (Envelope(with_bam=False), "INSI-HDR-CTXBAM"),
    (Envelope(message_id=None), "INSI-WSA-MESSAGEID"),
    (Envelope(action=""), "INSI-WSA-ACTION"),
])
def test_missing_mandatory_header_is_a_fault(client, store, env, rule):
    answer = post(client, traits_request(*VALID, env=env))
    assert (answer.status, answer.erreur_code) == (400, "insi_005")
    assert rule in rules(store)


def test_inconsistent_action_and_body(client, store):
    env = Envelope(action="urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale")
    answer = post(client, traits_request(*VALID, env=env))
    assert answer.erreur_code == "insi_006"
    assert "INSI-OP-INCOHERENT" in rules(store)


def test_unknown_action(client, store):
    answer = post(client, traits_request(*VALID, env=Envelope(action="urn:autre:operation")))
    assert answer.erreur_code == "insi_006"
    assert "INSI-OP-ACTION" in rules(store)


def test_content_type_action_must_agree_with_wsa_action(client, store):
    headers = {"Content-Type": f'{CT}; action="urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale"'}
    answer = post(client, traits_request(*VALID), headers)
    assert answer.erreur_code == "insi_006"
    assert "INSI-OP-CT-ACTION" in rules(store)


def test_content_type_action_consistent_is_accepted(client):
    headers = {"Content-Type": f'{CT}; action="urn:ServiceIdentiteCertifiee:1.0.0:{TRAITS}"'}
    assert post(client, traits_request(*VALID), headers).code_cr == "00"


def test_unknown_body_element(client, store):
    body = Envelope().wrap(TRAITS, '<x:Autre xmlns:x="urn:autre"/>')
    answer = post(client, body)
    assert answer.erreur_code == "insi_006"
    assert "INSI-OP-BODY" in rules(store)


@pytest.mark.parametrize("traits, rule", [
    ((None, "DOMINIQUE", "F", "1997-02-26"), "INSI-REQ-NOM"),
    (("ADRTROIS", None, "F", "1997-02-26"), "INSI-REQ-PRENOM"),
    (("ADRTROIS", "DOMINIQUE", None, "1997-02-26"), "INSI-REQ-SEXE"),
    (("ADRTROIS", "DOMINIQUE", "X", "1997-02-26"), "INSI-REQ-SEXE"),
    (("ADRTROIS", "DOMINIQUE", "F", None), "INSI-REQ-DATE"),
    (("ADRTROIS", "DOMINIQUE", "F", "26/02/1997"), "INSI-REQ-DATE"),
    (("ADRTROIS", "DOMINIQUE", "F", "1997-13-26"), "INSI-REQ-DATE"),
    (("ADRTROIS", "DOMINIQUE", "F", "1997-02-26", "PARIS"), "INSI-REQ-LIEU"),
], ids=["no-name", "no-first-name", "no-sex", "bad-sex", "no-date", "bad-date", "bad-month", "bad-cog"])
def test_malformed_traits_are_sender_faults(client, store, traits, rule):
    answer = post(client, traits_request(*traits))
    assert (answer.status, answer.fault_code, answer.erreur_code) == (400, "soap:Sender", "insi_007")
    assert rule in rules(store)


def test_lunar_birth_date_is_accepted(client, store):
    assert post(client, traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-00-00")).code_cr == "01"
    assert "INSI-REQ-DATE" not in rules(store)


def test_unexpected_body_element_is_refused(client, store):
    body = Envelope().wrap(TRAITS, recsans(*VALID, extra="<ns:Surnom>DODO</ns:Surnom>"))
    answer = post(client, body)
    assert answer.erreur_code == "insi_007"
    assert "INSI-REQ-ELEMENT" in rules(store)


def test_unnormalised_name_is_a_warning_only(client, store):
    assert post(client, traits_request("Adrtrois", "Dominique", "F", "1997-02-26")).code_cr == "00"
    warnings = [f for f in store.exchanges(service="insi")[-1].findings if f.rule == "INSI-REQ-NOM-FORMAT"]
    assert warnings and warnings[0].severity == "warning"


def test_vitale_without_any_matricule_is_refused(client, store):
    answer = post(client, vitale_request(None, "1997-02-26", "1"))
    assert answer.erreur_code == "insi_007"
    assert "INSI-REQ-NIR" in rules(store)


def test_vitale_malformed_nir_is_refused(client):
    assert post(client, vitale_request(("29702", "78"), "1997-02-26", "1")).erreur_code == "insi_007"


def test_vitale_non_ascii_digits_are_refused(client, store):
    # The matricule shape is the harness's one rule (segur_harness.ins): ASCII digits only, like the CDA checks.
    assert post(client, vitale_request(("٢٩٧٠٢٢A٠٢٠٧٧٨", "78"), "1997-02-26", "1")).erreur_code == "insi_007"
    assert "INSI-REQ-NIR" in rules(store)


def test_vitale_lower_case_corsica_is_read_upper_case(client):
    assert post(client, vitale_request(("297022a020778", "78"), "1997-02-26", "1")).code_cr == "00"


def test_vitale_wrong_key_is_a_warning(client, store):
    assert post(client, vitale_request(("297022A020778", "11"), "1997-02-26", "1")).code_cr == "00"
    assert "INSI-REQ-CLE" in rules(store)


def test_security_without_assertion_is_refused(client, store):
    security = ('<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/'
                'oasis-200401-wss-wssecurity-secext-1.0.xsd"/>')
    answer = post(client, traits_request(*VALID, env=Envelope(security=security)))
    assert answer.erreur_code == "desir_561"
    assert "INSI-SEC-ASSERTION" in rules(store)


def test_xsd_findings_recorded_without_blocking(client, store, insi_wsdl):
    # ContexteLPS/Temps is an xsd:dateTime: the structural check and the official XSD both say so.
    body = traits_request(*VALID).replace(b"2024-07-05T13:58:27.452Z</ctxlps:Temps>", b"hier</ctxlps:Temps>")
    assert post(client, body).code_cr == "00"
    exchange = store.exchanges(service="insi")[-1]
    xsd = [f for f in exchange.findings if f.rule == "INSI-XSD"]
    assert xsd and all(f.severity == "error" for f in xsd)
    assert "INSI-LPS-TEMPS" in [f.rule for f in exchange.findings]


def test_xsd_finding_on_body_order(client, store, insi_wsdl):
    body = Envelope().wrap(TRAITS, '<ns:RECSANSVITALE xmlns:ns="http://www.cnamts.fr/INSiRecSans">'
                                   "<ns:Prenom>DOMINIQUE</ns:Prenom><ns:NomNaissance>ADRTROIS</ns:NomNaissance>"
                                   "<ns:Sexe>F</ns:Sexe><ns:DateNaissance>1997-02-26</ns:DateNaissance>"
                                   "</ns:RECSANSVITALE>")
    assert post(client, body).code_cr == "00"
    assert "INSI-XSD" in rules(store)


def test_responses_and_faults_are_valid_against_official_xsd(client, insi_wsdl):
    resultat = xmlschema.XMLSchema(str(insi_wsdl / "xsd/ServiceIdentiteCertifiee/INSi_RESULTAT_INS.xsd"))
    siram = xmlschema.XMLSchema(str(insi_wsdl / "xsd/schema_faultSOAP_V01_01.xsd"))
    for traits in (VALID, ("ECETINSI", "PIERRE-ALAIN", "M", "2009-07-14"), ("DOUBLON", "MARIE", "F", "1985-05-12"),
                   ("HOUILLES", "PIERRE", "M", "1993-01-27")):
        answer = post(client, traits_request(*traits))
        resultat.validate(answer.find(".//r:RESULTAT"))
    fault = post(client, traits_request(*VALID, env=Envelope(idam="X")))
    siram.validate(fault.erreur)


def test_without_reference_material_structural_checks_still_run(make_app, monkeypatch):
    from segur_harness.mocks.insi import xsd

    monkeypatch.setattr(xsd, "insi_wsdl_dir", lambda cfg=None: None)
    app, store = make_app()
    answer = post(app.test_client(), traits_request(*VALID, env=Envelope(idam="X")))
    assert answer.erreur_code == "desir_550"
    found = {f.rule: f for f in store.exchanges(service="insi")[-1].findings}
    assert found["INSI-XSD-INDISPONIBLE"].severity == "info"
    assert "INSI-XSD" not in found
