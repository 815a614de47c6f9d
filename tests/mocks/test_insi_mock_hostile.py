"""INSi mock under hostile input, over a real socket: always a SOAP 1.2 fault, always recorded."""

from __future__ import annotations

import pytest
import requests
from conftest import MAX_BODY
from insi_mock_support import CT, SOAP12, Answer, traits_request

VALID = ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")
XXE = (b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>&x;</soap:Body>'
       b"</soap:Envelope>")
BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
                  b'<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>&b;</soap:Body>'
                  b"</soap:Envelope>")
SOAP11 = (b'<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
          b"<soapenv:Body/></soapenv:Envelope>")

HOSTILE = {
    "garbage": (b"\x00\xff not xml at all <<<", CT, "insi_001"),
    "xxe": (XXE, CT, "insi_001"),
    "billion-laughs": (BILLION_LAUGHS, CT, "insi_001"),
    "soap11": (SOAP11, "text/xml; charset=utf-8", "insi_003"),
    "empty": (b"", CT, "insi_001"),
    "not-an-envelope": (b"<a/>", CT, "insi_001"),
    "json": (b'{"nom": "ADRTROIS"}', "application/json", "insi_001"),
    "oversized": (b"<a>" + b"x" * (MAX_BODY + 10) + b"</a>", CT, "insi_004"),
    "wrong-content-type": (None, "text/plain", "insi_002"),
    "no-body-child": (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>',
                      CT, "insi_001"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_gets_a_recorded_soap12_fault(live, store, name):
    body, content_type, code = HOSTILE[name]
    if body is None:
        body = traits_request(*VALID)
    before = store.count()
    response = requests.post(f"{live}/lps", data=body, headers={"Content-Type": content_type}, timeout=10)
    assert response.headers["Content-Type"].startswith("application/soap+xml")
    assert b"Traceback" not in response.content and b"<html" not in response.content.lower()
    answer = Answer(response.status_code, response.content)
    assert answer.root.tag == f"{{{SOAP12}}}Envelope"
    assert answer.erreur_code == code
    assert 400 <= response.status_code < 500
    assert store.count() == before + 1
    recorded = store.exchanges(service="insi")[-1]
    assert recorded.status == response.status_code
    assert recorded.errors, "the problem must be a recorded finding"


def test_soap11_is_version_mismatch(live):
    response = requests.post(f"{live}/lps", data=SOAP11, headers={"Content-Type": "text/xml"}, timeout=10)
    assert Answer(response.status_code, response.content).fault_code == "soap:VersionMismatch"


def test_store_stays_intact_after_hostile_inputs(live, store):
    valid = traits_request(*VALID)
    ok = requests.post(f"{live}/lps", data=valid, headers={"Content-Type": CT}, timeout=10)
    assert Answer(ok.status_code, ok.content).code_cr == "00"
    for body, content_type, _ in HOSTILE.values():
        requests.post(f"{live}/lps", data=body or valid, headers={"Content-Type": content_type}, timeout=10)
    exchanges = requests.get(f"{live}/_admin/exchanges", timeout=10).json()
    assert len(exchanges) == 1 + len(HOSTILE)
    assert "<CodeCR>00</CodeCR>" in exchanges[0]["response_body"]
    assert exchanges[0]["request_body"] == valid.decode()


def test_other_methods_and_paths_do_not_leak_html(live):
    assert requests.get(f"{live}/lps", timeout=10).status_code == 405
    response = requests.post(f"{live}/autre", data=b"x", timeout=10)
    assert response.status_code == 404
    assert b"<html" not in response.content.lower()
