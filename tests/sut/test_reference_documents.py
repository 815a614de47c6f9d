"""The reference SUT's documents: every kind validates, versions and ids follow CDA R2, received ones dedup."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree

from segur_harness.sut.reference.api import create_app
from segur_harness.sut.reference.cda.kinds import kind_names
from segur_harness.sut.reference.settings import SutSettings

HL7 = "{urn:hl7-org:v3}"
IDENTITY = {"birth_name": "ECETINSI", "birth_first_names": ["PIERRE-ALAIN"], "sex": "M", "birth_date": "2009-07-14",
            "birth_place_cog": "63220"}


def _client(defect: str | None = None) -> FlaskClient:
    return create_app(SutSettings(idam="TEST-IDAM-0001", lps_name="SEGUR-HARNESS-SUT", lps_version="1.0.0",
                                  defect=defect)).test_client()


def _produce(client: FlaskClient, kind: str, content: dict[str, Any] | None = None) -> tuple[dict, etree._Element]:
    ident = client.post("/adapter/v1/identities", json=IDENTITY).get_json()["id"]
    reply = client.post("/adapter/v1/documents", json={"identity_id": ident, "kind": kind, "content": content or {}})
    assert reply.status_code == 201, reply.get_data(as_text=True)
    meta = reply.get_json()
    return meta, etree.fromstring(client.get(f"/adapter/v1/documents/{meta['id']}/cda").data)


@pytest.mark.parametrize("kind", ["LDL-SES", "CR-BIO", "CR-IMG", "VAC-NOTE", "N1-PDF"])
def test_every_kind_validates_without_error(kind: str, cisis_pack) -> None:
    from segur_harness.validation import get_engine

    client = _client()
    meta, _root = _produce(client, kind)
    data = client.get(f"/adapter/v1/documents/{meta['id']}/cda").data
    result = get_engine(cisis_pack).validate_document(data, f"{kind}.xml")
    assert result.valid, [f"{f.rule_id}: {f.message}" for f in result.errors]
    assert result.document["level"] == ("N1" if kind == "N1-PDF" else "N3")


def test_kind_list_is_what_the_contract_documents() -> None:
    assert kind_names() == sorted(["LDL-SES", "CR-BIO", "CR-IMG", "VAC-NOTE", "N1-PDF"])


def test_a_provisional_identity_is_written_without_ins() -> None:
    _meta, root = _produce(_client(), "VAC-NOTE")
    roots = [i.get("root") for i in root.iterfind(f"{HL7}recordTarget/{HL7}patientRole/{HL7}id")]
    assert roots and not any(r.startswith("1.2.250.1.213.1.4.") for r in roots)


def test_replacement_keeps_set_id_and_links_parent() -> None:
    client = _client()
    meta, first = _produce(client, "CR-IMG")
    second_meta = client.post(f"/adapter/v1/documents/{meta['id']}/replace", json={}).get_json()
    second = etree.fromstring(client.get(f"/adapter/v1/documents/{second_meta['id']}/cda").data)
    assert second.find(f"{HL7}setId").get("root") == first.find(f"{HL7}setId").get("root")
    assert second.find(f"{HL7}versionNumber").get("value") == "2"
    parent = second.find(f"{HL7}relatedDocument[@typeCode='RPLC']/{HL7}parentDocument/{HL7}id")
    assert parent.get("root") == first.find(f"{HL7}id").get("root") != second.find(f"{HL7}id").get("root")
    assert client.get(f"/adapter/v1/documents/{meta['id']}").get_json()["status"] == "REPLACED"


def test_defects_break_what_they_name() -> None:
    client = _client("reuses-document-id")
    ident = client.post("/adapter/v1/identities", json=IDENTITY).get_json()["id"]
    ids = [client.post("/adapter/v1/documents", json={"identity_id": ident, "kind": "CR-BIO"}).get_json()
           ["document_id"]["root"] for _ in range(2)]
    assert ids[0] == ids[1]
    _meta, root = _produce(_client("empty-narrative"), "LDL-SES")
    texts = [t for t in root.iter(f"{HL7}text") if t.getparent().tag == f"{HL7}section"]
    assert texts and all(not "".join(t.itertext()).strip() for t in texts)


def test_bad_document_requests_are_422_or_404() -> None:
    client = _client()
    ident = client.post("/adapter/v1/identities", json=IDENTITY).get_json()["id"]
    assert client.post("/adapter/v1/documents", json={"identity_id": ident, "kind": "CR-XX"}).status_code == 422
    assert client.post("/adapter/v1/documents", json={"identity_id": ident, "kind": "CR-BIO",
                                                      "content": []}).status_code == 422
    assert client.post("/adapter/v1/documents", json={"identity_id": "PAT-404", "kind": "CR-BIO"}).status_code == 404
    assert client.get("/adapter/v1/documents/DOC-404/cda").status_code == 404


def _receive(client: FlaskClient, data: bytes, channel: str = "MSSANTE") -> dict[str, Any]:
    reply = client.post("/adapter/v1/received-documents",
                        json={"cda_base64": base64.b64encode(data).decode(), "channel": channel})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return reply.get_json()


def test_received_documents_are_deduplicated_on_their_id() -> None:
    source = _client()
    meta, _root = _produce(source, "VAC-NOTE")
    first = source.get(f"/adapter/v1/documents/{meta['id']}/cda").data
    second_meta = source.post(f"/adapter/v1/documents/{meta['id']}/replace", json={}).get_json()
    second = source.get(f"/adapter/v1/documents/{second_meta['id']}/cda").data
    client = _client()
    assert _receive(client, first)["outcome"] == "INTEGRATED"
    duplicate = _receive(client, first, "DMP")
    assert duplicate["outcome"] == "DUPLICATE" and duplicate["alert"] is True
    assert _receive(client, second)["outcome"] == "INTEGRATED"
    held = client.get("/adapter/v1/received-documents").get_json()["documents"]
    assert [(d["version"], d["status"], d["times_received"]) for d in held] == [(1, "REPLACED", 2), (2, "CURRENT", 1)]


@pytest.mark.parametrize("payload", [
    b"not xml", b"<root/>", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<ClinicalDocument xmlns="urn:hl7-org:v3"><id root="&e;"/></ClinicalDocument>',
    b'<ClinicalDocument xmlns="urn:hl7-org:v3"/>',
])
def test_unreadable_received_documents_are_rejected_plainly(payload: bytes) -> None:
    client = _client()
    reply = _receive(client, payload)
    assert reply["outcome"] == "REJECTED" and reply["alert"] is True and "root:" not in reply["message"]
    assert client.get("/adapter/v1/received-documents").get_json()["documents"] == []


def test_received_document_body_must_be_base64() -> None:
    reply = _client().post("/adapter/v1/received-documents", json={"cda_base64": "***", "channel": "MSSANTE"})
    assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == "cda_base64"
