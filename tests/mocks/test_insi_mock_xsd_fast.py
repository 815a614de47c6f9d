"""One libxml2 validation of the whole envelope clears a valid request; the findings stay those of
element-by-element validation for every request, valid or not (seeded tree mutations)."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest
from conftest import insi_config
from insi_mock_support import Envelope, traits_request, vitale_request
from lxml import etree

from segur_harness.mocks.framework.checks import Checks
from segur_harness.mocks.framework.soap import SoapError, parse_soap12
from segur_harness.mocks.insi.service import InsiService

VALID = [
    traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-02-26"),
    traits_request("DOUBLON", ["MARIE", "CLAIRE"], "F", "1985-05-12", "63113"),
    vitale_request(("1970512345678", "12"), "1997-02-26", "1"),
    traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-02-26", env=Envelope(
        security='<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-'
                 'secext-1.0.xsd"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Version="2.0"'
                 ' ID="_a1" IssueInstant="2024-07-05T13:58:27Z"><saml:Issuer>medecin</saml:Issuer></saml:Assertion>'
                 "</wsse:Security>")),
]


def _mutate(rng: random.Random, data: bytes) -> bytes:
    root = etree.fromstring(data)
    elements = list(root.iter(etree.Element))[1:]
    target = rng.choice(elements)
    parent = target.getparent()
    kind = rng.randrange(8)
    if kind == 0 and parent is not None:
        parent.remove(target)
    elif kind == 1 and parent is not None:
        parent.insert(parent.index(target), copy.deepcopy(target))
    elif kind == 2:
        target.set(rng.choice(["x", "Version", "Nature", "{http://www.w3.org/2003/05/soap-envelope}mustUnderstand"]),
                   rng.choice(["1", "true", "", "CTXLPS"]))
    elif kind == 3:
        target.text = rng.choice(["", "x", "2024-13-45", "ABC" * 40, "  "])
    elif kind == 4 and parent is not None and len(parent) > 1:
        parent.append(target)  # moved last: order changes
    elif kind == 5:
        etree.SubElement(target, rng.choice(["{urn:x}Unknown", "Plain", target.tag]))
    elif kind == 6:
        target.tag = rng.choice(["{urn:x}Other", "{http://www.w3.org/2005/08/addressing}To", "NoNamespace"])
    else:
        target.append(etree.Comment("c"))
    return etree.tostring(root)


def _findings(service: InsiService, data: bytes) -> list[tuple[str, str, str]] | None:
    try:
        soap = parse_soap12(data, 1 << 20)
    except SoapError:
        return None
    checks = Checks()
    service._validate_xsd(soap, checks)
    return [(f.rule, f.message, f.location) for f in checks.findings]


def test_whole_envelope_validation_gives_the_element_findings(tmp_path: Path, insi_wsdl: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    service = InsiService(insi_config(tmp_path))
    assert service.schemas is not None and service.schemas.envelope() is not None
    rng = random.Random(11)
    documents = list(VALID)
    for _ in range(300):
        data = rng.choice(VALID)
        for _ in range(rng.randint(1, 3)):
            data = _mutate(rng, data)
        documents.append(data)
    fast = [_findings(service, data) for data in documents]
    monkeypatch.setattr(type(service.schemas), "envelope", lambda self: None)
    slow = [_findings(service, data) for data in documents]
    assert fast == slow
    assert fast[:len(VALID)] == [[]] * len(VALID), fast[:len(VALID)]
    assert sum(1 for found in fast if found) > 50  # the mutations reach the element-by-element path
