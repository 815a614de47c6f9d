"""How the DMP client classifies what comes back (HTTP side mocked with `responses`): never an exception."""

from __future__ import annotations

import base64

import pytest
import requests
import responses
from lxml import etree

from segur_harness.sut.reference.dmp import client, mtom, registry, td02
from segur_harness.sut.reference.dmp.client import DmpRequest

BASE = "http://dmp.test"
SOAP = "http://www.w3.org/2003/05/soap-envelope"


def _request() -> DmpRequest:
    return DmpRequest("ITI-18", "/registry", "urn:ihe:iti:2007:RegistryStoredQuery",
                      "urn:ihe:iti:2007:RegistryStoredQueryResponse", registry.find_documents("x^^^&1.2&ISO^NH"))


def _envelope(body: str, action: str = "urn:ihe:iti:2007:RegistryStoredQueryResponse") -> str:
    return (f'<s:Envelope xmlns:s="{SOAP}" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header>'
            f"<a:Action>{action}</a:Action></s:Header><s:Body>{body}</s:Body></s:Envelope>")


@responses.activate
@pytest.mark.parametrize(("reply", "needle"), [
    ({"body": "Service Unavailable", "status": 503}, "erreur HTTP 503"),
    ({"body": "<html>oops</html>", "status": 200}, "illisible"),
    ({"body": '<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>', "status": 200}, "illisible"),
    ({"body": requests.ConnectTimeout("slow")}, "délai"),
    ({"body": requests.ConnectionError("refused")}, "injoignable"),
    ({"body": _envelope("<x/>", "urn:other"), "status": 200}, "inattendue"),
])
def test_transport_trouble_is_an_error_with_a_french_detail(reply: dict, needle: str) -> None:
    responses.add(responses.POST, BASE + "/registry", **reply)
    answer = client.call(_request(), BASE, None, 1.0)
    assert answer.kind == client.ERROR and needle in answer.detail, answer.detail


@responses.activate
def test_failure_lists_registry_errors() -> None:
    body = ('<q:AdhocQueryResponse xmlns:q="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" '
            'xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0" '
            'status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"><rs:RegistryErrorList>'
            '<rs:RegistryError errorCode="XDSUnknownPatientId" codeContext="Patient inconnu" '
            'severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/></rs:RegistryErrorList>'
            "</q:AdhocQueryResponse>")
    responses.add(responses.POST, BASE + "/registry", body=_envelope(body), status=200,
                  content_type="application/soap+xml")
    answer = client.call(_request(), BASE, None, 1.0)
    assert answer.kind == client.FAILURE and [e.code for e in answer.errors] == ["XDSUnknownPatientId"]
    assert "XDSUnknownPatientId" in answer.detail and "Patient inconnu" in answer.detail


@responses.activate
def test_fault_keeps_the_french_reason() -> None:
    body = ('<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>wsse:FailedCheck</s:Value></s:Subcode>'
            '</s:Code><s:Reason><s:Text xml:lang="en">bad</s:Text><s:Text xml:lang="fr">Signature invalide</s:Text>'
            "</s:Reason></s:Fault>")
    responses.add(responses.POST, BASE + "/registry", body=_envelope(body, "x"), status=400)
    answer = client.call(_request(), BASE, None, 1.0)
    assert answer.kind == client.FAULT and answer.fault.subcode == "wsse:FailedCheck"
    assert answer.detail == "erreur DMP wsse:FailedCheck : Signature invalide"


def test_inline_base64_and_cid_are_both_resolved() -> None:
    holder = etree.fromstring(f"<d>{base64.b64encode(b'<doc/>').decode()}</d>")
    assert mtom.resolve(holder, {}) == b"<doc/>"
    holder = etree.Element("d")
    mtom.include(holder, "a b@x")
    assert holder[0].get("href") == "cid:a%20b@x" and mtom.resolve(holder, {"a b@x": b"1"}) == b"1"


def test_td02_answer_reads_attention_lines() -> None:
    payload = etree.fromstring(
        '<PRPA_IN201308UV02 xmlns="urn:hl7-org:v3"><acknowledgement><typeCode code="AA"/></acknowledgement>'
        '<controlActProcess><subject><registrationEvent><subject1><patient><statusCode code="nullified"/></patient>'
        '</subject1></registrationEvent></subject><queryAck><queryResponseCode code="OK"/></queryAck>'
        '<attentionLine><keyWordText code="AUTORISATION"/><value value="EXPIREE"/></attentionLine>'
        '<attentionLine><keyWordText code="DMP_STATUT"/><value value="FERME"/></attentionLine>'
        '<attentionLine><keyWordText code="OPPOSITION_BDG"/><value value="true"/></attentionLine>'
        "</controlActProcess></PRPA_IN201308UV02>")
    read = td02.read(payload)
    assert read.exists and (read.authorisation, read.dmp_statut, read.opposition_bris_de_glace, read.patient_status) \
        == ("EXPIREE", "FERME", True, "nullified")
    refused = etree.fromstring('<PRPA_IN201308UV02 xmlns="urn:hl7-org:v3"><acknowledgement><typeCode code="AE"/>'
                               "<acknowledgementDetail><text>Structure introuvable ou Inactive</text>"
                               "</acknowledgementDetail></acknowledgement></PRPA_IN201308UV02>")
    read = td02.read(refused)
    assert not read.exists and read.ack == "AE" and "Structure introuvable" in read.ack_detail


@pytest.mark.parametrize(("hl7", "xds"), [
    ("20261201103652+0100", "20261201093652"), ("20261231233000-0200", "20270101013000"),
    ("20261126", "20261126"), ("202612011036", "202612011036"), ("garbage", None), (None, None),
])
def test_cda_times_become_xds_utc_times(hl7: str | None, xds: str | None) -> None:
    from segur_harness.sut.reference.dmp.cda_facts import xds_time

    assert xds_time(hl7) == xds


def test_get_documents_queries_by_unique_id() -> None:
    query = registry.get_documents(["1.2.3", "4.5"]).find("{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0}AdhocQuery")
    assert query.get("id") == "urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4"
    values = query.findall(".//{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0}Value")
    assert [v.text for v in values] == ["('1.2.3','4.5')"]
