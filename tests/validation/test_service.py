"""The validation service answers what the in-process engine answers, and the client reports an absent service."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from segur_harness.validation import FileResult, get_engine
from segur_harness.validation.remote import RemoteEngine, ValidationServiceError
from segur_harness.validation.service import create_app


@pytest.fixture(scope="module")
def served(cisis_pack: Path) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, create_app(get_engine(cisis_pack)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()


def test_remote_result_equals_local_result(served: str, cisis_pack: Path) -> None:
    data = (cisis_pack / "ExemplesCDA" / "VAC-NOTE_2023.01.xml").read_bytes()
    local = get_engine(cisis_pack).validate_document(data, "vac.xml")
    remote = RemoteEngine(served).validate_document(data, "vac.xml")
    assert remote.to_dict() == local.to_dict()
    assert RemoteEngine(served).info() == get_engine(cisis_pack).info()


def test_garbage_gets_findings_not_an_http_error(served: str) -> None:
    result = RemoteEngine(served).validate_document(b"<<not xml", "bad.xml")
    assert not result.valid and result.errors[0].rule_id.startswith("PARSE")


def test_file_result_round_trips_through_json(cisis_pack: Path) -> None:
    data = (cisis_pack / "ExemplesCDA" / "LDL-SES_2022.01.xml").read_bytes().replace(b"11490-0", b"00000-0")
    result = get_engine(cisis_pack).validate_document(data, "ldl.xml")
    assert not result.valid
    assert FileResult.from_dict(result.to_dict()).to_dict() == result.to_dict()


def test_absent_service_is_a_clear_error() -> None:
    from segur_harness.processes import free_port

    with pytest.raises(ValidationServiceError, match="validation service"):
        RemoteEngine(f"http://127.0.0.1:{free_port()}", timeout=2).validate_document(b"<x/>", "x.xml")
