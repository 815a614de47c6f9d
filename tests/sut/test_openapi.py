"""The adapter contract (sut/openapi.json) is a sound OpenAPI 3.1 document and the reference SUT keeps to it."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

import segur_harness.sut
from segur_harness.sut.reference.api import CONTRACT_VERSION, PREFIX, create_app
from segur_harness.sut.reference.settings import SutSettings

OPENAPI = Path(segur_harness.sut.__file__).resolve().parent / "openapi.json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


@pytest.fixture
def client() -> FlaskClient:
    settings = SutSettings(idam="TEST-IDAM-0001", lps_name="SEGUR-HARNESS-SUT", lps_version="1.0.0")
    return create_app(settings).test_client()


def _served_routes() -> set[tuple[str, str]]:
    app = create_app(SutSettings(idam="i", lps_name="n", lps_version="v"))
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        routes |= {(path, m.lower()) for m in rule.methods if m.lower() in HTTP_METHODS}
    return routes


def _documented_routes(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method) for path, item in spec["paths"].items() for method in item if method in HTTP_METHODS}


def test_document_is_openapi_31_with_a_semver_version(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1.")
    assert re.fullmatch(r"\d+\.\d+\.\d+", spec["info"]["version"])
    assert spec["info"]["version"] == CONTRACT_VERSION, "the reference SUT must report the documented version"
    assert all(path.startswith("/adapter/v1/") for path in spec["paths"]), "the major version lives in the path"


def test_every_route_the_sut_serves_is_documented_and_vice_versa(spec: dict[str, Any]) -> None:
    served, documented = _served_routes(), _documented_routes(spec)
    assert served - documented == set(), "routes served but not in openapi.json"
    assert documented - served == set(), "routes documented but not served by the reference SUT"


def test_every_ref_resolves_and_every_operation_is_described(spec: dict[str, Any]) -> None:
    text = json.dumps(spec)
    names = set(spec["components"]["schemas"])
    missing = {ref for ref in re.findall(r'"#/components/schemas/([^"]+)"', text) if ref not in names}
    assert missing == set()
    ids = []
    for path, method in _documented_routes(spec):
        operation = spec["paths"][path][method]
        ids.append(operation["operationId"])
        assert operation.get("summary") and operation.get("responses"), f"{method} {path} is not described"
        assert isinstance(operation.get("x-segur-required"), bool), f"{method} {path}: say if editors must implement it"
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert "application/problem+json" in response["content"], f"{method} {path} {status}: problem+json"
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def _schema(spec: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    content = spec["paths"][path][method]["responses"][status]["content"]
    return next(iter(content.values()))["schema"]


NEW_IDENTITY = {"birth_name": "ECETINSI", "birth_first_names": ["PIERRE-ALAIN"], "sex": "M",
                "birth_date": "2009-07-14", "user": "IDE.MARTIN"}


def test_reference_sut_answers_match_the_documented_schemas(spec: dict[str, Any], client: FlaskClient,
                                                           schema_check) -> None:
    def conforms(reply, path: str, method: str, status: str) -> None:
        assert str(reply.status_code) == status, reply.get_data(as_text=True)
        errors = schema_check(reply.get_json(), _schema(spec, path, method, status), spec)
        assert errors == [], f"{method.upper()} {path}: {errors}"

    conforms(client.get("/adapter/v1/info"), "/adapter/v1/info", "get", "200")
    created = client.post("/adapter/v1/identities", json=NEW_IDENTITY)
    conforms(created, "/adapter/v1/identities", "post", "201")
    ident = created.get_json()["id"]
    conforms(client.get(f"/adapter/v1/identities/{ident}"), "/adapter/v1/identities/{identity_id}", "get", "200")
    conforms(client.post(f"/adapter/v1/identities/{ident}/documents", json={"type": "CNI"}),
             "/adapter/v1/identities/{identity_id}/documents", "post", "201")
    conforms(client.get(f"/adapter/v1/identities/{ident}/export"),
             "/adapter/v1/identities/{identity_id}/export", "get", "200")
    conforms(client.post(f"/adapter/v1/identities/{ident}/insi/traits-search", json={}),
             "/adapter/v1/identities/{identity_id}/insi/traits-search", "post", "200")
    conforms(client.get("/adapter/v1/insi-calls"), "/adapter/v1/insi-calls", "get", "200")
    conforms(client.put("/adapter/v1/services", json={"insi": "http://127.0.0.1:9/lps", "insi_timeout_seconds": 1}),
             "/adapter/v1/services", "put", "200")
    produced = client.post("/adapter/v1/documents", json={"identity_id": ident, "kind": "VAC-NOTE", "content": {}})
    conforms(produced, "/adapter/v1/documents", "post", "201")
    doc = produced.get_json()["id"]
    conforms(client.get(f"/adapter/v1/documents/{doc}"), "/adapter/v1/documents/{document_id}", "get", "200")
    conforms(client.post(f"/adapter/v1/documents/{doc}/replace", json={}),
             "/adapter/v1/documents/{document_id}/replace", "post", "201")
    conforms(client.get("/adapter/v1/documents"), "/adapter/v1/documents", "get", "200")
    received = client.post("/adapter/v1/received-documents",
                           json={"cda_base64": base64.b64encode(client.get(f"/adapter/v1/documents/{doc}/cda").data)
                                 .decode()})
    conforms(received, "/adapter/v1/received-documents", "post", "200")
    conforms(client.get("/adapter/v1/received-documents"), "/adapter/v1/received-documents", "get", "200")
    conforms(client.post("/adapter/v1/documents", json={"identity_id": ident, "kind": "XX"}),
             "/adapter/v1/documents", "post", "422")
    conforms(client.post(f"/adapter/v1/documents/{doc}/replace", json={}),
             "/adapter/v1/documents/{document_id}/replace", "post", "409")
    conforms(client.get("/adapter/v1/documents/DOC-404"), "/adapter/v1/documents/{document_id}", "get", "404")
    conforms(client.post("/adapter/v1/identities", json={"birth_name": ""}), "/adapter/v1/identities", "post", "422")
    conforms(client.get("/adapter/v1/identities/PAT-404"), "/adapter/v1/identities/{identity_id}", "get", "404")


def test_errors_are_problem_json(client: FlaskClient) -> None:
    for reply in (client.post("/adapter/v1/identities", json={"sex": "X"}),
                  client.post("/adapter/v1/identities", data="[", content_type="application/json"),
                  client.get("/adapter/v1/identities/nope"), client.get("/adapter/v1/nowhere"),
                  client.delete("/adapter/v1/info")):
        assert reply.mimetype == "application/problem+json", reply.get_data(as_text=True)
        body = reply.get_json()
        assert body["status"] == reply.status_code and body["type"].startswith("urn:segur-harness:adapter:problem:")


def test_reset_forgets_identities_and_traces(client: FlaskClient) -> None:
    ident = client.post("/adapter/v1/identities", json=NEW_IDENTITY).get_json()["id"]
    client.put("/adapter/v1/services", json={"insi": "http://127.0.0.1:9/lps", "insi_timeout_seconds": 1})
    client.post(f"/adapter/v1/identities/{ident}/insi/traits-search", json={})
    assert client.get("/adapter/v1/insi-calls").get_json()["calls"]
    assert client.post("/adapter/v1/reset").status_code == 204
    assert client.get(f"/adapter/v1/identities/{ident}").status_code == 404
    assert client.get("/adapter/v1/insi-calls").get_json()["calls"] == []


def test_the_schema_checker_catches_a_broken_answer(spec: dict[str, Any], schema_check) -> None:
    broken = {"id": "P1", "status": "CERTIFIED", "traits": {"birth_name": "X", "birth_first_names": [], "sex": "M",
                                                           "birth_date": "2000-01-01"}, "ins": {"matricule": "1"}}
    errors = schema_check(broken, {"$ref": "#/components/schemas/Identity"}, spec)
    assert any("CERTIFIED" in e for e in errors)
    assert any("birth_first_names" in e for e in errors)
    assert any("ins" in e for e in errors)


def test_dmp_routes_answer_match_the_documented_schemas(spec: dict[str, Any], schema_check, tmp_path) -> None:
    from .dmp_helpers import harness
    from .dmp_stub import running_stub

    def conforms(reply, path: str, method: str, status: str) -> dict[str, Any]:
        assert str(reply.status_code) == status, reply.get_data(as_text=True)
        errors = schema_check(reply.get_json(), _schema(spec, path, method, status), spec)
        assert errors == [], f"{method.upper()} {path}: {errors}"
        return reply.get_json()

    for reachable in (True, False):
        with running_stub() as (url, state):
            h = harness(url if reachable else None, pki_dir=str(tmp_path))
            client = h.client
            if not reachable:
                reply = client.put("/adapter/v1/services", json={"dmp": "http://127.0.0.1:9", "dmp_timeout_seconds": 1})
                body = conforms(reply, "/adapter/v1/services", "put", "200")
                assert body["dmp"] == "http://127.0.0.1:9" and body["insi"] is None
            ident = h.identity()
            doc = h.document(ident)["id"]
            conforms(client.post(f"/adapter/v1/identities/{ident}/dmp/test-existence", json={"mode": "normal"}),
                     "/adapter/v1/identities/{identity_id}/dmp/test-existence", "post", "200")
            fed = conforms(client.post(f"/adapter/v1/documents/{doc}/dmp", json={"confidentiality": {}}),
                           "/adapter/v1/documents/{document_id}/dmp", "post", "200")
            assert fed["outcome"] == ("SUCCESS" if reachable else "ERROR")
            conforms(client.post(f"/adapter/v1/documents/{doc}/dmp/visibility", json={"masque_ps": True}),
                     "/adapter/v1/documents/{document_id}/dmp/visibility", "post", "200")
            conforms(client.post(f"/adapter/v1/documents/{doc}/dmp/status", json={"status": "archived"}),
                     "/adapter/v1/documents/{document_id}/dmp/status", "post", "200")
            conforms(client.post(f"/adapter/v1/identities/{ident}/dmp/search", json={"include_archived": True}),
                     "/adapter/v1/identities/{identity_id}/dmp/search", "post", "200")
            if fed["unique_id"]:
                state.documents[fed["unique_id"]] = client.get(f"/adapter/v1/documents/{doc}/cda").data
            conforms(client.post(f"/adapter/v1/identities/{ident}/dmp/retrieve",
                                 json={"unique_id": fed["unique_id"] or "1.2.3"}),
                     "/adapter/v1/identities/{identity_id}/dmp/retrieve", "post", "200")
            calls = conforms(client.get(f"/adapter/v1/dmp-calls?identity_id={ident}"), "/adapter/v1/dmp-calls",
                             "get", "200")["calls"]
            assert calls and all(c["identity_id"] == ident for c in calls)
            conforms(client.post(f"/adapter/v1/documents/{doc}/dmp/status", json={"status": "gone"}),
                     "/adapter/v1/documents/{document_id}/dmp/status", "post", "422")
            conforms(client.post("/adapter/v1/identities/PAT-404/dmp/search", json={}),
                     "/adapter/v1/identities/{identity_id}/dmp/search", "post", "404")
            conforms(client.post("/adapter/v1/documents/DOC-404/dmp", json={}),
                     "/adapter/v1/documents/{document_id}/dmp", "post", "404")
            conforms(client.post(f"/adapter/v1/identities/{ident}/dmp/retrieve", json={"mode": "x"}),
                     "/adapter/v1/identities/{identity_id}/dmp/retrieve", "post", "422")


def test_services_keeps_the_1_1_rules_and_accepts_dmp_alone(client: FlaskClient) -> None:
    assert client.put("/adapter/v1/services", json={}).status_code == 422
    assert client.put("/adapter/v1/services", json={"insi_timeout_seconds": 1}).status_code == 422
    assert client.put("/adapter/v1/services", json={"dmp": "ftp://x"}).status_code == 422
    assert client.put("/adapter/v1/services", json={"dmp": "http://127.0.0.1:18082", "insi": 3}).status_code == 422
    reply = client.put("/adapter/v1/services", json={"dmp": "http://127.0.0.1:18082/"})
    assert reply.status_code == 200 and reply.get_json()["dmp"] == "http://127.0.0.1:18082"
    info = client.get("/adapter/v1/info").get_json()
    assert "dmp" in info["capabilities"] and info["contract_version"] == "1.4.0"


def test_services_1_3_takes_psc_and_mss_and_validates_every_url(client: FlaskClient) -> None:
    for wrong in ({"psc": "ftp://x"}, {"mss-smtp": "http://127.0.0.1:25"}, {"mss-imap": "imap://127.0.0.1"},
                  {"mss-smtp": "smtp://127.0.0.1:587/x"}, {"psc": "http://x", "mss_timeout_seconds": 0},
                  {"unknown": "x"}, {"mss_timeout_seconds": 5}):
        assert client.put("/adapter/v1/services", json=wrong).status_code == 422, wrong
    reply = client.put("/adapter/v1/services", json={
        "insi": "http://127.0.0.1:18081/lps", "dmp": "http://127.0.0.1:18082", "psc": "http://127.0.0.1:18083/",
        "mss-smtp": "smtp://127.0.0.1:18587", "mss-imap": "imap://localhost:18143", "insi_timeout_seconds": 2,
        "mss_timeout_seconds": 7, "psc_timeout_seconds": 3, "something-new": True})
    assert reply.status_code == 200
    assert {k: v for k, v in reply.get_json().items() if k.startswith(("psc", "mss"))} == {
        "psc": "http://127.0.0.1:18083", "psc_timeout_seconds": 3.0, "mss-smtp": "smtp://127.0.0.1:18587",
        "mss-imap": "imap://localhost:18143", "mss_timeout_seconds": 7.0}
    assert client.put("/adapter/v1/services", json={"mss-smtp": "smtp://127.0.0.1:2525"}).get_json()["mss-imap"] == \
        "imap://localhost:18143"
    assert {"psc", "mss"} <= set(client.get("/adapter/v1/info").get_json()["capabilities"])


def test_psc_and_mss_routes_answer_match_the_documented_schemas(spec: dict[str, Any], schema_check, mss) -> None:
    from .mss_helpers import DOCTOR, DOCTOR_BOX, PHARMACIST_BOX, sut_for

    def conforms(reply, path: str, method: str, status: str) -> dict[str, Any]:
        assert str(reply.status_code) == status, reply.get_data(as_text=True)
        errors = schema_check(reply.get_json(), _schema(spec, path, method, status), spec)
        assert errors == [], f"{method.upper()} {path}: {errors}"
        return reply.get_json()

    h = sut_for(mss, imap_port=9)
    client = h.client
    doc = h.document(h.identity())["id"]
    send = {"documents": [doc], "from": DOCTOR_BOX, "rpps": DOCTOR, "to": [PHARMACIST_BOX], "to_patient": True}
    conforms(client.post("/adapter/v1/mss/send", json=send), "/adapter/v1/mss/send", "post", "200")
    conforms(client.post("/adapter/v1/psc/login", json={"rpps": DOCTOR}), "/adapter/v1/psc/login", "post", "200")
    conforms(client.get(f"/adapter/v1/psc/session?rpps={DOCTOR}"), "/adapter/v1/psc/session", "get", "200")
    sent = conforms(client.post("/adapter/v1/mss/send", json=send), "/adapter/v1/mss/send", "post", "200")
    assert sent["outcome"] == "SUCCESS", sent["message"]
    synced = conforms(client.post("/adapter/v1/mss/mailbox/sync", json={"mailbox": DOCTOR_BOX, "rpps": DOCTOR}),
                      "/adapter/v1/mss/mailbox/sync", "post", "200")
    assert synced["outcome"] == "ERROR"
    conforms(client.get("/adapter/v1/mss/messages"), "/adapter/v1/mss/messages", "get", "200")
    conforms(client.post("/adapter/v1/psc/logout", json={"rpps": DOCTOR}), "/adapter/v1/psc/logout", "post", "200")
    conforms(client.get("/adapter/v1/psc-calls"), "/adapter/v1/psc-calls", "get", "200")
    conforms(client.post("/adapter/v1/mss/send", json={**send, "documents": ["DOC-404"]}), "/adapter/v1/mss/send",
             "post", "404")
    conforms(client.post("/adapter/v1/mss/send", json={**send, "from": "x"}), "/adapter/v1/mss/send", "post", "422")
    conforms(client.post("/adapter/v1/psc/login", json={"rpps": "1"}), "/adapter/v1/psc/login", "post", "422")
    conforms(client.post("/adapter/v1/mss/mailbox/sync", json={"rpps": DOCTOR}), "/adapter/v1/mss/mailbox/sync",
             "post", "422")
