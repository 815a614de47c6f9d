"""Answers glued from bytes are the very documents lxml builds: envelope_bytes and the INSi RESULTAT cache.

The fast path must not change one byte of what a client receives, whatever
the RelatesTo it echoes (escaping, CR, non-ASCII, text lxml refuses).
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pytest
from conftest import insi_config
from lxml import etree

from segur_harness.mocks.framework import soap
from segur_harness.mocks.insi.responses import ResultatCache, resultat
from segur_harness.mocks.insi.service import InsiService

BODY = b'<RESULTAT xmlns="http://www.cnamts.fr/INSiResultat"><CR><CodeCR>01</CodeCR></CR></RESULTAT>'
ALPHABET = "ab&<>\"'\r\n\t é€😀\x7f\x85\u2028]]>"
FIXED = uuid.UUID(int=11)
MESSAGE_UUID = soap.message_uuid  # the real one (the fixture below fixes it for the other tests)


@pytest.fixture(autouse=True)
def fixed_message_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(soap, "message_uuid", lambda: str(FIXED))


def _both(body_xml: bytes, action: str | None, relates_to: str | None) -> tuple[object, object]:
    out: list[object] = []
    for build in (lambda: soap.envelope(etree.fromstring(body_xml), action=action, relates_to=relates_to),
                  lambda: soap.envelope_bytes(body_xml, action=action, relates_to=relates_to)):
        try:
            out.append(build())
        except ValueError as exc:
            out.append(type(exc))
    return out[0], out[1]


def test_envelope_bytes_is_envelope_byte_for_byte() -> None:
    rng = random.Random(11)
    for i in range(2000):
        relates_to = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12))) if i % 7 else None
        action = "urn:x:" + "".join(rng.choice(ALPHABET) for _ in range(3)) if i % 3 else None
        lxml_built, glued = _both(BODY, action, relates_to)
        assert lxml_built == glued, (action, relates_to)


def test_message_uuid_is_uuid4() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        raw = rng.randbytes(16)
        assert MESSAGE_UUID(raw) == str(uuid.UUID(bytes=raw, version=4))
    assert uuid.UUID(MESSAGE_UUID()).version == 4


@pytest.mark.parametrize("bad", ["a\x00b", "a\x01", "\ufffe", "\ud800"])
def test_envelope_bytes_refuses_what_lxml_refuses(bad: str) -> None:
    with pytest.raises(ValueError):
        soap.envelope_bytes(BODY, relates_to=bad)


def test_cached_resultat_answers_are_the_lxml_answers(tmp_path: Path) -> None:
    service = InsiService(insi_config(tmp_path))
    cache = ResultatCache(service.catalogue.cr_labels)
    cases = [("00", ident) for ident in service.identities if ident.actif is not None] + [("01", None), ("02", None)]
    for code, identity in cases * 2:  # the second time from the cache
        label = service.catalogue.cr_labels[code]
        expected = soap.envelope(resultat(code, label, identity), action="urn:a", relates_to="urn:uuid:1&<")
        assert soap.envelope_bytes(cache.xml(code, identity), action="urn:a", relates_to="urn:uuid:1&<") == expected


def test_parse_soap12_skips_comments_and_takes_the_first_header_and_body() -> None:
    data = (f'<s:Envelope xmlns:s="{soap.SOAP12_NS}"><!--c--><?pi x?><s:Header><!--h--><a/><?p?><b/></s:Header>'
            f"<s:Header><c/></s:Header><s:Body><!--b--><x/><?p?></s:Body><s:Body><y/><z/></s:Body></s:Envelope>")
    request = soap.parse_soap12(data.encode(), 1 << 16)
    assert [h.tag for h in request.headers] == ["a", "b"] and request.body_child.tag == "x"
    with pytest.raises(soap.SoapError, match="exactement un élément"):
        soap.parse_soap12(data.replace("<x/>", "<x/><w/>").encode(), 1 << 16)
