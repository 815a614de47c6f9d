"""MTOM/XOP packaging (RFC 2387 multipart/related, XOP) of ITI-41 requests and reading ITI-43 answers.

Built and parsed with the stdlib `email` package. Attachments go out with
`Content-Transfer-Encoding: binary` and must reach the DMP byte for byte (the
registry compares their SHA-1 and size with the metadata), so the generator
writes binary parts untouched instead of normalising their line endings.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import uuid
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage, Message
from email.parser import BytesParser
from io import BytesIO
from urllib.parse import quote, unquote

from lxml import etree

from .ns import XOP

ROOT_CONTENT_TYPE = 'application/xop+xml; charset=UTF-8; type="application/soap+xml"'
MAX_PARTS = 100


class UnreadableMultipart(ValueError):
    """The multipart answer cannot be read (no root part, bad structure)."""


@dataclass(frozen=True)
class Attachment:
    """A part referenced from the envelope by `cid:`; `content_id` without angle brackets."""

    content_id: str
    data: bytes
    content_type: str = "text/xml"


@dataclass(frozen=True)
class Packaged:
    """An HTTP body and the Content-Type header that goes with it."""

    content_type: str
    body: bytes


def new_content_id(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex}@segur-harness.test"


def include(parent: etree._Element, content_id: str) -> etree._Element:
    """Put `<xop:Include href="cid:...">` into `parent` (href URL-encoded per RFC 2392)."""
    node = etree.SubElement(parent, f"{{{XOP}}}Include", nsmap={"xop": XOP})
    node.set("href", "cid:" + quote(content_id, safe="@.-_~!$&'()*+,;=:"))
    return node


class _RawBinaryGenerator(BytesGenerator):
    """Writes `binary` parts as their exact bytes (the stock generator would rewrite their line endings)."""

    def _handle_text(self, msg: Message) -> None:
        raw = getattr(msg, "raw_bytes", None)
        if raw is not None:
            self._fp.write(raw)
            return
        super()._handle_text(msg)

    _writeBody = _handle_text


class _RawPart(Message):
    """A MIME part that keeps the exact bytes to send next to the parsed headers."""

    raw_bytes: bytes | None = None


def _part(data: bytes, content_type: str, content_id: str) -> Message:
    part = _RawPart(policy=email.policy.HTTP)
    part["Content-Type"] = content_type
    part["Content-Transfer-Encoding"] = "binary"
    part["Content-ID"] = f"<{content_id}>"
    part.set_payload(data.decode("ascii", "surrogateescape"))
    part.raw_bytes = data  # what _RawBinaryGenerator writes, untouched
    return part


def package(envelope: bytes, attachments: list[Attachment]) -> Packaged:
    """The multipart/related body: the SOAP root part first, then one binary part per attachment; CRLF lines."""
    root_id = f"root.message-{uuid.uuid4().hex}@segur-harness.test"
    message = EmailMessage(policy=email.policy.HTTP)
    message.set_type("multipart/related")
    message.set_param("type", "application/xop+xml")
    message.set_param("start", f"<{root_id}>")
    message.set_param("start-info", "application/soap+xml")
    message.set_boundary(f"MIMEBoundary_{uuid.uuid4().hex}")
    message.attach(_part(envelope, ROOT_CONTENT_TYPE, root_id))
    for attachment in attachments:
        message.attach(_part(attachment.data, attachment.content_type, attachment.content_id))
    out = BytesIO()
    _RawBinaryGenerator(out, policy=email.policy.HTTP).flatten(message)
    flat = out.getvalue()
    body = flat.split(b"\r\n\r\n", 1)[1]
    return Packaged(str(message["Content-Type"]), body)


@dataclass(frozen=True)
class Unpacked:
    """A multipart answer read back: the root (SOAP) part and the attachments by Content-ID."""

    root: bytes
    attachments: dict[str, bytes]


def _cid(part: Message) -> str:
    return str(part.get("Content-ID", "")).strip().strip("<>")


def unpack(content_type: str, body: bytes) -> Unpacked:
    """Split a multipart/related body; the root part is the `start` one, else the first."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise UnreadableMultipart("réponse multipart/related attendue")
    parts = list(message.iter_parts()) if hasattr(message, "iter_parts") else message.get_payload()
    if not parts or len(parts) > MAX_PARTS:
        raise UnreadableMultipart(f"réponse multipart avec {len(parts)} parties")
    start = str(message.get_param("start", "") or "").strip().strip("<>")
    root = next((p for p in parts if start and _cid(p) == start), parts[0])
    data = {_cid(p): p.get_payload(decode=True) or b"" for p in parts}
    return Unpacked(data.pop(_cid(root)), data)


def resolve(holder: etree._Element, attachments: dict[str, bytes]) -> bytes | None:
    """The bytes an element holds: its xop:Include target, or its inline base64 text; None if unresolved."""
    ref = holder.find(f"{{{XOP}}}Include")
    if ref is not None:
        href = ref.get("href", "")
        return attachments.get(unquote(href.removeprefix("cid:"))) if href.startswith("cid:") else None
    text = "".join(holder.itertext()).strip()
    try:
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return None
