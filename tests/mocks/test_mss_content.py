"""Content checks of received MSSanté messages (issue 8 item 4): headers, patient, MIME, the XDM archive."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from mss_support import DOCTOR_MAILBOX, PATIENT, Mss, authenticate, connect, running, token_for

from segur_harness.mocks.mss.content import check_message
from segur_harness.validation import Engine
from tests.validation.test_validation_xdm import _xdm

SUBJECT = "XDM/1.0/DDM+Compte rendu ADRTROIS Dominique 26/02/1997"
ARCHIVE_PATIENT = "279035121518989@patient.mssante.fr"
"""The patient mailbox of the INS in the test archive's metadata (tests.validation.test_validation_xdm._xdm)."""


def _structured(tmp_path: Path, subject: str = SUBJECT, ins: str | None = "O", pdf: bool = True,
                codecda: str = "11490-0", message_id: str = "<m-1@sut.test>") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = DOCTOR_MAILBOX, PATIENT, subject, message_id
    msg["X-MSS-CODECDA"] = codecda
    if ins is not None:
        msg["X-MSS-INS"] = ins
    msg["X-MSS-NIL"] = "SEGUR-HARNESS-SUT 1.0.0"
    msg.set_content("Veuillez trouver le compte rendu.\n")
    msg.add_attachment(_xdm(tmp_path).read_bytes(), maintype="application", subtype="zip", filename="IHE_XDM.ZIP")
    if pdf:
        msg.add_attachment(b"%PDF-1.4\n%%EOF\n", maintype="application", subtype="pdf", filename="CR.pdf")
    return msg


def _rules(msg: EmailMessage, rcpt: list[str] | None = None) -> list[str]:
    return [f.rule for f in check_message(msg.as_bytes(), rcpt or [ARCHIVE_PATIENT], Engine(None))
            if f.severity in ("error", "warning")]


def test_conforming_structured_message(tmp_path: Path) -> None:
    assert [r for r in _rules(_structured(tmp_path)) if not r.startswith("MSS-XDM-")] == []


def test_each_header_rule(tmp_path: Path) -> None:
    assert "MSS-MSG-SUJET" in _rules(_structured(tmp_path, subject="Compte rendu"))
    assert "MSS-MSG-SUJET-FORMAT" in _rules(_structured(tmp_path, subject="XDM/1.0/DDM+CR"))
    assert {"MSS-MSG-X-MSS", "MSS-MSG-INS-BAL"} <= set(_rules(_structured(tmp_path, ins=None)))
    assert "MSS-MSG-INS-BAL" in _rules(_structured(tmp_path, ins="N"))
    assert "MSS-MSG-X-MSS-INS" in _rules(_structured(tmp_path, ins="OUI"))
    assert "MSS-MSG-CODECDA" in _rules(_structured(tmp_path, codecda="34133-9"))
    assert "MSS-MSG-PDF" in _rules(_structured(tmp_path, pdf=False))
    assert "MSS-MSG-MESSAGE-ID" in _rules(_structured(tmp_path, message_id="pas-un-id"))


def test_patient_mailbox_must_match_the_documents_ins(tmp_path: Path) -> None:
    assert "MSS-MSG-BAL-PATIENT" not in _rules(_structured(tmp_path))
    assert "MSS-MSG-BAL-PATIENT" in _rules(_structured(tmp_path), [PATIENT])


def test_one_patient_per_message(tmp_path: Path) -> None:
    two = [ARCHIVE_PATIENT, "160012B02077713@patient.mssante.fr"]
    assert "MSS-MSG-PATIENTS" in _rules(_structured(tmp_path), two)


def test_unstructured_message_only_noted() -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = DOCTOR_MAILBOX, PATIENT, "Bonjour", "<a@b.fr>"
    msg.set_content("texte")
    found = check_message(msg.as_bytes(), [PATIENT], None)
    assert [(f.severity, f.rule) for f in found] == [("info", "MSS-MSG-SANS-XDM")]


def test_broken_xdm_archive_reported_through_xdm_validation(tmp_path: Path) -> None:
    msg = _structured(tmp_path)
    for part in msg.iter_attachments():
        if part.get_filename() == "IHE_XDM.ZIP":
            part.set_content(b"pas un zip", maintype="application", subtype="zip", filename="IHE_XDM.ZIP")
    assert any(r.startswith("MSS-XDM-") for r in _rules(msg))


@pytest.fixture
def mss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mss]:
    monkeypatch.delenv("SEGUR_VALIDATOR_URL", raising=False)
    with running(tmp_path) as served:
        yield served


def test_findings_recorded_with_the_message(mss: Mss, tmp_path: Path) -> None:
    client = connect(mss)
    assert authenticate(client, DOCTOR_MAILBOX, token_for(mss.psc))[0] == 235
    assert client.send_message(_structured(tmp_path, ins="N")) == {}
    client.quit()
    [stored] = mss.messages()
    rules = [f.rule for f in stored.findings]
    assert "MSS-MSG-INS-BAL" in rules and "MSS-MSG-XDM-INDISPONIBLE" in rules
