"""MTOM/XOP (multipart/related, RFC 2387 + W3C XOP) for ITI-41 requests and ITI-43 answers.

Reading splits the body on its boundary (RFC 2046 §5.1.1, with bytes.find:
the stdlib feed parser walks a 100 KB part line by line, 3 ms a request) and
reads each part's headers with the stdlib `email` header parser; cheap bounds
come first (part count, line count, then part size) so a hostile body cannot
make it work for long. Every refusal is an MtomError with a French reason,
answered by the transport as a SOAP Fault.
"""

from __future__ import annotations

import binascii
import email.policy
import email.utils
import uuid
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from urllib.parse import quote, unquote

from lxml import etree

from .protocol import NS_XDSB, NS_XOP

MULTIPART = "multipart/related"
XOP_MIMETYPE = "application/xop+xml"
SOAP12_MIMETYPE = "application/soap+xml"
ROOT_CID = "root.message@cxf.apache.org"
CRLF = b"\r\n"
INCLUDE = f"{{{NS_XOP}}}Include"
DEFAULT_MAX_LINES = 500_000
"""Line breaks in one MTOM body (a 10 MB CDA wrapped at 76 columns has ~130,000)."""
_FATAL_DEFECTS = ("StartBoundaryNotFoundDefect", "CloseBoundaryNotFoundDefect", "NoBoundaryInMultipartDefect",
                  "MultipartInvariantViolationDefect", "MissingHeaderBodySeparatorDefect")


class MtomError(ValueError):
    """A multipart/related body the mock refuses; `reason` is a French sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Part:
    """One MIME part: its Content-ID (without angle brackets), Content-Type and decoded bytes."""

    content_id: str
    content_type: str
    data: bytes


@dataclass
class MtomMessage:
    """A parsed MTOM request: the root part (the SOAP envelope) and the other parts by Content-ID."""

    root: bytes
    parts: dict[str, Part] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # non-blocking oddities, recorded as warnings


def _header_message(content_type: str) -> Message:
    """A Message holding only the HTTP Content-Type, to read its parameters with the email package."""
    msg = Message(policy=email.policy.compat32)
    msg["Content-Type"] = content_type
    return msg


def _params(msg: Message) -> dict[str, object]:
    """Every Content-Type parameter read once (each get_param re-parses the whole header), as get_param gives it:
    names lower-cased, the first occurrence wins, values unquoted (an RFC 2231 value stays a 3-tuple)."""
    out: dict[str, object] = {}
    for name, value in msg.get_params(failobj=[], header="content-type"):
        out.setdefault(name.lower(), value)
    return out


def is_multipart(content_type: str | None) -> bool:
    return bool(content_type) and _header_message(content_type).get_content_type() == MULTIPART


def _content_id(value: object) -> str:
    """A Content-ID without its angle brackets (compat32 gives an email Header object for non-ASCII bytes)."""
    value = str(value or "").strip()
    return value[1:-1].strip() if value.startswith("<") and value.endswith(">") else value


def _defects(msg: Message) -> list[str]:
    return [type(d).__name__ for d in msg.defects]


def parse(content_type: str, body: bytes, *, max_parts: int, max_part_bytes: int,
          max_lines: int = DEFAULT_MAX_LINES) -> MtomMessage:
    """The parts of a multipart/related body (HTTP Content-Type `content_type`), or MtomError.

    The email parser works line by line: a body made of millions of line
    breaks costs it seconds, so the line count is bounded first.
    """
    params = _params(_header_message(content_type))
    raw_boundary = params.get("boundary")
    boundary = email.utils.collapse_rfc2231_value(raw_boundary).rstrip() if raw_boundary is not None else None
    if not boundary:
        raise MtomError("Content-Type multipart/related sans paramètre boundary.")
    if params.get("type") is None or str(params.get("type")).lower() != XOP_MIMETYPE:
        raise MtomError(f"Content-Type multipart/related : paramètre type=\"{XOP_MIMETYPE}\" attendu (MTOM/XOP), "
                        f"« {params.get('type') or ''} » reçu.")
    delimiters = body.count(b"--" + boundary.encode("latin-1", "replace")) - 1
    if delimiters > max_parts:
        raise MtomError(f"Trop de parties MIME : {delimiters} (maximum {max_parts}).")
    lines = body.count(b"\n") if len(body) > max_lines else 0  # fewer bytes than the bound: fewer lines too
    if lines > max_lines:
        raise MtomError(f"Corps MIME de {lines} lignes : au-delà de la limite du service ({max_lines}).")
    parts, notes = split(body, boundary.encode("latin-1", "replace"))
    if not parts:
        raise MtomError("Corps multipart/related sans aucune partie.")
    if len(parts) > max_parts:
        raise MtomError(f"Trop de parties MIME : {len(parts)} (maximum {max_parts}).")
    start = _content_id(params.get("start"))
    cids = [_content_id(part.get("Content-ID")) for part in parts]
    if start and start not in cids:
        raise MtomError(f"Partie racine introuvable : aucune partie n'a le Content-ID <{start}> du paramètre start.")
    root_index = cids.index(start) if start else 0
    root_msg = parts[root_index]
    if root_msg.get_content_type() != XOP_MIMETYPE:
        raise MtomError(f"La partie racine doit être de type {XOP_MIMETYPE} (« {root_msg.get_content_type()} » reçu).")
    root_type = root_msg.get_param("type")
    if root_type and str(root_type).lower() != SOAP12_MIMETYPE:
        notes.append(f"partie racine de type {XOP_MIMETYPE} avec type=« {root_type} » ({SOAP12_MIMETYPE} attendu)")
    found: dict[str, Part] = {}
    root = b""
    for index, (part, cid) in enumerate(zip(parts, cids, strict=True)):
        data = _part_data(part, index)
        if index == root_index:  # the root (the envelope) is bounded by the body size only
            root = data
            continue
        if len(data) > max_part_bytes:
            raise MtomError(f"Pièce jointe MIME « {cid or index + 1} » trop volumineuse : {len(data)} octets "
                            f"(maximum {max_part_bytes}).")
        if not cid:
            notes.append(f"partie MIME n° {index + 1} sans Content-ID : elle ne peut être référencée")
        elif cid in found or cid == cids[root_index]:
            raise MtomError(f"Content-ID « {cid} » présent dans plusieurs parties MIME.")
        else:
            found[cid] = Part(cid, part.get_content_type(), data)
    return MtomMessage(root, found, notes)


def _next_delimiter(body: bytes, delimiter: bytes, start: int) -> int:
    """Index of the next line that starts with `delimiter` at or after `start` (RFC 2046: CRLF, LF tolerated)."""
    found = body.find(b"\n" + delimiter, start)
    return found + 1 if found >= 0 else -1


def split(body: bytes, boundary: bytes) -> tuple[list[LeafPart], list[str]]:
    """The parts of a multipart body (headers parsed, content as the feed parser stores it) and oddities noted.

    MtomError when the first delimiter, the close delimiter or a part's header/body separator is missing.
    """
    delimiter = b"--" + boundary
    position = 0 if body.startswith(delimiter) else _next_delimiter(body, delimiter, 0)
    if position < 0:
        raise MtomError(f"Corps MIME mal formé (délimiteur « {boundary.decode('latin-1')} » absent : "
                        "StartBoundaryNotFoundDefect).")
    notes = ["préambule MIME avant le premier délimiteur"] if body[:position].strip() else []
    header_parser = BytesHeaderParser(_class=LeafPart, policy=email.policy.compat32)
    parts: list[LeafPart] = []
    while True:
        after = position + len(delimiter)
        if body.startswith(b"--", after):
            if body[after + 2:].strip():
                notes.append("épilogue MIME après le délimiteur de fin")
            return parts, notes
        line_end = body.find(b"\n", after)
        following = _next_delimiter(body, delimiter, line_end) if line_end >= 0 else -1
        if following < 0:
            raise MtomError(f"Corps MIME mal formé (délimiteur « {boundary.decode('latin-1')} » non refermé : "
                            "CloseBoundaryNotFoundDefect).")
        content = body[line_end + 1:following - 1]  # up to the line break that belongs to the next delimiter
        parts.append(_leaf(header_parser, content[:-1] if content.endswith(b"\r") else content, len(parts)))
        position = following


_DECODED_CTES = ("quoted-printable", "base64", "x-uuencode", "uuencode", "uue", "x-uue")
"""The Content-Transfer-Encodings email's get_payload(decode=True) decodes; any other gives the bytes as they are."""


class LeafPart(Message):
    """A part's headers (email's header parser), its raw content beside them as bytes."""

    content: bytes = b""
    encoded: bool = False
    """Its Content-Transfer-Encoding is one get_payload(decode=True) decodes (read once, in _leaf)."""


def _leaf(header_parser: BytesHeaderParser, raw: bytes, index: int) -> LeafPart:
    """One part: its headers through the email package, its content kept as bytes (`content`).

    Only an encoded part gets its content as an email payload (surrogate-escaped) for get_payload to
    decode; binary, 8bit and 7bit parts (what MTOM sends) skip that 100 KB decode and re-encode.
    """
    if raw.startswith((b"\r\n", b"\n")):
        head, content = b"", raw[2 if raw.startswith(b"\r\n") else 1:]
    else:
        crlf = raw.find(b"\r\n\r\n")
        lf = raw.find(b"\n\n", 0, crlf + 1) if crlf >= 0 else raw.find(b"\n\n")  # only an earlier one matters
        if crlf < 0 and lf < 0:
            raise MtomError(f"Partie MIME n° {index + 1} mal formée (MissingHeaderBodySeparatorDefect).")
        cut, width = (crlf, 4) if crlf >= 0 and (lf < 0 or crlf <= lf) else (lf, 2)
        head, content = raw[:cut + width // 2], raw[cut + width:]
    part = header_parser.parsebytes(head)
    part.encoded = str(part.get("content-transfer-encoding", "")).lower() in _DECODED_CTES
    part.set_payload(content.decode("ascii", "surrogateescape") if part.encoded else "")
    part.content = content
    return part


def _part_data(part: LeafPart, index: int) -> bytes:
    """The decoded bytes of one leaf part (Content-Transfer-Encoding binary, 8bit or base64)."""
    if part.is_multipart():
        raise MtomError(f"Partie MIME n° {index + 1} imbriquée (multipart) : non acceptée en MTOM.")
    bad = [d for d in _defects(part) if d in _FATAL_DEFECTS]
    if bad:
        raise MtomError(f"Partie MIME n° {index + 1} mal formée ({', '.join(bad)}).")
    if not part.encoded:
        return part.content
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def cid_of(href: str | None) -> str | None:
    """The Content-ID an xop:Include href designates (RFC 2392 `cid:` URL, percent-decoded), or None."""
    if not href or not href.lower().startswith("cid:"):
        return None
    return unquote(href[4:])


def check_includes(envelope: etree._Element, message: MtomMessage | None) -> None:
    """Every xop:Include must name an attachment that exists (and only in an MTOM message)."""
    for include in envelope.iter(INCLUDE):
        href = include.get("href")
        if message is None:
            raise MtomError(f"xop:Include href=« {href} » dans un message qui n'est pas MTOM (multipart/related).")
        cid = cid_of(href)
        if cid is None:
            raise MtomError(f"xop:Include href=« {href} » : une URL cid: (RFC 2392) est attendue.")
        if cid not in message.parts:
            raise MtomError(f"xop:Include href=« {href} » : aucune partie MIME n'a le Content-ID <{cid}>.")


def document_contents(request: etree._Element, message: MtomMessage | None) -> dict[str, bytes]:
    """The content of every xdsb:Document child of `request`, by its `id` (xop:Include resolved, base64 decoded)."""
    out: dict[str, bytes] = {}
    for index, doc in enumerate(request.findall(f"{{{NS_XDSB}}}Document")):
        doc_id = doc.get("id") or ""
        where = f"xdsb:Document id=« {doc_id} »" if doc_id else f"xdsb:Document n° {index + 1} (sans id)"
        include = doc.find(INCLUDE)
        if include is not None:
            check_includes(doc, message)
            cid = cid_of(include.get("href"))
            out[doc_id] = message.parts[cid].data if message and cid else b""
            continue
        text = "".join((doc.text or "").split())
        try:
            out[doc_id] = binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise MtomError(f"{where} : contenu base64 invalide.") from None
    return out


def include_element(cid: str) -> etree._Element:
    """An xop:Include pointing at attachment `cid` (for answers that put it in an xdsb:Document)."""
    element = etree.Element(INCLUDE, nsmap={"xop": NS_XOP})
    element.set("href", "cid:" + quote(cid, safe="@.-_~!$&'()*+,;=:"))
    return element


def build(envelope: bytes, attachments: dict[str, tuple[str, bytes]]) -> tuple[str, bytes]:
    """An MTOM answer: (HTTP Content-Type, body) with the envelope as root part, CRLF line ends."""
    everything = [envelope, *(data for _, data in attachments.values())]
    boundary = f"uuid:{uuid.uuid4()}"
    while any(boundary.encode() in chunk for chunk in everything):
        boundary = f"uuid:{uuid.uuid4()}"
    delimiter = b"--" + boundary.encode()
    out = [delimiter, CRLF,
           f'Content-Type: {XOP_MIMETYPE}; charset=UTF-8; type="{SOAP12_MIMETYPE}"'.encode(), CRLF,
           b"Content-Transfer-Encoding: binary", CRLF, f"Content-ID: <{ROOT_CID}>".encode(), CRLF, CRLF,
           envelope, CRLF]
    for cid, (ctype, data) in attachments.items():
        out += [delimiter, CRLF, f"Content-Type: {ctype}".encode(), CRLF, b"Content-Transfer-Encoding: binary",
                CRLF, f"Content-ID: <{cid}>".encode(), CRLF, CRLF, data, CRLF]
    out += [delimiter, b"--", CRLF]
    content_type = (f'{MULTIPART}; type="{XOP_MIMETYPE}"; boundary="{boundary}"; start="<{ROOT_CID}>"; '
                    f'start-info="{SOAP12_MIMETYPE}"')
    return content_type, b"".join(out)
