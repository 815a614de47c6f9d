"""The reference SUT reading its MSSanté mailbox: XDM mail integrated or refused (MDN 90x), acknowledgements, defects.

IMAP is served by a test-only server (mss_servers.imap_server) that checks the
XOAUTH2 token with the PSC mock's introspection, as the MSSanté mock does for
SMTP; MDNs go out through the real SMTP mock. The last test runs against the
MSSanté mock's own IMAP server once it has one.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from mss_support import Mss

from segur_harness.mocks.mss.directory import Directory
from segur_harness.mocks.mss.settings import FIXTURES
from segur_harness.mocks.mss.tls import TlsPolicy, server_context
from segur_harness.mocks.mss.xoauth2 import introspect
from segur_harness.pki import Pki, rsa_server_cert
from segur_harness.sut.reference.model import InsRecord
from segur_harness.sut.reference.mss.xdm_in import UnreadableArchive, read_documents
from segur_harness.sut.reference.workflows import FOUND, SERVICE_ERROR, SearchOutcome

from .dmp_helpers import IDENTITY, INS, KEY, OID, Harness
from .mss_helpers import DOCTOR, DOCTOR_BOX, PHARMACIST, PHARMACIST_BOX, login, new_messages, parsed, send, sut_for
from .mss_servers import Mailbox, imap_server


@pytest.fixture
def box(mss: Mss) -> Iterator[tuple[Mailbox, int]]:
    directory = Directory.load(FIXTURES / "directory.toml")

    def authorize(user: str, token: str) -> bool:
        check = introspect(mss.psc.base + "/introspect", "mss-mock", "secret-de-test-mss", token, 5)
        return check.active and check.rpps is not None and directory.owned_by(check.rpps, user)

    mailbox = Mailbox(authorize)
    cert, key = rsa_server_cert(Pki(mss.pki_dir))
    context = server_context(TlsPolicy.load(FIXTURES / "tls_policy.toml"), cert, key, Pki(mss.pki_dir).ca_cert)
    with imap_server(mailbox, context) as port:
        yield mailbox, port


class InsiStub:
    """Stands for the SUT's INSi search (no INSi mock here): answers `outcome`, optionally with another INS."""

    def __init__(self, outcome: str = FOUND, other_ins: str | None = None) -> None:
        self.outcome, self.other_ins, self.calls = outcome, other_ins, 0

    def search_by_traits(self, identity: Any, user: str) -> SearchOutcome:
        self.calls += 1
        if self.other_ins and identity.ins is not None:
            identity.ins = InsRecord(self.other_ins[:13], self.other_ins[13:], OID, "NIR", "2026-12-01T00:00:00Z",
                                     "INSI_TRAITS")
        return SearchOutcome(self.outcome, "INSi (stub)", self.outcome != FOUND, identity)


def _receiver(mss: Mss, port: int, defect: str | None = None, *, rpps: str = DOCTOR,
              patient: dict[str, Any] | None = IDENTITY, insi: InsiStub | None = None) -> Harness:
    """A SUT reading mailboxes on the test IMAP server, with (by default) the patient of dmp_helpers, QUAL."""
    h = sut_for(mss, defect, imap_port=port)
    h.sut.mss.reader.inbound.identities = insi or InsiStub()  # type: ignore[assignment]
    assert login(h, rpps)["outcome"] == "SUCCESS"
    if patient is not None:
        ident = h.post("/identities", patient)["id"]
        identity = h.sut.registry.get(ident)
        identity.ins = InsRecord(INS, KEY, OID, "NIR", "2026-12-01T00:00:00Z", "INSI_TRAITS")
        identity.status = "QUAL"
    return h


def _patient_of(h: Harness) -> str:
    return next(iter(h.sut.registry.identities))


def _xdm_mail(mss: Mss, *, status: str = "QUAL", to: str = PHARMACIST_BOX, mdn: bool = True) -> tuple[bytes, str]:
    """A real XDM message of the reference SUT (doctor to `to`), as the SMTP mock received it; (raw, Message-ID)."""
    sender = sut_for(mss)
    login(sender)
    before = len(mss.messages())
    answer = send(sender, [sender.document(sender.identity(status))["id"]], to=[to], request_mdn=mdn)
    assert answer["outcome"] == "SUCCESS", answer["message"]
    [stored] = new_messages(mss, before)
    return stored.request_body, answer["messages"][0]["message_id"]


def _sync(h: Harness, mailbox: str = PHARMACIST_BOX, rpps: str = PHARMACIST) -> dict[str, Any]:
    return h.post("/mss/mailbox/sync", {"mailbox": mailbox, "rpps": rpps})


def _mdn_fields(exchange: Any) -> dict[str, str]:
    msg = parsed(exchange.request_body)
    assert msg.get_content_type() == "multipart/report"
    assert msg.get_param("report-type") == "disposition-notification"
    part = next(p for p in msg.walk() if p.get_content_type() == "message/disposition-notification")
    payload = part.get_payload()
    block = payload[0] if isinstance(payload, list) else parsed(payload.encode())
    return {k: str(v) for k, v in block.items()} | {"Subject": str(msg["Subject"]), "In-Reply-To": msg["In-Reply-To"]}


def test_xdm_mail_is_integrated_and_answered_with_one_mdn(mss: Mss, box: tuple[Mailbox, int]) -> None:
    mailbox, port = box
    raw, message_id = _xdm_mail(mss)
    mailbox.deliver(raw)
    receiver = _receiver(mss, port, rpps=PHARMACIST, patient=IDENTITY)
    before = len(mss.messages())
    answer = _sync(receiver)
    assert answer["outcome"] == "SUCCESS" and not answer["alert"], answer["message"]
    [got] = answer["received"]
    assert answer["fetched"] == 1 and mailbox.logins == [PHARMACIST_BOX]
    assert (got["outcome"], got["xdm"], got["error_code"], got["message_id"]) == ("integrated", True, None, message_id)
    assert got["mdn_sent"] and got["documents"] == ["REC-00001"]
    [received] = receiver.client.get("/adapter/v1/received-documents").get_json()["documents"]
    assert received["channel"] == "MSSANTE"
    assert mailbox.unseen() == []
    [mdn] = new_messages(mss, before)
    assert mdn.request_headers["mail_from"] == PHARMACIST_BOX and mdn.request_headers["rcpt_to"] == DOCTOR_BOX
    fields = _mdn_fields(mdn)
    assert fields["Disposition"] == "automatic-action/MDN-sent-automatically; processed" and "Error" not in fields
    assert fields["Original-Message-ID"] == message_id == fields["In-Reply-To"]
    assert fields["Final-Recipient"] == f"rfc822;{PHARMACIST_BOX}" and fields["Subject"].startswith("Accusé de lecture")
    assert mdn.errors == []
    listed = receiver.client.get("/adapter/v1/mss/messages").get_json()["received"]
    assert [m["message_id"] for m in listed] == [message_id] and listed[0]["mdn_message_id"] == got["mdn_message_id"]


def test_the_mdn_comes_back_as_an_acknowledgement_of_the_sent_message(mss: Mss, box: tuple[Mailbox, int]) -> None:
    mailbox, port = box
    sender = _receiver(mss, port)
    before = len(mss.messages())
    sent = send(sender, [sender.document(_patient_of(sender))["id"]], request_mdn=True)
    [stored] = new_messages(mss, before)
    mailbox.deliver(stored.request_body)
    reader = _receiver(mss, port, rpps=PHARMACIST)
    assert _sync(reader)["received"][0]["mdn_sent"]
    [mdn] = new_messages(mss, before + 1)
    mailbox.deliver(mdn.request_body)
    answer = _sync(sender, DOCTOR_BOX, DOCTOR)
    assert [r["outcome"] for r in answer["received"]] == ["acknowledgement"]
    [message] = sender.client.get("/adapter/v1/mss/messages").get_json()["sent"]
    assert message["message_id"] == sent["messages"][0]["message_id"]
    [ack] = message["acknowledgements"]
    assert (ack["type"], ack["disposition"], ack["code"]) == ("MDN", "processed", None)


@pytest.mark.parametrize(("patient", "status", "code"), [
    (None, "QUAL", "902"),
    ({**IDENTITY, "birth_name": "AUTRE-NOM"}, "QUAL", "904"),
    (IDENTITY, "VALI", "903"),
])
def test_a_document_that_matches_no_qualified_patient_is_refused_with_its_mdn_code(
        mss: Mss, box: tuple[Mailbox, int], patient: dict[str, Any] | None, status: str, code: str) -> None:
    mailbox, port = box
    raw, _ = _xdm_mail(mss, status=status)
    mailbox.deliver(raw)
    receiver = _receiver(mss, port, rpps=PHARMACIST, patient=patient)
    before = len(mss.messages())
    answer = _sync(receiver)
    [got] = answer["received"]
    assert (got["outcome"], got["error_code"], got["documents"]) == ("refused", code, [])
    assert answer["alert"] and code in answer["message"]
    assert receiver.client.get("/adapter/v1/received-documents").get_json()["documents"] == []
    fields = _mdn_fields(new_messages(mss, before)[0])
    assert fields["Disposition"].endswith("; processed/error") and fields["Error"].startswith(f"{code}^")


def test_mss_wrong_mdn_and_mss_no_mdn(mss: Mss, box: tuple[Mailbox, int]) -> None:
    mailbox, port = box
    for defect in ("mss-wrong-mdn", "mss-no-mdn"):
        raw, _ = _xdm_mail(mss)
        mailbox.deliver(raw)
        receiver = _receiver(mss, port, defect, rpps=PHARMACIST, patient=None)
        before = len(mss.messages())
        [got] = _sync(receiver)["received"]
        assert got["error_code"] == "902"
        sent = new_messages(mss, before)
        if defect == "mss-no-mdn":
            assert got["mdn_sent"] is False and sent == []
        else:
            fields = _mdn_fields(sent[0])
            assert fields["Disposition"].endswith("; processed") and "Error" not in fields


@pytest.mark.parametrize("defect", [None, "mss-integrates-duplicates"])
def test_a_document_received_twice_is_integrated_once(mss: Mss, box: tuple[Mailbox, int], defect: str | None) -> None:
    mailbox, port = box
    raw, _ = _xdm_mail(mss, mdn=False)
    mailbox.deliver(raw)
    mailbox.deliver(raw)
    receiver = _receiver(mss, port, defect, rpps=PHARMACIST)
    answer = _sync(receiver)
    outcomes = [r["outcome"] for r in answer["received"]]
    documents = receiver.client.get("/adapter/v1/received-documents").get_json()["documents"]
    if defect is None:
        assert outcomes == ["integrated", "duplicate"] and answer["alert"]
        assert len(documents) == 1 and documents[0]["times_received"] == 2
    else:
        assert outcomes == ["integrated", "integrated"] and len(documents) == 2


def test_other_mail_is_left_unseen(mss: Mss, box: tuple[Mailbox, int]) -> None:
    mailbox, port = box
    plain = EmailMessage()
    plain["From"], plain["To"], plain["Subject"], plain["Message-ID"] = DOCTOR_BOX, PHARMACIST_BOX, "Bonjour", "<p@x>"
    plain.set_content("Un message sans document.")
    mailbox.deliver(plain.as_bytes())
    raw, _ = _xdm_mail(mss, mdn=False)
    mailbox.deliver(raw)
    ignoring = _receiver(mss, port, "mss-ignores-xdm-mail", rpps=PHARMACIST)
    assert [(r["outcome"], r["xdm"]) for r in _sync(ignoring)["received"]] == [("ignored", False), ("ignored", False)]
    assert len(mailbox.unseen()) == 2
    receiver = _receiver(mss, port, rpps=PHARMACIST)
    assert [r["outcome"] for r in _sync(receiver)["received"]] == ["ignored", "integrated"]
    assert [m.uid for m in mailbox.unseen()] == [1]
    again = _sync(receiver)
    assert again["fetched"] == 1 and len(receiver.client.get("/adapter/v1/mss/messages").get_json()["received"]) == 2


def test_a_dsn_is_attached_by_its_envelope_id(mss: Mss, box: tuple[Mailbox, int]) -> None:
    mailbox, port = box
    sender = _receiver(mss, port)
    [entry] = send(sender, [sender.document(_patient_of(sender))["id"]])["messages"]
    envelope = sender.sut.mss_ledger.sent[0].envelope_id
    dsn = (f"From: MAILER-DAEMON@test.mssante.fr\r\nTo: {DOCTOR_BOX}\r\nSubject: Non remis\r\n"
           "Message-ID: <dsn-1@test.mssante.fr>\r\nMIME-Version: 1.0\r\n"
           'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
           "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMessage non remis.\r\n"
           "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
           f"Reporting-MTA: dns; test.mssante.fr\r\nOriginal-Envelope-Id: {envelope}\r\n\r\n"
           f"Final-Recipient: rfc822; {PHARMACIST_BOX}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
           "Diagnostic-Code: smtp; 550 5.1.1 inconnu\r\n\r\n--b1--\r\n").encode()
    mailbox.deliver(dsn)
    assert [r["outcome"] for r in _sync(sender, DOCTOR_BOX, DOCTOR)["received"]] == ["acknowledgement"]
    [message] = sender.client.get("/adapter/v1/mss/messages").get_json()["sent"]
    assert message["message_id"] == entry["message_id"]
    [ack] = message["acknowledgements"]
    assert (ack["type"], ack["status"], ack["recipient"]) == ("DSN", "5.1.1", PHARMACIST_BOX)


def test_imap_authentication(mss: Mss, box: tuple[Mailbox, int]) -> None:
    mailbox, port = box
    reader = _receiver(mss, port, rpps=PHARMACIST)
    not_owned = _sync(reader, DOCTOR_BOX, PHARMACIST)
    assert not_owned["outcome"] == "FAILURE" and "AUTHENTICATIONFAILED" in not_owned["message"]
    assert mailbox.refusals == 2  # refused, renewed once, refused again
    reader.sut.psc_sessions.get(PHARMACIST).access_token = "jeton-revoque"
    assert _sync(reader)["outcome"] == "SUCCESS" and mailbox.refusals == 3
    logged_out = sut_for(mss, imap_port=port)
    assert _sync(logged_out)["outcome"] == "REFUSED" and mailbox.logins == [PHARMACIST_BOX]


# -- received archives are read defensively ---------------------------------------------------------------------
def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _metadata(uri: str) -> bytes:
    return (b'<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" '
            b'xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"><rim:RegistryObjectList>'
            b'<rim:ExtrinsicObject id="e1" mimeType="text/xml"><rim:Slot name="URI"><rim:ValueList><rim:Value>'
            + uri.encode() + b"</rim:Value></rim:ValueList></rim:Slot></rim:ExtrinsicObject>"
            b"</rim:RegistryObjectList></lcm:SubmitObjectsRequest>")


def test_archive_reading_is_bounded_and_stays_in_its_subset() -> None:
    good = _zip({"IHE_XDM/SUBSET01/METADATA.XML": _metadata("DOC0001.XML"), "IHE_XDM/SUBSET01/DOC0001.XML": b"<a/>",
                 "IHE_XDM/SUBSET01/OTHER.XML": b"<b/>"})
    assert [(d.member, d.data) for d in read_documents(good)] == [("IHE_XDM/SUBSET01/DOC0001.XML", b"<a/>")]
    bad = {
        "traversal": {"IHE_XDM/SUBSET01/METADATA.XML": _metadata("../../ETC.XML"), "ETC.XML": b"<a/>"},
        "missing": {"IHE_XDM/SUBSET01/METADATA.XML": _metadata("DOC0001.XML")},
        "no metadata": {"IHE_XDM/SUBSET01/DOC0001.XML": b"<a/>"},
        "bomb": {"IHE_XDM/SUBSET01/METADATA.XML": _metadata("DOC0001.XML"),
                 "IHE_XDM/SUBSET01/DOC0001.XML": b"<a>" + b" " * (21 * 1024 * 1024) + b"</a>"},
        "many": {f"F{i}.TXT": b"" for i in range(201)},
    }
    for name, files in bad.items():
        with pytest.raises(UnreadableArchive):
            read_documents(_zip(files))
            pytest.fail(f"{name}: read")
    with pytest.raises(UnreadableArchive):
        read_documents(b"pas un zip")


@pytest.fixture(scope="module")
def mss_imap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mss]:
    """The MSSanté mock with its IMAP side (dovecot); skipped while that side or dovecot is missing."""
    import mss_support

    from segur_harness.mocks.mss import settings

    if not hasattr(mss_support, "running_imap") or getattr(settings, "dovecot_binary", lambda: None)() is None:
        pytest.skip("the MSSanté mock has no IMAP server here (dovecot or the mock's IMAP side missing)")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SEGUR_VALIDATOR_URL", raising=False)
        with mss_support.running_imap(tmp_path_factory.mktemp("mss-imap")) as served:
            yield served


def test_against_the_mss_mock_imap_server(mss_imap: Mss) -> None:
    """End to end on the mocks: XDM sent by SMTP, read by IMAP, integrated, its MDN read back as an acknowledgement."""
    port = mss_imap.mock.imap.port
    sender = _receiver(mss_imap, port)
    before = len(mss_imap.messages())
    [entry] = send(sender, [sender.document(_patient_of(sender))["id"]], request_mdn=True)["messages"]
    receiver = _receiver(mss_imap, port, rpps=PHARMACIST)
    answer = _sync(receiver)
    assert answer["outcome"] == "SUCCESS", answer["message"]
    [got] = [r for r in answer["received"] if r["message_id"] == entry["message_id"]]
    assert got["outcome"] == "integrated" and got["mdn_sent"], got
    assert len(new_messages(mss_imap, before)) >= 2  # the XDM message and the receiver's MDN
    assert _sync(receiver)["fetched"] == 0  # marked \\Seen
    back = _sync(sender, DOCTOR_BOX, DOCTOR)  # the receiver's MDN (and any the mock itself sends back)
    assert back["received"] and {r["outcome"] for r in back["received"]} == {"acknowledgement"}, back
    [message] = sender.client.get("/adapter/v1/mss/messages").get_json()["sent"]
    assert ("MDN", "processed") in [(a["type"], a["disposition"]) for a in message["acknowledgements"]]


@pytest.mark.parametrize("defect", [None, "mss-no-insi-check"])
def test_the_received_ins_is_checked_with_insi_first(mss: Mss, box: tuple[Mailbox, int], defect: str | None) -> None:
    mailbox, port = box
    mailbox.deliver(_xdm_mail(mss)[0])
    insi = InsiStub(other_ins="160012B02077713")
    [got] = _sync(_receiver(mss, port, defect, rpps=PHARMACIST, insi=insi))["received"]
    if defect:
        assert insi.calls == 0 and got["outcome"] == "integrated"
    else:
        assert insi.calls == 1 and (got["outcome"], got["error_code"]) == ("refused", "904")


def test_insi_unavailable_leaves_the_message_for_the_next_reading(mss: Mss, box: tuple[Mailbox, int]) -> None:
    mailbox, port = box
    mailbox.deliver(_xdm_mail(mss)[0])
    before = len(mss.messages())
    receiver = _receiver(mss, port, rpps=PHARMACIST, insi=InsiStub(SERVICE_ERROR))
    [got] = _sync(receiver)["received"]
    assert (got["outcome"], got["documents"], got["mdn_sent"]) == ("deferred", [], False)
    assert len(mailbox.unseen()) == 1 and new_messages(mss, before) == []
    receiver.sut.mss.reader.inbound.identities = InsiStub()  # type: ignore[assignment]
    [again] = _sync(receiver)["received"]
    assert again["outcome"] == "integrated" and mailbox.unseen() == []
