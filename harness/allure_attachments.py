"""Readable attachment bodies: XML pretty-printed as XML, JSON as JSON, MIME split into its parts.

Reviewers read SOAP envelopes, CDA documents and adapter answers in the
report; one long line of XML is unreadable. The exact bytes stay in
evidence.zip: this only formats what the report shows.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from typing import Literal

from lxml import etree

from segur_harness.xmlsafe import XmlRejected, parse_xml

Kind = Literal["xml", "json", "text"]

MAX_PRETTY_BYTES = 5_000_000
"""Bodies above this are shown as they are (formatting them would cost more than it helps)."""


def pretty_xml(data: str | bytes) -> str | None:
    """`data` re-indented, or None when it is not well-formed XML (or is refused: DTD, too large)."""
    try:
        root = parse_xml(data, max_bytes=MAX_PRETTY_BYTES)
    except (XmlRejected, ValueError):
        return None
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode")


def pretty_json(data: str | bytes) -> str | None:
    try:
        parsed = json.loads(data)
    except (ValueError, TypeError):
        return None
    return json.dumps(parsed, ensure_ascii=False, indent=2)


def _as_text(data: str | bytes) -> str:
    return data if isinstance(data, str) else data.decode("utf-8", "replace")


def multipart_text(data: str | bytes, content_type: str) -> str | None:
    """A MIME multipart body (MTOM) as its parts, each with its headers, XML parts indented."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    if not message.is_multipart():
        return None
    shown = []
    for number, part in enumerate(message.get_payload(), 1):
        headers = "\n".join(f"{k}: {v}" for k, v in part.items())
        body = part.get_payload(decode=True) or b""
        text = pretty_xml(body) or _as_text(body)
        shown.append(f"--- partie {number}\n{headers}\n\n{text}")
    return "\n\n".join(shown)


def readable(data: str | bytes | None, content_type: str | None = None) -> tuple[str, Kind]:
    """The text to attach and how to show it."""
    if data is None or data == "" or data == b"":
        return "", "text"
    ctype = (content_type or "").lower()
    if len(data) <= MAX_PRETTY_BYTES:
        if ctype.startswith("multipart/"):
            split = multipart_text(data, content_type or "")
            if split is not None:
                return split, "text"
        head = _as_text(data[:64]).lstrip()
        if "json" in ctype or head.startswith(("{", "[")):
            shown = pretty_json(data)
            if shown is not None:
                return shown, "json"
        if "xml" in ctype or head.startswith("<"):
            shown = pretty_xml(data)
            if shown is not None:
                return shown, "xml"
    return _as_text(data), "text"
