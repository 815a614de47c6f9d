"""MSSanté acknowledgements: the mock's DSN and MDN (RFC 3464, RFC 8098) and its checks of an MDN the SUT sends."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from segur_harness.mocks.mss.acks import check_report, dsn_for, error_code, mdn_for, report_type
from segur_harness.mocks.mss.content import check_message
from segur_harness.store import Finding

SENDER, RECIPIENT = "camille.testeur@test.mssante.fr", "paul.pharmacien@test.mssante.fr"
ORIGINAL = (f"From: {SENDER}\r\nTo: {RECIPIENT}\r\nSubject: XDM/1.0/DDM+Lettre de liaison NOM Prenom 01/02/1980\r\n"
            f"Message-ID: <orig-1@sut.test>\r\nDisposition-Notification-To: <{SENDER}>\r\n\r\nCorps\r\n").encode()


def _parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def test_mdn_processed_when_no_error() -> None:
    ack = mdn_for(ORIGINAL, RECIPIENT, [Finding("info", "MSS-MESSAGE", "ok")])
    assert ack is not None and (ack.kind, ack.mailbox, ack.disposition, ack.code) == ("MDN", SENDER, "processed", "")
    msg = _parse(ack.raw)
    assert report_type(msg) == "disposition-notification"
    assert msg["In-Reply-To"] == "<orig-1@sut.test>" and msg["To"] == SENDER
    assert [f.rule for f in check_report(msg) or []] == ["MSS-MDN-RECU"]


@pytest.mark.parametrize(("rule", "code"), [("MSS-MSG-SUJET", "900"), ("MSS-MSG-INS-BAL", "904"),
                                            ("MSS-XDM-CDA-001", "906"), ("MSS-MSG-MIME", "906")])
def test_mdn_error_code_from_findings(rule: str, code: str) -> None:
    ack = mdn_for(ORIGINAL, RECIPIENT, [Finding("error", rule, "x")])
    assert ack is not None and ack.disposition == "processed/error" and ack.code == code
    fields = [p for p in _parse(ack.raw).walk() if p.get_content_type() == "message/disposition-notification"]
    assert fields[0].get_payload()[0]["Error"].startswith(f"{code}^")


def test_no_mdn_without_request_nor_for_an_acknowledgement() -> None:
    plain = ORIGINAL.replace(f"Disposition-Notification-To: <{SENDER}>\r\n".encode(), b"")
    assert mdn_for(plain, RECIPIENT, []) is None
    ack = mdn_for(ORIGINAL, RECIPIENT, [])
    assert ack is not None and mdn_for(ack.raw, SENDER, []) is None


def test_dsn_delivered() -> None:
    ack = dsn_for(ORIGINAL, SENDER, RECIPIENT, "ENV-1")
    msg = _parse(ack.raw)
    assert report_type(msg) == "delivery-status" and ack.mailbox == SENDER
    blocks = [p for p in msg.walk() if p.get_content_type() == "message/delivery-status"][0].get_payload()
    assert blocks[0]["Original-Envelope-Id"] == "ENV-1"
    assert (blocks[1]["Action"], blocks[1]["Status"]) == ("delivered", "2.0.0")


def test_error_code_first_match_wins() -> None:
    assert error_code([Finding("error", "MSS-MSG-INS-BAL", ""), Finding("error", "MSS-MSG-SUJET", "")]) == "900"
    assert error_code([Finding("warning", "MSS-MSG-PDF", "")]) == ""


def _mdn(disposition: str, error: str | None = None, original: str = "<orig-1@sut.test>") -> bytes:
    extra = f"Error: {error}\r\n" if error else ""
    return (f"From: {RECIPIENT}\r\nTo: {SENDER}\r\nSubject: Accuse\r\nMessage-ID: <mdn-1@sut.test>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=disposition-notification; "
            "boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nLu\r\n--B\r\n"
            "Content-Type: message/disposition-notification\r\n\r\nReporting-UA: sut; test\r\n"
            f"Final-Recipient: rfc822;{RECIPIENT}\r\nOriginal-Message-ID: {original}\r\n"
            f"Disposition: {disposition}\r\n{extra}\r\n--B--\r\n").encode()


def test_sut_mdn_checked_in_place_of_document_rules() -> None:
    good = check_message(_mdn("automatic-action/MDN-sent-automatically; processed/error", "902^Patient inconnu"),
                         [SENDER], None)
    assert [f.rule for f in good] == ["MSS-MDN-RECU"] and "902" in good[0].message
    rules = {f.rule for f in check_message(_mdn("manual-action/MDN-sent-manually; displayed"), [SENDER], None)}
    assert "MSS-MDN-DISPOSITION" in rules and "MSS-MSG-SANS-XDM" not in rules
    rules = {f.rule for f in check_message(_mdn("automatic-action/MDN-sent-automatically; processed/error",
                                                "999^Inconnu", "pas-un-id"), [SENDER], None)}
    assert {"MSS-MDN-CODE", "MSS-MDN-ORIGINAL"} <= rules
