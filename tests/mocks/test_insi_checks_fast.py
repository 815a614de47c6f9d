"""The INSi header and body checks read children by tag from one pass: the findings stay those of a scan per
field (iterchildren / QName, the former primitives, restated here as the reference) on seeded mutations."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from insi_mock_support import Envelope, traits_request, vitale_request
from lxml import etree
from test_insi_mock_xsd_fast import VALID, _mutate

from segur_harness.mocks.framework.checks import Checks
from segur_harness.mocks.framework.soap import WSA_NS, SoapError, SoapRequest, parse_soap12
from segur_harness.mocks.insi import body, headers
from segur_harness.mocks.insi.protocol import HEADER_TAGS, NS_RECSANS, NS_RECVIT

EXTRA = [
    traits_request("A", "B", "F", "2000-01-01", env=Envelope(extra_headers='<wsa:To>x</wsa:To><u:H xmlns:u="urn:u"'
                                                             ' xmlns:soap="http://www.w3.org/2003/05/soap-envelope"'
                                                             ' soap:mustUnderstand="1"/>')),
    traits_request("A", "B", "F", "2000-01-01", env=Envelope(with_lps=False, with_bam=False, idam=None)),
    vitale_request(("1970512345678", "12"), "1997-02-26", "1", individu=("2970512345678", None), nom="X"),
]


class _Scan:
    """The former lookup: the first child of a tag found by a scan of the children at each lookup."""

    def __init__(self, parent: etree._Element | None) -> None:
        self.parent = parent

    def get(self, tag: str) -> etree._Element | None:
        return None if self.parent is None else next(self.parent.iterchildren(tag), None)

    def __contains__(self, tag: str) -> bool:
        return self.get(tag) is not None


def _header_set_reference(soap: SoapRequest, checks: Checks) -> None:
    """check_header_set without its shortcut: the duplicate and unknown header loops alone."""
    known = set(HEADER_TAGS.values())
    for tag, count in Counter(h.tag for h in soap.headers).items():
        if tag in known and count > 1:
            checks.error("INSI-HDR-DOUBLON", f"En-tête {etree.QName(tag).localname} présent {count} fois.", "Header",
                         fault="entete_invalide")
    for header in soap.headers:
        if header.tag in known or header.tag.startswith(f"{{{WSA_NS}}}"):
            continue
        must = (header.get("{http://www.w3.org/2003/05/soap-envelope}mustUnderstand") or "").strip().lower()
        name = etree.QName(header)
        if must in ("true", "1"):
            checks.error("INSI-HDR-MUSTUNDERSTAND",
                         f"En-tête {name.localname} ({name.namespace}) marqué mustUnderstand inconnu du service.",
                         "Header")
        else:
            checks.info("INSI-HDR-INCONNU", f"En-tête {name.localname} ({name.namespace}) ignoré par le service.",
                        "Header")


def _children_reference(el: etree._Element, ns: str, allowed: tuple[str, ...], where: str, checks: Checks
                        ) -> dict[str, list[etree._Element]]:
    found: dict[str, list[etree._Element]] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        if qname.namespace != ns or qname.localname not in allowed:
            checks.error("INSI-REQ-ELEMENT", f"Élément inattendu {qname.localname} ({qname.namespace}) dans {where}.",
                         f"{where}/{qname.localname}", fault="requete_invalide")
            continue
        found.setdefault(qname.localname, []).append(child)
    for local, items in found.items():
        if len(items) > 1 and local != "Prenom":
            checks.error("INSI-REQ-REPETE", f"{where}/{local} présent {len(items)} fois (une seule occurrence).",
                         f"{where}/{local}", fault="requete_invalide")
    return found


def _all_checks(data: bytes) -> list[tuple] | None:
    try:
        soap = parse_soap12(data, 1 << 20)
    except SoapError:
        return None
    checks = Checks()
    info = headers.check_lps(soap, ["TEST-IDAM-0001"], ["SEGUR-HARNESS-SUT"], checks)
    headers.check_security(soap, None, checks)
    headers.check_addressing(soap, checks)
    headers.check_bam(soap, checks)
    headers.check_header_set(soap, checks)
    tag = soap.body_child.tag
    query = body.parse_recsans(soap.body_child, checks) if tag == f"{{{NS_RECSANS}}}RECSANSVITALE" else \
        body.parse_recvitale(soap.body_child, checks) if tag == f"{{{NS_RECVIT}}}RECVITALE" else None
    blocking = (checks.blocking.fault, checks.blocking.detail) if checks.blocking else None
    return [(f.severity, f.rule, f.message, f.location) for f in checks.findings] + [(info, query, blocking)]


def _renamespace(rng: random.Random, data: bytes) -> bytes:
    """One element moved to another namespace (or none) under its own local name."""
    root = etree.fromstring(data)
    target = rng.choice(list(root.iter(etree.Element))[1:])
    local = etree.QName(target).localname
    target.tag = rng.choice([f"{{urn:x}}{local}", local, f"{{{NS_RECSANS}}}{local}", f"{{{NS_RECVIT}}}{local}"])
    return etree.tostring(root)


def _documents(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    documents = [*VALID, *EXTRA]
    for _ in range(count):
        data = rng.choice(documents[:len(VALID) + len(EXTRA)])
        for _ in range(rng.randint(1, 4)):
            data = _renamespace(rng, data) if rng.random() < 0.3 else _mutate(rng, data)
        documents.append(data)
    return documents


@pytest.mark.parametrize("seed", [3, 17])
def test_one_pass_lookups_give_the_findings_of_a_scan_per_field(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    documents = _documents(seed, 400)
    fast = [_all_checks(data) for data in documents]
    monkeypatch.setattr(headers, "first_children", _Scan)
    monkeypatch.setattr(headers, "check_header_set", _header_set_reference)
    monkeypatch.setattr(body, "_children", _children_reference)
    slow = [_all_checks(data) for data in documents]
    assert fast == slow
    assert sum(1 for found in fast if found and len(found) > 3) > 100  # mutations reach the error paths
