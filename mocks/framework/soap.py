"""SOAP 1.2 envelopes and faults, shared by the SOAP mocks (INSi, DMP).

Parsing goes through the hardened parser; every refusal becomes a SOAP 1.2
Fault with a French reason, as the national services answer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from segur_harness.mocks.framework.checks import Checks
from segur_harness.mocks.framework.service import MockResult
from segur_harness.xmlsafe import XmlLimits, XmlRejected, parse_xml

SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
WSA_NS = "http://www.w3.org/2005/08/addressing"
SOAP12_CONTENT_TYPE = "application/soap+xml; charset=utf-8"
_HEADER = f"{{{SOAP12_NS}}}Header"
_BODY = f"{{{SOAP12_NS}}}Body"
SOAP_LIMITS = XmlLimits(max_depth=64, max_attributes=64, max_elements=100_000)
"""Shape bounds of a SOAP request: far above any real envelope (SAML, ebRS), far below an attack."""


class SoapError(Exception):
    """A request that must be answered by a SOAP Fault."""

    def __init__(self, code: str, reason: str, subcode: str | None = None) -> None:
        super().__init__(reason)
        self.code = code  # Sender | Receiver | VersionMismatch | MustUnderstand
        self.reason = reason
        self.subcode = subcode


@dataclass
class SoapRequest:
    """A parsed SOAP 1.2 request."""

    envelope: etree._Element
    headers: list[etree._Element]
    body_child: etree._Element
    _first: dict[str, etree._Element] | None = field(default=None, init=False, repr=False, compare=False)

    def header(self, ns: str, local: str) -> etree._Element | None:
        """The first header element named {ns}local (lxml builds a new tag string per access: indexed once)."""
        if self._first is None:
            first: dict[str, etree._Element] = {}
            for element in self.headers:
                first.setdefault(element.tag, element)
            self._first = first
        return self._first.get(f"{{{ns}}}{local}")

    def wsa(self, local: str) -> str | None:
        element = self.header(WSA_NS, local)
        return element.text.strip() if element is not None and element.text else None


def parse_soap12(body: bytes, max_bytes: int) -> SoapRequest:
    """Parse a SOAP 1.2 envelope or raise SoapError with a clear reason."""
    try:
        root = parse_xml(body, max_bytes=max_bytes, limits=SOAP_LIMITS)
    except XmlRejected as exc:
        raise SoapError("Sender", f"Message SOAP illisible : {exc.reason}") from None
    if root.tag == f"{{{SOAP11_NS}}}Envelope":
        raise SoapError("VersionMismatch", "Seul SOAP 1.2 est accepté (enveloppe SOAP 1.1 reçue)")
    if root.tag != f"{{{SOAP12_NS}}}Envelope":
        raise SoapError("Sender", f"Élément racine inattendu {root.tag} : une enveloppe SOAP 1.2 est attendue")
    header = body_el = None
    for child in root:  # the first Header and the first Body, in one pass (a tag matcher per find costs more)
        tag = child.tag
        if tag == _HEADER and header is None:
            header = child
        elif tag == _BODY and body_el is None:
            body_el = child
    if body_el is None:
        raise SoapError("Sender", "Enveloppe SOAP sans élément Body")
    children = list(body_el.iterchildren(etree.Element))  # elements only: no comment nor processing instruction
    if len(children) != 1:
        raise SoapError("Sender", f"Le Body SOAP doit contenir exactement un élément ({len(children)} reçus)")
    headers = list(header.iterchildren(etree.Element)) if header is not None else []
    return SoapRequest(envelope=root, headers=headers, body_child=children[0])


def message_uuid(raw: bytes | None = None) -> str:
    """str(uuid.uuid4()), or of uuid.UUID(bytes=raw, version=4), formatted in a third of the time."""
    data = bytearray(raw if raw is not None else os.urandom(16))
    data[6] = data[6] & 0x0F | 0x40  # version 4
    data[8] = data[8] & 0x3F | 0x80  # RFC 4122 variant
    h = data.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def envelope(
    body_child: etree._Element,
    *,
    action: str | None = None,
    relates_to: str | None = None,
    extra_nsmap: dict[str, str] | None = None,
) -> bytes:
    """A SOAP 1.2 response envelope with WS-Addressing headers.

    `extra_nsmap` declares prefixes on the Envelope itself: QName-valued text
    (fault subcodes) must resolve there, because some clients (zeep) resolve
    such prefixes with the document root's namespace map only.
    """
    env = etree.Element(f"{{{SOAP12_NS}}}Envelope", nsmap={"soap": SOAP12_NS, "wsa": WSA_NS, **(extra_nsmap or {})})
    header = etree.SubElement(env, f"{{{SOAP12_NS}}}Header")
    if action:
        etree.SubElement(header, f"{{{WSA_NS}}}Action").text = action
    etree.SubElement(header, f"{{{WSA_NS}}}MessageID").text = f"urn:uuid:{message_uuid()}"
    if relates_to:
        etree.SubElement(header, f"{{{WSA_NS}}}RelatesTo").text = relates_to
    body = etree.SubElement(env, f"{{{SOAP12_NS}}}Body")
    body.append(body_child)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"
_ENVELOPE_OPEN = f'<soap:Envelope xmlns:soap="{SOAP12_NS}" xmlns:wsa="{WSA_NS}"><soap:Header>'.encode()
_NOT_XML_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text_bytes(text: str) -> bytes:
    """`text` as libxml2 serialises element content (&, <, > and CR escaped), UTF-8."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return escaped.encode("utf-8")


def envelope_bytes(body_xml: bytes, *, action: str | None = None, relates_to: str | None = None) -> bytes:
    """envelope() of an already serialised body child, glued from bytes: the same document, byte for byte.

    For answers built once and served many times (the INSi RESULTAT of a
    fixture identity): lxml would rebuild and reserialise the whole tree on
    each request. `body_xml` must declare its own namespaces and use neither
    the soap nor the wsa prefix; text lxml would refuse still goes through
    envelope(), which raises as before.
    """
    if any(value and _NOT_XML_TEXT.search(value) for value in (action, relates_to)):
        return envelope(etree.fromstring(body_xml), action=action, relates_to=relates_to)
    parts = [_DECLARATION, _ENVELOPE_OPEN]
    if action:
        parts += (b"<wsa:Action>", _text_bytes(action), b"</wsa:Action>")
    parts += (b"<wsa:MessageID>urn:uuid:", message_uuid().encode(), b"</wsa:MessageID>")
    if relates_to:
        parts += (b"<wsa:RelatesTo>", _text_bytes(relates_to), b"</wsa:RelatesTo>")
    parts += (b"</soap:Header><soap:Body>", body_xml, b"</soap:Body></soap:Envelope>")
    return b"".join(parts)


def fault(
    code: str,
    reason: str,
    *,
    subcode: tuple[str, str] | None = None,
    detail: etree._Element | None = None,
    relates_to: str | None = None,
) -> bytes:
    """A SOAP 1.2 Fault. `subcode` is (namespace, local name); `detail` goes in Detail."""
    f = etree.Element(f"{{{SOAP12_NS}}}Fault", nsmap={"soap": SOAP12_NS})
    code_el = etree.SubElement(f, f"{{{SOAP12_NS}}}Code")
    etree.SubElement(code_el, f"{{{SOAP12_NS}}}Value").text = f"soap:{code}"
    extra_nsmap: dict[str, str] = {}
    if subcode:
        ns, local = subcode
        prefix = "soap" if ns == SOAP12_NS else "sub"
        if prefix == "sub":
            extra_nsmap["sub"] = ns
        sub = etree.SubElement(code_el, f"{{{SOAP12_NS}}}Subcode")
        value = etree.SubElement(sub, f"{{{SOAP12_NS}}}Value")
        value.text = f"{prefix}:{local}"
    reason_el = etree.SubElement(f, f"{{{SOAP12_NS}}}Reason")
    text = etree.SubElement(reason_el, f"{{{SOAP12_NS}}}Text")
    text.set("{http://www.w3.org/XML/1998/namespace}lang", "fr")
    text.text = reason
    if detail is not None:
        etree.SubElement(f, f"{{{SOAP12_NS}}}Detail").append(detail)
    return envelope(
        f, action="http://www.w3.org/2005/08/addressing/soap/fault", relates_to=relates_to, extra_nsmap=extra_nsmap
    )


def fault_status(code: str) -> int:
    """HTTP status for a SOAP 1.2 fault (SOAP 1.2 part 2 §7.5.1)."""
    return 400 if code in ("Sender", "VersionMismatch", "MustUnderstand") else 500


def injected_fault(catalogue: Any, default: str, render: Callable[[Any, str, str | None], bytes], rule: str,
                   params: dict[str, Any], operation: str) -> MockResult:
    """The answer to an admin-injected `fault` behaviour, for a SOAP mock with a fault catalogue.

    `catalogue.find(code)` names a fault of the mock's errors.toml (by name,
    subcode or service code); an unknown code falls back to `default` with a
    warning finding; `params["status"]` overrides the HTTP status.
    """
    wanted = params.get("code")
    spec = catalogue.find(str(wanted)) if wanted else None
    checks = Checks()
    if wanted and spec is None:
        checks.warning(f"{rule}-CODE", f"Faute « {wanted} » inconnue de errors.toml : faute technique.", "admin")
    spec = spec or catalogue.faults[default]
    checks.info(rule, f"Faute injectée {spec.name}.", "admin")
    status = params.get("status")
    return MockResult(status=int(status) if isinstance(status, int) else spec.http_status,
                      body=render(spec, str(params.get("detail", "")), None), content_type=SOAP12_CONTENT_TYPE,
                      operation=operation, findings=checks.findings)
