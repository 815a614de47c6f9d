"""Every request recorded and answered in the service's own shape, whatever its path, method or body."""

from __future__ import annotations

import io
import sqlite3
import time
from pathlib import Path

import pytest
from insi_mock_support import CT, SOAP12, Answer, traits_request

from segur_harness.mocks.framework import MockResult, create_mock_app
from segur_harness.store import Behaviour, Store

VALID = traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/lps", 405), ("PUT", "/lps", 405), ("DELETE", "/lps", 405), ("OPTIONS", "/lps", 405),
    ("PATCH", "/lps", 405), ("POST", "/LPS", 404), ("GET", "/", 404), ("POST", "/autre/chemin", 404),
    ("BREW", "/lps", 405),
])
def test_unknown_paths_and_methods_are_recorded_soap_faults(client, store, method: str, path: str, status: int):
    response = client.open(path, method=method, data=b"<x/>", content_type=CT)
    assert response.status_code == status
    assert response.content_type.startswith("application/soap+xml")
    assert Answer(status, response.data).root.tag == f"{{{SOAP12}}}Envelope"
    (recorded,) = store.exchanges(service="insi")
    assert (recorded.method, recorded.path, recorded.status) == (method, path, status)
    assert recorded.request_body == b"<x/>"
    assert recorded.errors


def test_head_is_recorded_and_has_no_body(client, store):
    response = client.head("/lps")
    assert response.status_code == 405 and response.data == b""
    assert [e.method for e in store.exchanges()] == ["HEAD"]


def test_admin_api_is_json_and_not_recorded(client, store):
    response = client.get("/_admin/nope")
    assert response.status_code == 404 and response.is_json
    assert client.delete("/_admin/health").status_code == 405
    assert store.count() == 0


def test_a_crashing_service_is_answered_in_protocol_and_recorded(app_store, monkeypatch):
    app, store = app_store
    service = app.extensions["segur_mock_pipeline"].service
    monkeypatch.setattr(service, "handle", lambda request, body: 1 / 0)
    response = app.test_client().post("/lps", data=VALID, content_type=CT)
    assert response.status_code == 500 and b"ZeroDivisionError" not in response.data
    assert Answer(500, response.data).erreur_code == "insi_102"
    assert "MOCK-CRASH" in {f.rule for f in store.exchanges()[0].findings}


def test_when_even_protocol_error_crashes_a_soap_fault_is_still_recorded(app_store, monkeypatch):
    app, store = app_store
    service = app.extensions["segur_mock_pipeline"].service
    monkeypatch.setattr(service, "handle", lambda request, body: 1 / 0)
    monkeypatch.setattr(service, "protocol_error", lambda *a, **k: 1 / 0)
    response = app.test_client().post("/lps", data=VALID, content_type=CT)
    assert response.status_code == 500
    assert Answer(500, response.data).fault_code == "soap:Receiver"
    assert store.count() == 1


def test_a_store_that_refuses_the_record_gives_a_technical_fault_not_the_answer(app_store, monkeypatch):
    app, store = app_store

    def refuse(exchange):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store, "record", refuse)
    response = app.test_client().post("/lps", data=VALID, content_type=CT)
    assert response.status_code == 500
    answer = Answer(500, response.data)
    assert answer.code_cr is None and answer.erreur_code == "insi_102"
    assert b"database is locked" not in response.data


class _Garbled(io.RawIOBase):
    """A body stream that yields some bytes then fails, like gunicorn on a bad chunk size."""

    def __init__(self, first: bytes, error: Exception) -> None:
        self.parts = [first]
        self.error = error

    def read(self, size: int = -1) -> bytes:
        if self.parts:
            return self.parts.pop()
        raise self.error


def _environ(stream, length: str | None = None) -> dict:
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/lps", "CONTENT_TYPE": CT, "wsgi.input": stream,
           "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
           "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input_terminated": True}
    if length is not None:
        env["CONTENT_LENGTH"] = length
    return env


def _call(app, environ) -> tuple[str, dict, bytes]:
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def test_a_garbled_chunked_body_is_recorded_with_what_arrived(app_store):
    app, store = app_store
    stream = _Garbled(b"<soap:Envelope", ValueError("Invalid chunk size: b'ZZZ'"))
    status, headers, body = _call(app, _environ(stream))
    assert status.startswith("400") and headers["Connection"] == "close"
    assert Answer(400, body).erreur_code == "insi_001"
    (recorded,) = store.exchanges()
    assert recorded.request_body == b"<soap:Envelope"
    assert "chunk" in recorded.errors[0].message


def test_a_body_shorter_than_announced_is_recorded_as_cut_off(app_store):
    app, store = app_store
    status, _, _ = _call(app, _environ(io.BytesIO(b"<soap:Env"), length="500"))
    assert status.startswith("400")
    assert "cut off" in store.exchanges()[0].errors[0].message


def test_a_body_that_does_not_arrive_in_time_is_408(tmp_path: Path):
    from conftest import insi_config

    from segur_harness.mocks.insi.service import InsiService

    cfg = insi_config(tmp_path)
    store = Store(cfg["paths"]["store"])
    app = create_mock_app(InsiService(cfg), store, max_body_bytes=1 << 16, body_timeout=0.2)

    class Slow(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            time.sleep(0.15)
            return b"<"

    status, _, body = _call(app, _environ(Slow()))
    assert status.startswith("408")
    assert Answer(408, body).root.tag == f"{{{SOAP12}}}Envelope"
    assert store.exchanges()[0].request_body.startswith(b"<")


def test_behaviours_are_not_taken_with_the_write_lock_when_there_are_none(store):
    assert store.take_behaviour("insi", "x") is None
    store.add_behaviour("insi", Behaviour("delay", None, {"seconds": 0}, 1))
    assert store.take_behaviour("insi", "x") is not None
    assert store.take_behaviour("insi", "x") is None


def test_service_routes_stay_visible_in_the_url_map(app_store):
    app, _ = app_store
    assert "/lps" in {rule.rule for rule in app.url_map.iter_rules()}


def test_mock_result_is_the_public_contract():
    assert MockResult(200, b"", "text/plain", "op").headers == {}
