"""The reference SUT's DMP client against a local stub: VIHF, MTOM, metadata, TD0.2 ordering, errors, traces."""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
from email.parser import BytesParser
from pathlib import Path

import pytest
from lxml import etree
from signxml import XMLVerifier

from segur_harness.sut.reference.cda.kinds import kind_names, kind_spec
from segur_harness.sut.reference.dmp import mtom
from segur_harness.sut.reference.dmp.data import kind_codes

from .dmp_helpers import INS, KEY, OID, PATIENT_ID, Harness, harness
from .dmp_stub import NS

SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"
RIM = "{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0}"
SCHEMES = {"class": "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
           "type": "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
           "format": "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
           "facility": "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
           "practice": "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
           "confidentiality": "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"}
PATIENT_SCHEME = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
UNIQUE_SCHEME = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
HL7 = "{urn:hl7-org:v3}"


def _attributes(assertion: etree._Element) -> dict[str, list[etree._Element]]:
    return {a.get("Name"): list(a.iterfind(f"{SAML}AttributeValue")) for a in assertion.iter(f"{SAML}Attribute")}


def _value(assertion: etree._Element, name: str) -> str:
    return (_attributes(assertion)[name][0].text or "").strip()


def _slot(element: etree._Element, name: str) -> list[str]:
    return [v.text for s in element.iterfind(f"{RIM}Slot") if s.get("name") == name
            for v in s.iter(f"{RIM}Value")]


def _classified(entry: etree._Element, scheme: str) -> list[str]:
    return [c.get("nodeRepresentation") for c in entry.iterfind(f"{RIM}Classification")
            if c.get("classificationScheme") == SCHEMES[scheme]]


def _external(entry: etree._Element, scheme: str) -> str:
    return next(e.get("value") for e in entry.iterfind(f"{RIM}ExternalIdentifier")
                if e.get("identificationScheme") == scheme)


def _feed(h: Harness, kind: str = "CR-BIO", status: str = "QUAL", **body: object) -> tuple[dict, dict]:
    ident = h.identity(status)
    doc = h.document(ident, kind)
    return doc, h.post(f"/documents/{doc['id']}/dmp", {"user": "DR.TESTEUR", **body})


# -- VIHF -------------------------------------------------------------------------------------------------------
def test_vihf_is_signed_by_the_cachet_certificate_and_carries_every_attribute(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    _feed(h)
    assertion = state.received[0].find("soap:Header/wsse:Security/saml:Assertion")
    # signxml's default policies, as the DMP mock verifies: chain to the harness CA, KeyUsage digitalSignature.
    result = XMLVerifier().verify(etree.tostring(assertion), ca_pem_file=str(Path(pki_dir) / "ca.pem"),
                                  id_attribute="ID")
    signed = result.signed_xml
    assert signed.get("Version") == "2.0" and signed.get("ID") == assertion.get("ID")
    children = [c.tag for c in assertion]
    assert children[:2] == [f"{SAML}Issuer", "{http://www.w3.org/2000/09/xmldsig#}Signature"]
    assert "CN=DMP-CACHET" in assertion.findtext(f"{SAML}Issuer")
    sig = assertion.find("ds:Signature", NS)
    assert sig.find("ds:SignedInfo/ds:CanonicalizationMethod", NS).get("Algorithm") == \
        "http://www.w3.org/2001/10/xml-exc-c14n#"
    assert sig.find("ds:SignedInfo/ds:Reference", NS).get("URI") == "#" + assertion.get("ID")
    assert sig.find("ds:SignedInfo/ds:Reference/ds:DigestMethod", NS).get("Algorithm").endswith("sha256")
    assert sig.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS).text.strip()
    assert assertion.findtext(f"{SAML}Subject/{SAML}NameID") == "810000000010"
    conditions = assertion.find(f"{SAML}Conditions")
    now = dt.datetime.now(dt.UTC)
    assert dt.datetime.fromisoformat(conditions.get("NotBefore").replace("Z", "+00:00")) <= now + dt.timedelta(60)
    assert dt.datetime.fromisoformat(conditions.get("NotOnOrAfter").replace("Z", "+00:00")) > now
    assert assertion.find(f"{SAML}AuthnStatement/{SAML}AuthnContext/{SAML}AuthnContextClassRef") is not None
    assert _value(assertion, "VIHF_Version") == "3.0"
    assert _value(assertion, "Identifiant_Structure") == "11750000016"
    assert _value(assertion, "Secteur_Activite") == "SA01^1.2.250.1.71.4.2.4"
    assert _value(assertion, "urn:oasis:names:tc:xspa:1.0:subject:subject-id") == "TESTEUR Camille"
    roles = [v[0] for v in _attributes(assertion)["urn:oasis:names:tc:xacml:2.0:subject:role"]]
    assert [(r.get("code"), r.get("codeSystem")) for r in roles] == [("10", "1.2.250.1.71.1.2.7"),
                                                                    ("SM54", "1.2.250.1.71.4.2.5")]
    assert _value(assertion, "Authentification_Mode") in ("DIRECTE", "INDIRECTE", "INDIRECTE_RENFORCEE")
    assert _value(assertion, "urn:oasis:names:tc:xacml:2.0:resource:resource-id") == PATIENT_ID
    assert _value(assertion, "Ressource_URN") == "urn:dmp"
    purpose = _attributes(assertion)["urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"][0][0]
    assert (purpose.get("code"), purpose.get("codeSystem")) == ("normal", "1.2.250.1.213.1.1.4.248")
    assert _value(assertion, "LPS_Nom") == "SEGUR-HARNESS-SUT" and _value(assertion, "LPS_Version") == "1.0.0"
    assert _value(assertion, "LPS_ID_HOMOLOGATION_DMP") == "TEST-DMP-HOMOL-0001"


@pytest.mark.parametrize("mode", ["bris_de_glace", "centre_15"])
def test_mode_sets_purposeofuse(stub, pki_dir, mode: str) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    ident = h.identity()
    assert h.post(f"/identities/{ident}/dmp/search", {"mode": mode})["outcome"] == "SUCCESS"
    for received in state.received:
        assertion = received.find("soap:Header/wsse:Security/saml:Assertion")
        purpose = _attributes(assertion)["urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"][0][0]
        assert purpose.get("code") == mode


# -- MTOM and metadata -----------------------------------------------------------------------------------------
def test_iti41_is_mtom_and_parses_back_with_the_email_package(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    doc, outcome = _feed(h)
    assert outcome["outcome"] == "SUCCESS" and outcome["alert"] is False, outcome
    cda = h.client.get(f"/adapter/v1/documents/{doc['id']}/cda").data
    request = state.of("/repository")[0]
    assert request.content_type.startswith("multipart/related")
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {request.content_type}\r\n\r\n".encode() + request.body)
    params = dict(message["Content-Type"].params)
    assert params["type"] == "application/xop+xml" and params["start-info"] == "application/soap+xml"
    root, attachment = list(message.iter_parts())
    assert str(root["Content-ID"]) == params["start"]
    assert root.get_content_type() == "application/xop+xml" and attachment["Content-Transfer-Encoding"] == "binary"
    assert attachment.get_payload(decode=True) == cda
    include = request.find("soap:Body/xdsb:ProvideAndRegisterDocumentSetRequest/xdsb:Document/xop:Include")
    assert include.get("href") == "cid:" + str(attachment["Content-ID"]).strip("<>")
    entry = request.find(".//rim:ExtrinsicObject")
    assert _slot(entry, "hash") == [hashlib.sha1(cda).hexdigest()]  # noqa: S324 - XDS hash
    assert _slot(entry, "size") == [str(len(cda))]
    assert b"\r\n" in request.body.split(b"\r\n\r\n", 1)[0]


def test_mtom_round_trip_keeps_bytes_exactly() -> None:
    data = b'<?xml version="1.0"?>\n<a>\r\n\xc3\xa9\n</a>\n'
    packaged = mtom.package(b"<env/>", [mtom.Attachment("doc@x", data)])
    unpacked = mtom.unpack(packaged.content_type, packaged.body)
    assert unpacked.root == b"<env/>" and unpacked.attachments == {"doc@x": data}


def _cda_time_utc(value: str) -> str:
    moment = dt.datetime.strptime(value, "%Y%m%d%H%M%S%z")
    return moment.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


@pytest.mark.parametrize("kind", kind_names())
def test_metadata_is_consistent_with_the_cda(stub, pki_dir, kind: str) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    doc, outcome = _feed(h, kind)
    assert outcome["outcome"] == "SUCCESS", outcome
    cda = etree.fromstring(h.client.get(f"/adapter/v1/documents/{doc['id']}/cda").data)
    request = state.of("/repository")[0]
    entry = request.find(".//rim:ExtrinsicObject")
    assert entry.get("objectType") == "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
    assert _classified(entry, "type") == [cda.find(f"{HL7}code").get("code")] == [kind_spec(kind).code]
    assert _external(entry, UNIQUE_SCHEME) == cda.find(f"{HL7}id").get("root") == outcome["unique_id"]
    assert _external(entry, PATIENT_SCHEME) == PATIENT_ID
    ins = cda.find(f"{HL7}recordTarget/{HL7}patientRole/{HL7}id[@root='{OID}']")
    assert ins.get("extension") == INS + KEY
    creation = _slot(entry, "creationTime")[0]
    assert creation == _cda_time_utc(cda.find(f"{HL7}effectiveTime").get("value"))
    start = _slot(entry, "serviceStartTime")[0]
    low = cda.find(f"{HL7}documentationOf/{HL7}serviceEvent/{HL7}effectiveTime/{HL7}low").get("value")
    assert start == (_cda_time_utc(low) if len(low) > 8 else low) and start <= creation[:len(start)]
    assert _slot(entry, "languageCode") == ["fr-FR"] and entry.get("mimeType") == "text/xml"
    assert _classified(entry, "confidentiality") == ["N"]
    assert _classified(entry, "class") == [kind_codes(kind)["class"]["code"]]
    assert _classified(entry, "format") == [kind_codes(kind)["format"]["code"]]
    assert _classified(entry, "facility") == ["SA01"] and _classified(entry, "practice") == ["ETABLISSEMENT"]
    assert entry.find(f"{RIM}Name/{RIM}LocalizedString").get("value") == cda.findtext(f"{HL7}title")
    package = request.find(".//rim:RegistryPackage")
    assert _external(package, "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446") == PATIENT_ID
    assert request.find(".//rim:Classification[@classificationNode='urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd']")\
        .get("classifiedObject") == package.get("id")
    member = request.find(".//rim:Association[@associationType="
                          "'urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember']")
    assert (member.get("sourceObject"), member.get("targetObject")) == (package.get("id"), entry.get("id"))


def test_replacement_carries_rplc_to_the_fed_entry(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    doc, first = _feed(h)
    second = h.post(f"/documents/{doc['id']}/replace", {})
    outcome = h.post(f"/documents/{second['id']}/dmp", {})
    assert outcome["replaces_entry_uuid"] == first["entry_uuid"]
    rplc = state.of("/repository")[1].find(".//rim:Association[@associationType="
                                           "'urn:ihe:iti:2007:AssociationType:RPLC']")
    assert (rplc.get("sourceObject"), rplc.get("targetObject")) == (outcome["entry_uuid"], first["entry_uuid"])


# -- TD0.2, refusals, errors -------------------------------------------------------------------------------------
def test_td02_comes_first_and_uses_the_ins(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    _feed(h)
    assert [r.path for r in state.received] == ["/patients", "/repository"]
    query = state.received[0].find("soap:Body/hl7:PRPA_IN201307UV02")
    assert query.find("hl7:controlActProcess/hl7:reasonCode", NS).get("code") == "TEST_EXST"
    value = query.find(".//hl7:patientIdentifier/hl7:value", NS)
    assert (value.get("root"), value.get("extension")) == (OID, INS + KEY)


@pytest.mark.parametrize("status", ["PROV", "RECUP", "VALI"])
def test_feed_refused_without_call_for_a_non_qualified_identity(stub, pki_dir, status: str) -> None:
    url, state = stub
    _doc, outcome = _feed(harness(url, pki_dir=pki_dir), status=status)
    assert outcome["outcome"] == "REFUSED" and outcome["alert"] is True and outcome["call_ids"] == []
    assert state.received == []


def test_no_dmp_means_no_feed(stub, pki_dir) -> None:
    url, state = stub
    state.td02_code = "NF"
    _doc, outcome = _feed(harness(url, pki_dir=pki_dir))
    assert outcome["outcome"] == "REFUSED" and "NF" in outcome["message"]
    assert [r.path for r in state.received] == ["/patients"]


def test_registry_failure_is_shown_with_its_code(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    ident = h.identity()
    doc = h.document(ident)
    h.post(f"/identities/{ident}/dmp/test-existence", {})
    state.fail_with = "XDSRegistryMetadataError"
    outcome = h.post(f"/documents/{doc['id']}/dmp", {})
    assert outcome["outcome"] == "FAILURE" and outcome["alert"] is True
    assert "XDSRegistryMetadataError" in outcome["message"]
    assert outcome["errors"] == [{"code": "XDSRegistryMetadataError", "context": "Erreur simulée par le stub"}]
    calls = h.client.get(f"/adapter/v1/dmp-calls?identity_id={ident}").get_json()["calls"]
    assert [(c["transaction"], c["result"]) for c in calls] == [("TD0.2", "OK"), ("TD0.2", "OK"),
                                                               ("ITI-41", "FAILURE")]


def test_soap_fault_is_a_failure_naming_the_reason(stub, pki_dir) -> None:
    url, state = stub
    state.fault = ("wsse:InvalidSecurityToken", "Assertion VIHF expirée")
    h = harness(url, pki_dir=pki_dir)
    outcome = h.post(f"/identities/{h.identity()}/dmp/test-existence", {})
    assert outcome["outcome"] == "FAILURE" and outcome["alert"] is True
    assert "wsse:InvalidSecurityToken" in outcome["message"] and "expirée" in outcome["message"]
    assert h.client.get("/adapter/v1/dmp-calls").get_json()["calls"][0]["result"] == "FAULT"


def test_unreachable_dmp_is_an_error_in_french_never_an_exception(pki_dir) -> None:
    h = harness("http://127.0.0.1:9", pki_dir=pki_dir, timeout=1)
    ident = h.identity()
    doc = h.document(ident)
    for outcome in (h.post(f"/identities/{ident}/dmp/test-existence", {}), h.post(f"/documents/{doc['id']}/dmp", {}),
                    h.post(f"/identities/{ident}/dmp/search", {}),
                    h.post(f"/identities/{ident}/dmp/retrieve", {"unique_id": "1.2.3"})):
        assert outcome["outcome"] == "ERROR" and outcome["alert"] is True, outcome
        assert "injoignable" in outcome["message"]
    calls = h.client.get("/adapter/v1/dmp-calls").get_json()["calls"]
    assert len(calls) == 4 and {c["result"] for c in calls} == {"ERROR"}


def test_not_configured_refuses_without_call(pki_dir) -> None:
    h = harness(None, pki_dir=pki_dir)
    outcome = h.post(f"/identities/{h.identity()}/dmp/test-existence", {})
    assert outcome["outcome"] == "REFUSED" and "configuré" in outcome["message"]


# -- status, visibility, search, retrieve -------------------------------------------------------------------------
def test_delete_then_search_and_retrieve(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    doc, fed = _feed(h)
    deleted = h.post(f"/documents/{doc['id']}/dmp/status", {"status": "deleted"})
    assert deleted["outcome"] == "SUCCESS" and deleted["status"] == "deleted"
    update = state.of("/registry")[0]
    assoc = update.find(".//rim:Association[@associationType="
                        "'urn:ihe:iti:2010:AssociationType:UpdateAvailabilityStatus']")
    assert assoc.get("targetObject") == fed["entry_uuid"]
    assert _slot(assoc, "NewStatus") == ["urn:asip:ci-sis:2010:StatusType:Deleted"]
    assert _slot(assoc, "OriginalStatus") == ["urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"]
    ident = doc["identity_id"]
    found = h.post(f"/identities/{ident}/dmp/search", {})
    assert found["outcome"] == "SUCCESS" and found["documents"] == []
    query = state.of("/registry")[1].find(".//rim:AdhocQuery")
    assert query.get("id") == "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"
    assert _slot(query, "$XDSDocumentEntryPatientId") == [f"'{PATIENT_ID}'"]
    cda = h.client.get(f"/adapter/v1/documents/{doc['id']}/cda").data
    state.documents[fed["unique_id"]] = cda
    got = h.post(f"/identities/{ident}/dmp/retrieve", {"unique_id": fed["unique_id"]})
    assert got["outcome"] == "SUCCESS" and got["size"] == len(cda)
    assert got["received"]["outcome"] == "INTEGRATED" and got["received"]["document"]["channel"] == "DMP"
    assert [r.path for r in state.received][-2:] == ["/patients", "/repository"]


def test_search_lists_what_the_dmp_returns(stub, pki_dir) -> None:
    url, state = stub
    state.entries = [
        '<rim:ExtrinsicObject id="urn:uuid:1" status="urn:oasis:names:tc:ebxml-regrep:StatusType:Approved" '
        'objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"><rim:Slot name="creationTime"><rim:ValueList>'
        '<rim:Value>20261201090000</rim:Value></rim:ValueList></rim:Slot><rim:Name><rim:LocalizedString '
        'value="CR bio"/></rim:Name><rim:Classification classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-'
        'c59651d33983" nodeRepresentation="11502-2"/><rim:Classification classificationScheme="urn:uuid:f4f85eac-'
        'e6cb-4883-b524-f2705394840f" nodeRepresentation="N"/><rim:ExternalIdentifier identificationScheme="urn:'
        'uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab" value="1.2.3.4"/></rim:ExtrinsicObject>']
    h = harness(url, pki_dir=pki_dir)
    found = h.post(f"/identities/{h.identity()}/dmp/search", {"include_archived": True})
    assert found["documents"] == [{"entry_uuid": "urn:uuid:1", "unique_id": "1.2.3.4", "type_code": "11502-2",
                                   "title": "CR bio", "status": "approved", "confidentiality": ["N"],
                                   "creation_time": "20261201090000"}]
    statuses = _slot(state.of("/registry")[0].find(".//rim:AdhocQuery"), "$XDSDocumentEntryStatus")[0]
    assert "StatusType:Approved" in statuses and "StatusType:Archived" in statuses


def test_visibility_sends_a_new_version_with_the_codes(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    doc, fed = _feed(h)
    outcome = h.post(f"/documents/{doc['id']}/dmp/visibility", {"invisible_patient": True})
    assert outcome["outcome"] == "SUCCESS" and outcome["confidentiality"] == ["N", "INVISIBLE_PATIENT"]
    entry = state.of("/registry")[0].find(".//rim:ExtrinsicObject")
    assert entry.get("lid") == fed["entry_uuid"] != entry.get("id")
    assert _classified(entry, "confidentiality") == ["N", "INVISIBLE_PATIENT"]
    member = state.of("/registry")[0].find(".//rim:Association")
    assert _slot(member, "PreviousVersion") == ["1"]
    both = h.post(f"/documents/{doc['id']}/dmp/visibility", {"invisible_patient": True, "masque_ps": True})
    assert both["outcome"] == "REFUSED" and len(state.of("/registry")) == 1


def test_every_call_is_traced_with_its_message_id(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    doc, _ = _feed(h)
    calls = h.client.get("/adapter/v1/dmp-calls").get_json()["calls"]
    assert [c["message_id"] for c in calls] == [r.message_id for r in state.received]
    assert [(c["transaction"], c["result"], c["user"]) for c in calls] == [("TD0.2", "OK", "DR.TESTEUR"),
                                                                          ("ITI-41", "SUCCESS", "DR.TESTEUR")]
    assert calls[1]["document_id"] == doc["id"] and calls[1]["identity_id"] == doc["identity_id"]
    assert h.client.post("/adapter/v1/reset").status_code == 204
    assert h.client.get("/adapter/v1/dmp-calls").get_json()["calls"] == []


def test_a_document_written_before_qualification_is_not_fed(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    ident = h.identity("RECUP")
    doc = h.document(ident)
    h.sut.registry.get(ident).status = "QUAL"
    outcome = h.post(f"/documents/{doc['id']}/dmp", {})
    assert outcome["outcome"] == "REFUSED" and "sans l'INS" in outcome["message"] and state.received == []
