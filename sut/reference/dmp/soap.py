"""SOAP 1.2 envelopes with WS-Addressing and wsse:Security for the DMP, and reading what comes back.

Every request names its action and a fresh MessageID (the SUT traces it) and
carries the VIHF in wsse:Security. Answers are untrusted: they go through
`segur_harness.xmlsafe.parse_xml`, and a SOAP Fault becomes a `SoapFault` with
its code, subcode and French reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from lxml import etree

from segur_harness.xmlsafe import XmlRejected, parse_xml

from .ns import SOAP12, WSA, WSSE

SOAP_CONTENT_TYPE = "application/soap+xml"
ANONYMOUS = "http://www.w3.org/2005/08/addressing/anonymous"


class UnreadableAnswer(ValueError):
    """The DMP's answer is not a SOAP 1.2 envelope the SUT can read."""


@dataclass(frozen=True)
class SoapFault:
    """A SOAP 1.2 Fault: Code/Value, the first Subcode/Value, and the Reason text (French when offered)."""

    code: str
    subcode: str | None
    reason: str


@dataclass(frozen=True)
class SoapAnswer:
    """A SOAP answer that is not a fault: its Action, RelatesTo and the first child of the Body."""

    action: str | None
    relates_to: str | None
    payload: etree._Element | None


def new_message_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def envelope(action: str, message_id: str, to: str, assertion: etree._Element | None,
             payload: etree._Element) -> etree._Element:
    """The request envelope: wsa headers (Action, MessageID, ReplyTo, To), wsse:Security with the VIHF (none when
    `assertion` is None), the body."""
    env = etree.Element(f"{{{SOAP12}}}Envelope", nsmap={"soap": SOAP12, "wsa": WSA})
    header = etree.SubElement(env, f"{{{SOAP12}}}Header")
    must = {f"{{{SOAP12}}}mustUnderstand": "true"}
    etree.SubElement(header, f"{{{WSA}}}Action", must).text = action
    etree.SubElement(header, f"{{{WSA}}}MessageID").text = message_id
    reply_to = etree.SubElement(header, f"{{{WSA}}}ReplyTo")
    etree.SubElement(reply_to, f"{{{WSA}}}Address").text = ANONYMOUS
    etree.SubElement(header, f"{{{WSA}}}To", must).text = to
    if assertion is not None:  # None: the Pro Santé Connect entry, where the gateway adds the VIHF
        security = etree.SubElement(header, f"{{{WSSE}}}Security", must, nsmap={"wsse": WSSE})
        security.append(assertion)
    etree.SubElement(env, f"{{{SOAP12}}}Body").append(payload)
    return env


def serialize(element: etree._Element) -> bytes:
    """Bytes as sent: UTF-8 with declaration, no reformatting (the VIHF signature covers exact content)."""
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")


def _fault(fault: etree._Element) -> SoapFault:
    code = fault.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Value", "").strip()
    subcode = fault.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Subcode/{{{SOAP12}}}Value")
    texts = fault.findall(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text")
    french = [t for t in texts if (t.get("{http://www.w3.org/XML/1998/namespace}lang") or "").startswith("fr")]
    reason = "".join((french or texts)[0].itertext()).strip() if texts else ""
    return SoapFault(code.rpartition(":")[2] or code, subcode.strip() if subcode else None, reason)


def read_answer(data: bytes) -> SoapAnswer | SoapFault:
    """The answer envelope's payload or fault; UnreadableAnswer when it is not SOAP 1.2."""
    try:
        root = parse_xml(data)
    except XmlRejected as exc:
        raise UnreadableAnswer(f"XML illisible ({exc.reason})") from None
    if root.tag != f"{{{SOAP12}}}Envelope":
        raise UnreadableAnswer(f"enveloppe SOAP 1.2 attendue, reçu {etree.QName(root).localname}")
    body = root.find(f"{{{SOAP12}}}Body")
    if body is None:
        raise UnreadableAnswer("enveloppe SOAP sans Body")
    fault = body.find(f"{{{SOAP12}}}Fault")
    if fault is not None:
        return _fault(fault)
    header = root.find(f"{{{SOAP12}}}Header")
    action = header.findtext(f"{{{WSA}}}Action") if header is not None else None
    relates = header.findtext(f"{{{WSA}}}RelatesTo") if header is not None else None
    children = [c for c in body if isinstance(c.tag, str)]
    return SoapAnswer(action.strip() if action else None, relates.strip() if relates else None,
                      children[0] if children else None)
