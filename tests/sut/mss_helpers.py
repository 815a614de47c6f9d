"""Shared set-up of the PSC and MSSanté client tests: a reference SUT pointed at the real PSC and MSS mocks."""

from __future__ import annotations

import email
import time
from email import policy
from email.message import EmailMessage
from typing import Any

from mss_support import Mss

from .dmp_helpers import Harness, harness

DOCTOR = "10000000010"
DOCTOR_BOX = "camille.testeur@test.mssante.fr"
PHARMACIST = "10000000028"
PHARMACIST_BOX = "paul.pharmacien@test.mssante.fr"
PATIENT_BOX = "279035121518989@patient.mssante.fr"
"""The patient of dmp_helpers.IDENTITY (INS 279035121518989), listed in the MSSanté directory."""


def sut_for(mss: Mss, defect: str | None = None, *, smtp_port: int | None = None,
            imap_port: int | None = None) -> Harness:
    """A fresh reference SUT (its own registry) whose PSC is the mock and whose MSSanté server is `smtp_port`."""
    h = harness(None, defect, pki_dir=str(mss.pki_dir))
    body: dict[str, Any] = {"psc": mss.psc.base, "psc_timeout_seconds": 5,
                            "mss-smtp": f"smtp://127.0.0.1:{smtp_port or mss.port}", "mss_timeout_seconds": 5}
    if imap_port:
        body["mss-imap"] = f"imap://127.0.0.1:{imap_port}"
    reply = h.client.put("/adapter/v1/services", json=body)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return h


def provider(mss: Mss) -> Any:
    """The PSC mock's provider (its token lifetimes can be shortened per test)."""
    return mss.psc.app.extensions["segur_mock_pipeline"].service.provider


def login(h: Harness, rpps: str = DOCTOR, **extra: Any) -> dict[str, Any]:
    return h.post("/psc/login", {"rpps": rpps, **extra})


def send(h: Harness, documents: list[str], **fields: Any) -> dict[str, Any]:
    body = {"documents": documents, "from": DOCTOR_BOX, "rpps": DOCTOR, "to": [PHARMACIST_BOX], **fields}
    return h.post("/mss/send", body)


def parsed(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def new_messages(mss: Mss, before: int) -> list[Any]:
    """The SMTP-MESSAGE exchanges the mock recorded after the first `before`."""
    return mss.messages()[before:]


def wait_sessions(mss: Mss, count: int, timeout: float = 5.0) -> list[Any]:
    """The mock records a session when it ends: wait until `count` are recorded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mss.sessions()
        if len(found) >= count:
            return found
        time.sleep(0.02)
    return mss.sessions()


def errors_of(exchange: Any) -> list[str]:
    return [f"{f.rule}: {f.message}" for f in exchange.findings if f.severity == "error"]
