"""Local delivery: a message the mock accepted (SMTP) or was handed (admin API) lands in the recipients' maildirs.

One IMAP-DELIVERY exchange of service mss-imap per mailbox, so a scenario sees
what was put in the SUT's mailbox; a delivery that fails is recorded too (status
500, error finding) and never raises into the SMTP transaction that asked for it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from segur_harness.mocks.framework.tcp import TcpRecorder
from segur_harness.store import Exchange, Finding

from .directory import Directory
from .maildir import Maildirs

log = logging.getLogger(__name__)
DELIVERY = "IMAP-DELIVERY"


@dataclass(frozen=True)
class Delivered:
    address: str
    exchange_id: int | None
    file: Path | None
    error: str = ""


class Delivery:
    """Puts messages into directory mailboxes' maildirs and records each delivery."""

    def __init__(self, maildirs: Maildirs, directory: Directory, recorder: TcpRecorder) -> None:
        self.maildirs, self.directory, self.recorder = maildirs, directory, recorder

    def deliver(self, rcpts: list[str], raw: bytes, *, source: str, queue_id: str = "",
                peer: str | None = None) -> list[Delivered]:
        """Deliver to every recipient that is a directory mailbox (once each); never raises."""
        seen: set[str] = set()
        out = []
        for rcpt in rcpts:
            box = self.directory.get(rcpt)
            if box is None or box.address.lower() in seen:
                continue
            seen.add(box.address.lower())
            out.append(self.deliver_one(box.address, raw, source=source, queue_id=queue_id, peer=peer))
        return out

    def deliver_one(self, address: str, raw: bytes, *, source: str, queue_id: str = "",
                    peer: str | None = None) -> Delivered:
        started = time.time()
        message_id = (BytesHeaderParser(policy=compat32).parsebytes(raw).get("Message-ID") or "").strip()
        headers = {"mailbox": address, "message_id": message_id, "source": source}
        if queue_id:
            headers["queue_id"] = queue_id
        try:
            file: Path | None = self.maildirs.deliver(address, raw)
            headers["file"] = file.name if file else ""
            status, error = 200, ""
            finding = Finding("info", "MSS-DEPOT", f"Message déposé dans la boîte {address} ({len(raw)} octets, "
                                                   f"source {source})")
        except Exception as exc:  # noqa: BLE001 - a full disk or a permission must not lose the caller's message
            log.error("delivery to %s failed: %s", address, exc, exc_info=exc)
            file, status, error = None, 500, f"{type(exc).__name__}: {exc}"
            finding = Finding("error", "MSS-DEPOT", f"Dépôt dans la boîte {address} impossible : {error}")
        exchange = Exchange(service=self.recorder.service, operation=DELIVERY, scenario_id=self.recorder.scenario(),
                            peer=peer, started_at=started, ended_at=time.time(), method="DELIVER",
                            request_headers=headers, request_body=raw, status=status, response_body=b"",
                            findings=[finding], message_id=message_id or None)
        recorded = self.recorder.record(exchange)
        return Delivered(address, exchange.id if recorded else None, file, error)
