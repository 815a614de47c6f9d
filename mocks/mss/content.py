"""Content checks of one received message (fixtures/mss/message_rules.toml), as findings.

MIME well formed, Message-ID / In-Reply-To / References per RFC 5322; an
acknowledgement (MDN, DSN) is checked by acks.py; otherwise one
patient per message, and for a message carrying an IHE_XDM.ZIP: the subject
XDM/1.0/DDM+…, the X-MSS-* headers, the patient mailbox only with a qualified
INS, X-MSS-CODECDA against the archive's document types, a PDF rendition, and
the archive itself through the harness's XDM and CDA validation
(segur_harness.validation.xdm, never rewritten here).
"""

from __future__ import annotations

import re
import tempfile
import tomllib
import zipfile
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Any

from segur_harness.ins.oids import INS_ARC
from segur_harness.mocks.framework.data import rule_finding
from segur_harness.store import Finding
from segur_harness.xmlsafe import parse_xml

from .acks import check_report
from .settings import FIXTURES

MSG_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
MSG_ID_LIST = re.compile(r"^(\s*<[^<>@\s]+@[^<>@\s]+>)+\s*$")
MAX_PARTS = 200


@cache
def rules(path: Path = FIXTURES / "message_rules.toml") -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _finding(rule: str, location: str = "", **values: object) -> Finding:
    return rule_finding(rules()["rules"], rule, location, **values)


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a header the parser cannot read is a MIME defect, reported below
        return ""
    return str(value).strip() if value is not None else ""


def check_message(raw: bytes, rcpt_tos: list[str], engine: Any | None) -> list[Finding]:
    """Findings about message `raw` sent to `rcpt_tos`; `engine` validates the CDAs (None: harness rules only)."""
    spec = rules()
    msg: EmailMessage = message_from_bytes(raw, policy=policy.default)  # type: ignore[assignment]
    out: list[Finding] = []
    parts = list(msg.walk())[:MAX_PARTS]
    defects = [f"{type(d).__name__}" for part in parts for d in part.defects]
    if defects:
        out.append(_finding("MSS-MSG-MIME", detail=", ".join(sorted(set(defects)))))
    message_id = _header(msg, "Message-ID")
    if not MSG_ID.match(message_id):
        out.append(_finding("MSS-MSG-MESSAGE-ID", "Message-ID", value=message_id))
    for name in ("In-Reply-To", "References"):
        value = _header(msg, name)
        if value and not MSG_ID_LIST.match(value):
            out.append(_finding("MSS-MSG-REFERENCES", name, header=name, value=value))
    report = check_report(msg)
    if report is not None:  # an acknowledgement (MDN, DSN): checked as one, not as a document message
        return out + report
    domain = "@" + spec["patient_domain"].lower()
    patients = sorted({a.lower() for a in rcpt_tos if a.lower().endswith(domain)})
    if len(patients) > 1:
        out.append(_finding("MSS-MSG-PATIENTS", "RCPT TO", count=len(patients), boxes=", ".join(patients)))
    xdm = [p for p in parts if (p.get_filename() or "").upper() == spec["xdm_attachment"].upper()]
    if not xdm:
        out.append(_finding("MSS-MSG-SANS-XDM"))
        return out
    out += _structured_headers(msg, patients)
    if not any(p.get_content_type() == "application/pdf" for p in parts):
        out.append(_finding("MSS-MSG-PDF"))
    data = xdm[0].get_payload(decode=True) or b""
    out += _archive(data, _header(msg, "X-MSS-CODECDA"), patients, engine)
    return out


def _structured_headers(msg: EmailMessage, patients: list[str]) -> list[Finding]:
    spec = rules()
    out = []
    subject = _header(msg, "Subject")
    if not subject.startswith(spec["subject_prefix"]):
        out.append(_finding("MSS-MSG-SUJET", "Subject", value=subject))
    elif not re.match(spec["subject_pattern"], subject):
        out.append(_finding("MSS-MSG-SUJET-FORMAT", "Subject", value=subject))
    for name in ("X-MSS-CODECDA", "X-MSS-INS", "X-MSS-NIL"):
        if not _header(msg, name):
            out.append(_finding("MSS-MSG-X-MSS", name, header=name))
    ins = _header(msg, "X-MSS-INS")
    if ins and ins not in spec["ins_values"]:
        out.append(_finding("MSS-MSG-X-MSS-INS", "X-MSS-INS", value=ins))
    if ins != "O":
        out += [_finding("MSS-MSG-INS-BAL", "RCPT TO", box=box) for box in patients]
    return out


def _archive_facts(archive_path: Path) -> tuple[set[str], set[str]]:
    """(document type codes, patient INS matricules) of the archive's METADATA.XML entries."""
    from segur_harness.validation.xdm import parse_entries

    codes: set[str] = set()
    patients: set[str] = set()
    with zipfile.ZipFile(archive_path) as archive:
        for name in archive.namelist():
            if name.upper().endswith("METADATA.XML") and archive.getinfo(name).file_size < 5 * 1024 * 1024:
                entries = parse_entries(parse_xml(archive.read(name)))
                codes |= {e.type_code[0] for e in entries if e.type_code}
                patients |= {e.patient_id.split("^", 1)[0].lower() for e in entries
                             if e.patient_id and f"&{INS_ARC}." in e.patient_id}
    return codes, patients


def _archive(data: bytes, codecda: str, patient_boxes: list[str], engine: Any | None) -> list[Finding]:
    """The IHE_XDM.ZIP through segur_harness.validation.xdm; its findings prefixed MSS-XDM-."""
    from segur_harness.validation import Engine
    from segur_harness.validation.xdm import validate_archive

    out = []
    if engine is None:
        engine = Engine(None)
        out.append(_finding("MSS-MSG-XDM-INDISPONIBLE", detail="pas de SEGUR_VALIDATOR_URL"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "IHE_XDM.ZIP"
        path.write_bytes(data)
        for result in validate_archive(engine, path):
            label = Path(result.name).name
            out += [Finding(f.severity.value, f"MSS-XDM-{f.rule_id}", f"{label} : {f.message}", f.xpath or "")
                    for f in result.findings]
        try:
            codes, patients = _archive_facts(path)
        except Exception:  # noqa: BLE001 - an unreadable archive is already reported by validate_archive
            codes, patients = set(), set()
    for box in patient_boxes:
        if patients and box.split("@", 1)[0] not in patients:
            out.append(_finding("MSS-MSG-BAL-PATIENT", "RCPT TO", box=box, ins=", ".join(sorted(patients))))
    tokens = set(re.findall(r"[A-Za-z0-9.\-]+", codecda))
    if codecda and codes and not codes <= tokens:
        out.append(_finding("MSS-MSG-CODECDA", "X-MSS-CODECDA", header=codecda, codes=", ".join(sorted(codes))))
    return out
