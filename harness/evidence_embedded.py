"""The CDA documents carried inside recorded exchanges: ITI-41 feeds (MTOM) and MSSanté messages (IHE_XDM.ZIP).

The bundle keeps them as documents of their scenario, validated and linked to
the exchange that carried them, so `evidence verify --rerun` judges them and a
reviewer goes from a proof to the document. They are read with the mocks' own
code (the DMP mock's MTOM reading, the XDM walk of the harness's validation
that the MSSanté mock uses, zipguard underneath), never with a parser of ours:
the bundle sees the same documents the mocks judged.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from segur_harness.store import Exchange
from segur_harness.validation.model import FileResult

DMP_SERVICE, ITI41 = "dmp", "ITI-41"
SMTP_SERVICE, SMTP_MESSAGE = "mss-smtp", "SMTP-MESSAGE"
IMAP_SERVICE, IMAP_DELIVERY = "mss-imap", "IMAP-DELIVERY"
XDM_ATTACHMENT = "IHE_XDM.ZIP"
MAX_MESSAGE_PARTS = 200
"""MIME parts looked at per message (the MSSanté mock's own bound)."""


@dataclass(frozen=True)
class Embedded:
    """One document found inside an exchange: its bytes, where it sat, and who made it."""

    data: bytes
    kind: str  # produit (the SUT sent it) | recu (the harness gave it to the SUT)
    via: str  # "ITI-41 (MTOM)", "IHE_XDM.ZIP"
    name: str  # xdsb:Document id, or the archive member


def _header(headers: dict[str, str], name: str) -> str:
    return next((str(v) for k, v in headers.items() if k.lower() == name.lower()), "")


def _is_xml(data: bytes) -> bool:
    return data.lstrip()[:1] == b"<"


def iti41_documents(ex: Exchange) -> list[Embedded]:
    """The xdsb:Document contents of an ITI-41 request, read as the DMP mock reads them (none when it refused them)."""
    from segur_harness.mocks.dmp import mtom
    from segur_harness.mocks.dmp.service import DEFAULT_MAX_ATTACHMENT, DEFAULT_MAX_PARTS
    from segur_harness.mocks.framework.soap import SoapError, parse_soap12

    content_type = _header(ex.request_headers, "Content-Type")
    try:
        message = None
        envelope = ex.request_body
        if mtom.is_multipart(content_type):
            message = mtom.parse(content_type, ex.request_body, max_parts=DEFAULT_MAX_PARTS,
                                 max_part_bytes=DEFAULT_MAX_ATTACHMENT)  # fmt: skip
            envelope = message.root
        soap = parse_soap12(envelope, max(len(envelope), 1))
        contents = mtom.document_contents(soap.body_child, message)
    except (mtom.MtomError, SoapError, ValueError):
        return []  # the mock refused the feed: its finding says why, there is no document to keep
    return [Embedded(data, "produit", f"{ITI41} (MTOM)" if message else ITI41, doc_id or f"document {n}")
            for n, (doc_id, data) in enumerate(contents.items(), start=1) if _is_xml(data)]  # fmt: skip


class _Collector:
    """A validation engine that only keeps what it is given: the documents the XDM walk finds."""

    def __init__(self) -> None:
        self.found: list[tuple[str, bytes]] = []

    def validate_document(self, data: bytes, name: str, *_args: Any, **_kwargs: Any) -> FileResult:
        self.found.append((name.rsplit("!", 1)[-1], data))
        return FileResult(name=name)


def _attachment_name() -> str:
    try:
        from segur_harness.mocks.mss.content import rules

        return str(rules().get("xdm_attachment") or XDM_ATTACHMENT)
    except Exception:  # noqa: BLE001 - the MSSanté rules unreadable: the name ANS fixes
        return XDM_ATTACHMENT


def archive_documents(archive: bytes) -> list[tuple[str, bytes]]:
    """(member, bytes) of every document an IHE_XDM.ZIP's METADATA.XML lists, through the harness's XDM walk
    (segur_harness.validation.xdm, zipguard-bounded): what the MSSanté mock validated."""
    from segur_harness.validation.xdm import validate_archive

    collector = _Collector()
    with tempfile.TemporaryDirectory(prefix="segur-evidence-xdm-") as folder:
        path = Path(folder) / XDM_ATTACHMENT
        path.write_bytes(archive)
        try:
            validate_archive(collector, path)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - a hostile archive yields no document, never a broken bundle
            return []
    return collector.found


def message_documents(raw: bytes, kind: str) -> list[Embedded]:
    """The CDAs of an MSSanté message's IHE_XDM.ZIP (the part the MSSanté mock picks: by file name)."""
    wanted = _attachment_name().upper()
    try:
        msg: Any = message_from_bytes(raw, policy=policy.default)
        parts = list(msg.walk())[:MAX_MESSAGE_PARTS]
        archive = next((p for p in parts if (p.get_filename() or "").upper() == wanted), None)
        data = archive.get_payload(decode=True) if archive is not None else None
    except Exception:  # noqa: BLE001 - a message the email package cannot read carries no document for us
        return []
    if not isinstance(data, bytes) or not data:
        return []
    return [Embedded(doc, kind, XDM_ATTACHMENT, member) for member, doc in archive_documents(data) if _is_xml(doc)]


def embedded_documents(ex: Exchange) -> list[Embedded]:
    """The documents `ex` carries: an ITI-41 feed's, the SUT's MSSanté message's, a message the harness put in
    the SUT's mailbox (a copy of the SUT's own message delivered to its recipients is the SMTP one again)."""
    if ex.service == DMP_SERVICE and ex.operation == ITI41:
        return iti41_documents(ex)
    if ex.service == SMTP_SERVICE and ex.operation == SMTP_MESSAGE:
        return message_documents(ex.request_body, "produit")
    if ex.service == IMAP_SERVICE and ex.operation == IMAP_DELIVERY and \
            _header(ex.request_headers, "source") not in ("smtp", ""):
        return message_documents(ex.request_body, "recu")
    return []
