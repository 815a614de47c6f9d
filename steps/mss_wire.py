"""Reading what the MSSanté mock recorded: SMTP sessions and messages (raw MIME), as the steps need them."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import cache
from typing import Any

from segur_harness.errors import HarnessError
from segur_harness.ins.oids import in_ins_arc
from segur_harness.mocks.mss.directory import Directory
from segur_harness.mocks.mss.settings import FIXTURES
from segur_harness.mocks.mss.tls import TlsPolicy
from segur_harness.xmlsafe import parse_xml

from .context import ScenarioContext
from .mock_admin import MockAdmin

SESSION, MESSAGE = "SMTP-SESSION", "SMTP-MESSAGE"
PATIENT_DOMAIN = "@patient.mssante.fr"
XDM_NAME = "IHE_XDM.ZIP"
HL7 = "{urn:hl7-org:v3}"
MAX_XDM_BYTES = 20 * 1024 * 1024


@cache
def directory() -> Directory:
    return Directory.load(FIXTURES / "directory.toml")


@cache
def tls_policy() -> TlsPolicy:
    return TlsPolicy.load(FIXTURES / "tls_policy.toml")


def mailbox_of(rpps: str) -> str:
    """The personal mailbox of professional `rpps` in the mock directory."""
    for box in directory().by_address.values():
        if box.kind == "professional" and rpps in box.owners:
            return box.address
    raise HarnessError(f"problème du banc de test : pas de boîte aux lettres personnelle pour le RPPS {rpps} dans "
                         f"fixtures/mss/directory.toml")


@dataclass
class SmtpRecord:
    """One recorded SMTP exchange (session transcript or accepted message)."""

    id: int
    operation: str
    headers: dict[str, str]
    raw: bytes
    findings: list[dict[str, Any]]

    @property
    def rcpt_to(self) -> list[str]:
        return [a.strip().lower() for a in self.headers.get("rcpt_to", "").split(",") if a.strip()]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f.get("severity") == "error"]

    def rules(self) -> set[str]:
        return {str(f.get("rule")) for f in self.findings}

    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]


def smtp_records(mss_smtp: MockAdmin, ctx: ScenarioContext, operation: str) -> list[SmtpRecord]:
    return [SmtpRecord(int(e["id"]), e["operation"], dict(e.get("request_headers") or {}),
                       str(e.get("request_body") or "").encode("utf-8"), list(e.get("findings") or []))
            for e in mss_smtp.exchanges(ctx.scenario_id) if e["operation"] == operation]


def document_messages(records: list[SmtpRecord]) -> list[SmtpRecord]:
    """Accepted messages that are not acknowledgements (MDN, DSN)."""
    return [r for r in records if r.message().get_content_type() != "multipart/report"]


def xdm_archive(msg: EmailMessage) -> zipfile.ZipFile | None:
    for part in msg.walk():
        if (part.get_filename() or "").upper() == XDM_NAME:
            data = part.get_payload(decode=True) or b""
            if len(data) > MAX_XDM_BYTES:
                raise AssertionError(f"{XDM_NAME} de {len(data)} octets : au-delà de la limite du banc de test "
                                     f"({MAX_XDM_BYTES} octets)")
            try:
                return zipfile.ZipFile(io.BytesIO(data))
            except zipfile.BadZipFile:
                raise AssertionError(f"la pièce jointe {XDM_NAME} n'est pas une archive ZIP") from None
    return None


def archive_documents(archive: zipfile.ZipFile) -> list[bytes]:
    """The CDA documents of an XDM archive (IHE_XDM/SUBSET*/DOC*.XML), bounded."""
    out = []
    for info in archive.infolist()[:200]:
        name = info.filename.upper()
        if name.startswith("IHE_XDM/") and "/DOC" in name and name.endswith(".XML") and info.file_size < MAX_XDM_BYTES:
            out.append(archive.read(info))
    return out


def patient_ins(cda: bytes) -> str | None:
    """The recordTarget INS (extension@root of the 1.2.250.1.213.1.4.* id) of a CDA."""
    root = parse_xml(cda)
    for ident in root.iterfind(f"{HL7}recordTarget/{HL7}patientRole/{HL7}id"):
        if in_ins_arc(ident.get("root")):
            return f"{ident.get('extension')}@{ident.get('root')}"
    return None
