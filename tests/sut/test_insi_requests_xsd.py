"""The reference SUT's INSi client builds requests the official WSDL 1.5.0 XSDs accept.

Each header block and the body are validated against the XSD the WSDL binding
names for that part; the envelope itself is checked structurally (SOAP 1.2,
every header part present once, wsa:Action naming the operation).
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
import xmlschema
from lxml import etree

from segur_harness.sut.reference.insi_request import (
    ACTION_PREFIX,
    CTXBAM,
    CTXLPS,
    RECSANS,
    RECVIT,
    SOAP12,
    WSA,
    WSSE,
    Caller,
    TraitsQuery,
    VitaleQuery,
    traits_request,
    vitale_request,
)
from segur_harness.xmlsafe import parse_xml

XSD_FILES = {
    RECSANS: "xsd/ServiceIdentiteCertifiee/INSi_RECSANS_INS.xsd",
    RECVIT: "xsd/ServiceIdentiteCertifiee/INSi_RECVITALE_INS.xsd",
    WSSE: "xsd/WSSE/Security.xsd",
    CTXLPS: "xsd/CTX/ROOT_ctxlps_CTXLPS_V01_00.xsd",
    CTXBAM: "xsd/CTX/ROOT_ctxbam_CTXBAM_V01_02.xsd",
}
CALLER = Caller(idam="TEST-IDAM-0001", lps_name="SEGUR-HARNESS-SUT", lps_version="1.0.0",
                instance="test-instance", user="IDE.MARTIN")


@pytest.fixture(scope="module")
def schema(insi_wsdl: Path, reference: Path) -> xmlschema.XMLSchema:
    """Every XSD the WSDL imports for request parts, WS-Addressing from the local W3C copy."""
    imports = [(ns, (insi_wsdl / rel).resolve()) for ns, rel in XSD_FILES.items()]
    ws_addr = reference / "w3c" / "ws-addr.xsd"
    if ws_addr.is_file():
        imports.append((WSA, ws_addr))
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:test:wrapper">'
        + "".join(f"<xs:import namespace={quoteattr(ns)} schemaLocation={quoteattr(p.as_uri())}/>" for ns, p in imports)
        + "</xs:schema>"
    )
    return xmlschema.XMLSchema(wrapper, allow="local")


def _parts(body: bytes) -> tuple[list[etree._Element], etree._Element]:
    root = parse_xml(body)
    assert root.tag == f"{{{SOAP12}}}Envelope", "not a SOAP 1.2 envelope"
    headers = [h for h in root.find(f"{{{SOAP12}}}Header") if isinstance(h.tag, str)]
    payload = [c for c in root.find(f"{{{SOAP12}}}Body") if isinstance(c.tag, str)]
    assert len(payload) == 1, "the Body must hold exactly one element"
    return headers, payload[0]


def _errors(schema: xmlschema.XMLSchema, element: etree._Element) -> list[str]:
    return [str(e.reason) for e in schema.iter_errors(element)]


REQUESTS = {
    "traits, first first name": lambda c: traits_request(TraitsQuery("DOUBLON", ["MARIE"], "F", "1985-05-12"), c),
    "traits, every first name and COG": lambda c: traits_request(
        TraitsQuery("DOUBLON", ["MARIE", "CLAIRE"], "F", "1985-05-12", "63113"), c),
    "carte Vitale, holder only": lambda c: vitale_request(
        VitaleQuery("2780563220555", "09", "2015-09-03", "2"), c),
    "carte Vitale, beneficiary NIR": lambda c: vitale_request(
        VitaleQuery("2780563220555", "09", "2015-09-03", "1", "GEMELLI", "1150963220301", "69"), c),
}


@pytest.mark.parametrize("build", REQUESTS.values(), ids=REQUESTS.keys())
def test_every_part_is_valid_against_the_official_xsd(schema: xmlschema.XMLSchema, build) -> None:
    built = build(CALLER)
    headers, payload = _parts(built.body)
    for element in [*headers, payload]:
        if element.tag not in schema.maps.elements:  # WS-Addressing when no local copy of its XSD
            assert element.tag.startswith(f"{{{WSA}}}"), f"no XSD declares {element.tag}"
            continue
        assert _errors(schema, element) == [], f"{etree.QName(element).localname} is not XSD-valid"


@pytest.mark.parametrize("build", REQUESTS.values(), ids=REQUESTS.keys())
def test_envelope_carries_every_header_part_of_the_binding_once(build) -> None:
    built = build(CALLER)
    headers, payload = _parts(built.body)
    tags = [h.tag for h in headers]
    for tag in (f"{{{WSSE}}}Security", f"{{{CTXLPS}}}ContexteLPS", f"{{{WSA}}}MessageID",
                f"{{{CTXBAM}}}ContexteBAM", f"{{{WSA}}}Action"):
        assert tags.count(tag) == 1, f"{tag} must appear once in the SOAP header"
    action = next(h.text for h in headers if h.tag == f"{{{WSA}}}Action")
    assert action == ACTION_PREFIX + built.operation
    message_id = next(h.text for h in headers if h.tag == f"{{{WSA}}}MessageID")
    assert message_id == built.message_id
    expected_body = {"rechercherInsAvecTraitsIdentite": f"{{{RECSANS}}}RECSANSVITALE",
                     "rechercherInsAvecCarteVitale": f"{{{RECVIT}}}RECVITALE"}[built.operation]
    assert payload.tag == expected_body


def test_lps_context_names_the_authorised_software() -> None:
    headers, _ = _parts(traits_request(TraitsQuery("X", ["Y"], "M", "2000-01-01"), CALLER).body)
    ctx = next(h for h in headers if h.tag == f"{{{CTXLPS}}}ContexteLPS")
    lps = ctx.find(f"{{{CTXLPS}}}LPS")
    assert lps.findtext(f"{{{CTXLPS}}}IDAM") == "TEST-IDAM-0001"
    assert lps.findtext(f"{{{CTXLPS}}}Nom") == "SEGUR-HARNESS-SUT"
    assert lps.findtext(f"{{{CTXLPS}}}Version") == "1.0.0"


def test_message_ids_are_unique() -> None:
    query = TraitsQuery("X", ["Y"], "M", "2000-01-01")
    assert len({traits_request(query, CALLER).message_id for _ in range(50)}) == 50


def test_first_names_are_sent_one_per_prenom_element_in_order() -> None:
    _, payload = _parts(traits_request(TraitsQuery("X", ["MARIE", "CLAIRE"], "F", "2000-01-01"), CALLER).body)
    assert [p.text for p in payload.iterfind(f"{{{RECSANS}}}Prenom")] == ["MARIE", "CLAIRE"]
    assert payload.find(f"{{{RECSANS}}}LieuNaissance") is None


def test_no_lps_context_defect_really_drops_the_header() -> None:
    caller = Caller("TEST-IDAM-0001", "SEGUR-HARNESS-SUT", "1.0.0", "i", "u", send_lps_context=False)
    headers, _ = _parts(traits_request(TraitsQuery("X", ["Y"], "M", "2000-01-01"), caller).body)
    assert f"{{{CTXLPS}}}ContexteLPS" not in [h.tag for h in headers]
