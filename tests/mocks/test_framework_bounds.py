"""Bounded cost per request: attack shapes are answered within a fixed multiple of a normal request's time.

A test, not a benchmark: the multiple is generous (the machine is shared), but
a cost quadratic in the attributes (2.4 s for 1,000 before) or unbounded in
depth or text fails it by orders of magnitude.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest
from conftest import insi_config
from insi_mock_support import CT, Answer, traits_request

from segur_harness.config import load_config
from segur_harness.mocks.framework import create_mock_app
from segur_harness.mocks.framework.soap import SOAP_LIMITS
from segur_harness.mocks.insi.service import InsiService
from segur_harness.store import Store
from segur_harness.xmlsafe import XmlLimits, XmlRejected, parse_xml

VALID = traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")
MULTIPLE = 60
"""An attack answer may take at most this many times a normal request, plus PER_MB for each MB of body."""
PER_MB = 2.0
"""Seconds per MB of body: the linear part (Python checks cost a few µs per element; quadratic shapes took minutes)."""


def _attributes(n: int) -> bytes:
    return VALID.replace(b"<ns:NomNaissance>", b"<ns:NomNaissance " + " ".join(f'a{i}="x"' for i in range(n)).encode()
                         + b">")


ATTACKS = {
    "30-undeclared-attributes": _attributes(30),
    "60-undeclared-attributes": _attributes(60),
    "1000-undeclared-attributes": _attributes(1000),
    "20000-undeclared-attributes": _attributes(20000),
    "50000-undeclared-attributes": _attributes(50000),
    "nesting-60": VALID.replace(b"</ns:RECSANSVITALE>", b"<x>" * 60 + b"</x>" * 60 + b"</ns:RECSANSVITALE>"),
    "nesting-250": VALID.replace(b"</ns:RECSANSVITALE>", b"<x>" * 250 + b"</x>" * 250 + b"</ns:RECSANSVITALE>"),
    "nesting-100000": VALID.replace(b"</ns:RECSANSVITALE>", b"<x>" * 100000 + b"</x>" * 100000
                                    + b"</ns:RECSANSVITALE>"),
    "100000-elements": VALID.replace(b"</ns:RECSANSVITALE>", b"<x/>" * 100000 + b"</ns:RECSANSVITALE>"),
    "90000-elements": VALID.replace(b"</ns:RECSANSVITALE>", b"<x/>" * 90000 + b"</ns:RECSANSVITALE>"),
    "5000-foreign-elements": VALID.replace(b"</ns:RECSANSVITALE>", b"<ns:Prenom>A</ns:Prenom>" * 5000
                                           + b"</ns:RECSANSVITALE>"),
    "huge-text-2MB": VALID.replace(b"ADRTROIS", b"A" * 2_000_000),
    "huge-attribute-2MB": VALID.replace(b"<ns:NomNaissance>", b'<ns:NomNaissance a="' + b"x" * 2_000_000 + b'">'),
    "many-namespaces": VALID.replace(b"<ns:NomNaissance>", b"<ns:NomNaissance "
                                     + " ".join(f'xmlns:p{i}="urn:p{i}"' for i in range(20000)).encode() + b">"),
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    cfg = insi_config(tmp_path_factory.mktemp("bounds"))
    cfg["mocks"]["max_body_bytes"] = 4 * 1024 * 1024
    cfg["mocks"]["insi"]["max_body_bytes"] = 4 * 1024 * 1024  # the parser's bounds, not the size bound, are tested
    app = create_mock_app(InsiService(cfg), Store(Path(cfg["paths"]["store"])), max_body_bytes=4 * 1024 * 1024)
    return app.test_client()


def _timed(client, body: bytes) -> tuple[float, int, bytes]:
    start = time.perf_counter()
    response = client.post("/lps", data=body, content_type=CT)
    return time.perf_counter() - start, response.status_code, response.data


@pytest.fixture(scope="module")
def normal_time(client) -> float:
    for _ in range(5):
        _timed(client, VALID)
    return statistics.median(_timed(client, VALID)[0] for _ in range(15))


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_shape_answered_in_bounded_time(client, normal_time: float, name: str) -> None:
    elapsed, status, body = _timed(client, ATTACKS[name])
    assert elapsed < MULTIPLE * normal_time + PER_MB * len(ATTACKS[name]) / 1_000_000, (
        f"{name}: {elapsed:.3f} s against {normal_time * 1000:.1f} ms for a normal request"
    )
    answer = Answer(status, body)
    assert answer.root is not None  # always a SOAP envelope


@pytest.mark.parametrize("name", ["1000-undeclared-attributes", "nesting-250", "100000-elements", "huge-text-2MB"])
def test_above_a_bound_is_a_clear_soap_fault(client, name: str) -> None:
    _, status, body = _timed(client, ATTACKS[name])
    answer = Answer(status, body)
    assert status == 400 and answer.erreur_code == "insi_001"
    reason = "".join(answer.root.itertext())  # the detail names the bound
    assert any(word in reason for word in ("attributes", "nested", "elements", "too long")), reason


def test_few_undeclared_attributes_are_explained_by_the_xsd_layer(client) -> None:
    """Below the parser's bound the request goes through and the XSD layer names the undeclared attribute."""
    _, status, body = _timed(client, ATTACKS["30-undeclared-attributes"])
    assert Answer(status, body).code_cr == "00"


@pytest.mark.parametrize(("limits", "data", "word"), [
    (XmlLimits(max_depth=3), b"<a><b><c><d/></c></b></a>", "nested"),
    (XmlLimits(max_attributes=2), b'<a x="1" y="2" z="3"/>', "attributes"),
    (XmlLimits(max_elements=3), b"<a><b/><b/><b/></a>", "elements"),
    (XmlLimits(max_text=4), b"<a>12345</a>", "too long"),
    (XmlLimits(max_text=4), b'<a v="12345"/>', "too long"),
])
def test_xmlsafe_bounds_give_a_clear_reason(limits: XmlLimits, data: bytes, word: str) -> None:
    with pytest.raises(XmlRejected) as caught:
        parse_xml(data, limits=limits)
    assert word in caught.value.reason


def test_xmlsafe_bounds_accept_what_is_at_the_bound() -> None:
    parse_xml(b"<a><b><c/></b></a>", limits=XmlLimits(max_depth=3, max_elements=3))
    parse_xml(b'<a x="1" y="2">1234</a>', limits=XmlLimits(max_attributes=2, max_text=4))
    parse_xml(VALID, limits=SOAP_LIMITS)


@pytest.fixture(scope="module")
def default_bound(tmp_path_factory: pytest.TempPathFactory):
    """The INSi mock with its shipped body bound ([mocks.insi] max_body_bytes) under a 10 MB framework bound."""
    cfg = insi_config(tmp_path_factory.mktemp("insi-bound"))
    cfg["mocks"]["max_body_bytes"] = 10 * 1024 * 1024
    store = Store(Path(cfg["paths"]["store"]))
    service = InsiService(cfg)
    return create_mock_app(service, store, max_body_bytes=10 * 1024 * 1024).test_client(), store, service.body_limit


def test_insi_body_bound_is_configuration_far_above_a_real_request() -> None:
    cfg = load_config({})
    assert cfg["mocks"]["insi"]["max_body_bytes"] == 128 * 1024
    assert 50 * len(VALID) < cfg["mocks"]["insi"]["max_body_bytes"] < cfg["mocks"]["max_body_bytes"] / 50


@pytest.mark.parametrize("name", ["20000-undeclared-attributes", "huge-text-2MB", "huge-attribute-2MB",
                                  "100000-elements"])
def test_above_the_insi_body_bound_is_a_413_fault_recorded_at_once(default_bound, normal_time: float,
                                                                    name: str) -> None:
    client, store, limit = default_bound
    assert len(ATTACKS[name]) > limit
    before = len(store.exchanges())
    elapsed, status, body = _timed(client, ATTACKS[name])
    answer = Answer(status, body)
    assert status == 413 and answer.erreur_code == "insi_004", body[:300]
    assert elapsed < 10 * normal_time + 0.05, f"{name}: {elapsed * 1000:.1f} ms, not refused from its length"
    rows = store.exchanges()[before:]
    assert len(rows) == 1 and rows[0].status == 413 and rows[0].response_body == body
    assert len(rows[0].request_body) <= limit


def test_at_the_insi_body_bound_the_parser_decides(default_bound) -> None:
    client, _, limit = default_bound
    padded = VALID + b"\n" * (limit - len(VALID))  # white space after the root element: no node, no text
    assert len(padded) == limit
    _, status, body = _timed(client, padded)
    assert Answer(status, body).code_cr == "00"
    _, status, body = _timed(client, padded + b" ")
    assert status == 413 and Answer(status, body).erreur_code == "insi_004"
