"""Contract 1.4 in the reference SUT: create a DMP (TD1.1), reactivate one (TD1.2), send a received document to it.

Against the local DMP stub (tests/sut/dmp_stub.py), not the harness's mock.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

import segur_harness.sut

from .dmp_helpers import INS, KEY, OID, Harness, harness
from .dmp_stub import StubState

TD02 = "urn:hl7-org:v3:PRPA_IN201307UV02"
TD11 = "urn:hl7-org:v3:PRPA_IN201311UV02"
TD12 = "urn:hl7-org:v3:PRPA_IN201314UV02"
ITI41 = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"
OPENAPI = Path(segur_harness.sut.__file__).resolve().parent / "openapi.json"


def actions(state: StubState) -> list[str]:
    return [r.action for r in state.received]


def reason(state: StubState, action: str) -> str | None:
    sent = next(r for r in state.received if r.action == action)
    element = sent.find(".//hl7:controlActProcess/hl7:reasonCode")
    return element.get("code") if element is not None else None


def test_create_with_consent_tests_existence_first(stub, pki_dir) -> None:
    url, state = stub
    state.td02_code = "NF"
    h = harness(url, pki_dir=pki_dir)
    ident = h.identity()
    got = h.post(f"/identities/{ident}/dmp/create", {"consent": True, "user": "DR.TESTEUR"})
    assert got["outcome"] == "SUCCESS" and got["dmp_status"] == "OUVERT" and not got["alert"]
    assert actions(state) == [TD02, TD11]
    patient = state.received[1].find(".//hl7:registrationRequest/hl7:subject1/hl7:patient/hl7:id")
    assert (patient.get("extension"), patient.get("root")) == (INS + KEY, OID)
    assert reason(state, TD11) == "CREA_RD"
    calls = h.client.get(f"/adapter/v1/dmp-calls?identity_id={ident}").get_json()["calls"]
    assert [(c["transaction"], c["result"]) for c in calls] == [("TD0.2", "NF"), ("TD1.1", "SUCCESS")]


def test_no_consent_no_call(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    got = h.post(f"/identities/{h.identity()}/dmp/create", {"consent": False})
    assert got["outcome"] == "REFUSED" and got["alert"] and "consentement" in got["message"]
    assert state.received == []


def test_consent_is_required(stub, pki_dir) -> None:
    url, _ = stub
    h = harness(url, pki_dir=pki_dir)
    reply = h.client.post(f"/adapter/v1/identities/{h.identity()}/dmp/create", json={})
    assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == "consent"


def test_existing_dmp_is_not_created_again(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    got = h.post(f"/identities/{h.identity()}/dmp/create", {"consent": True})
    assert got["outcome"] == "REFUSED" and got["dmp_status"] == "OUVERT"
    assert actions(state) == [TD02]


def test_the_dmp_refusing_creation_is_shown(stub, pki_dir) -> None:
    url, state = stub
    state.td02_code, state.td1_ack = "NF", "AE"
    h = harness(url, pki_dir=pki_dir)
    got = h.post(f"/identities/{h.identity()}/dmp/create", {"consent": True})
    assert got["outcome"] == "FAILURE" and got["alert"] and "Refus simulé" in got["message"]


def test_reactivate_a_closed_dmp_with_reac(stub, pki_dir) -> None:
    url, state = stub
    state.dmp_statut = "FERME"
    h = harness(url, pki_dir=pki_dir)
    got = h.post(f"/identities/{h.identity()}/dmp/reactivate", {})
    assert got["outcome"] == "SUCCESS" and got["dmp_status"] == "OUVERT"
    assert actions(state) == [TD02, TD12] and reason(state, TD12) == "REAC"


def test_an_open_dmp_is_not_reactivated(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    got = h.post(f"/identities/{h.identity()}/dmp/reactivate", {})
    assert got["outcome"] == "REFUSED" and actions(state) == [TD02]


def test_not_qualified_no_call(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    ident = h.identity("RECUP")
    for path, body in (("create", {"consent": True}), ("reactivate", {})):
        assert h.post(f"/identities/{ident}/dmp/{path}", body)["outcome"] == "REFUSED"
    assert state.received == []


@pytest.mark.parametrize(("defect", "expected"), [
    ("dmp-creates-without-td02", [TD11]),
    ("dmp-creates-without-consent", [TD02, TD11]),
])
def test_creation_defects(stub, pki_dir, defect: str, expected: list[str]) -> None:
    url, state = stub
    state.td02_code = "NF"
    h = harness(url, defect, pki_dir=pki_dir)
    h.post(f"/identities/{h.identity()}/dmp/create", {"consent": defect != "dmp-creates-without-consent"})
    assert actions(state) == expected


def test_reactivation_wrong_reason_defect(stub, pki_dir) -> None:
    url, state = stub
    state.dmp_statut = "FERME"
    h = harness(url, "dmp-reactivation-wrong-reason", pki_dir=pki_dir)
    h.post(f"/identities/{h.identity()}/dmp/reactivate", {})
    assert reason(state, TD12) == "FERM"


def _retrieved(h: Harness, state: StubState, ident: str) -> str:
    """A document of the patient retrieved from the DMP (ITI-43): its received-document id."""
    doc = h.document(ident)
    cda = h.client.get(f"/adapter/v1/documents/{doc['id']}/cda").data
    state.documents["1.2.250.1.999.77"] = cda
    got = h.post(f"/identities/{ident}/dmp/retrieve", {"unique_id": "1.2.250.1.999.77"})
    assert got["outcome"] == "SUCCESS", got
    return got["received"]["document"]["id"]


def test_a_document_from_the_dmp_is_never_sent_back(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    ident = h.identity()
    received = _retrieved(h, state, ident)
    got = h.post(f"/received-documents/{received}/dmp", {"identity_id": ident})
    assert got["outcome"] == "REFUSED" and got["alert"] and "provient du DMP" in got["message"]
    assert ITI41 not in actions(state)


def test_refeeds_dmp_documents_defect_sends_it(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, "refeeds-dmp-documents", pki_dir=pki_dir)
    ident = h.identity()
    received = _retrieved(h, state, ident)
    h.post(f"/received-documents/{received}/dmp", {"identity_id": ident})
    assert ITI41 in actions(state)


def test_a_document_received_otherwise_is_fed(stub, pki_dir) -> None:
    url, state = stub
    h = harness(url, pki_dir=pki_dir)
    ident = h.identity()
    cda = h.client.get(f"/adapter/v1/documents/{h.document(ident, 'VAC-NOTE')['id']}/cda").data
    received = h.post("/received-documents", {"cda_base64": base64.b64encode(cda).decode(), "channel": "MSSANTE"})
    got = h.post(f"/received-documents/{received['document']['id']}/dmp", {"identity_id": ident})
    assert got["outcome"] == "SUCCESS", got
    assert actions(state) == [TD02, ITI41]


def test_new_routes_answer_the_documented_schemas(stub, pki_dir, schema_check) -> None:
    spec: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    url, state = stub
    state.td02_code = "NF"
    h = harness(url, pki_dir=pki_dir)
    ident = h.identity()

    def conforms(path: str, template: str, body: dict[str, Any], status: str = "200") -> None:
        reply = h.client.post("/adapter/v1" + path, json=body)
        assert str(reply.status_code) == status, reply.get_data(as_text=True)
        content = spec["paths"][template]["post"]["responses"][status]["content"]
        errors = schema_check(reply.get_json(), next(iter(content.values()))["schema"], spec)
        assert errors == [], f"{path}: {errors}"

    conforms(f"/identities/{ident}/dmp/create", "/adapter/v1/identities/{identity_id}/dmp/create", {"consent": True})
    conforms(f"/identities/{ident}/dmp/reactivate", "/adapter/v1/identities/{identity_id}/dmp/reactivate", {})
    conforms("/identities/PAT-404/dmp/reactivate", "/adapter/v1/identities/{identity_id}/dmp/reactivate", {}, "404")
    state.td02_code = "OK"  # the stub keeps no state: the DMP now exists
    received = _retrieved(h, state, ident)
    conforms(f"/received-documents/{received}/dmp", "/adapter/v1/received-documents/{received_id}/dmp",
             {"identity_id": ident})
    conforms(f"/received-documents/{received}/dmp", "/adapter/v1/received-documents/{received_id}/dmp", {}, "422")
    conforms("/received-documents/REC-404/dmp", "/adapter/v1/received-documents/{received_id}/dmp",
             {"identity_id": ident}, "404")
