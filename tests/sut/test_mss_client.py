"""The reference SUT's MSSanté sending against the SMTP mock and test-only TLS servers: message, rules, defects."""

from __future__ import annotations

import base64
import io
import re
import ssl
import time
import warnings
import zipfile
from typing import Any

import pytest
from lxml import etree
from mss_support import Mss

from segur_harness.mocks.mss.content import rules
from segur_harness.pki import Pki, ensure_self_signed_server, rsa_server_cert
from segur_harness.processes import free_port
from segur_harness.sut.reference.mss.smtp import SmtpSession

from .dmp_helpers import Harness
from .mss_helpers import (
    DOCTOR_BOX,
    PATIENT_BOX,
    PHARMACIST_BOX,
    errors_of,
    login,
    new_messages,
    parsed,
    send,
    sut_for,
)
from .mss_servers import smtp_server

HL7 = "{urn:hl7-org:v3}"
MSS_CIPHERS = {"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-SHA384",
               "ECDHE-RSA-AES128-SHA256"}
OTHER = {"birth_name": "ADRTROIS", "birth_first_names": ["DOMINIQUE"], "sex": "F", "birth_date": "1997-02-26",
         "birth_place_cog": "2A020"}



def _ready(mss: Mss, defect: str | None = None, **ports: int) -> Harness:
    h = sut_for(mss, defect, **ports)
    assert login(h)["outcome"] == "SUCCESS"
    return h


def _one(mss: Mss, h: Harness, documents: list[str], **fields: Any) -> tuple[dict[str, Any], Any]:
    before = len(mss.messages())
    answer = send(h, documents, **fields)
    [stored] = new_messages(mss, before)
    return answer, stored


def _settled_sessions(mss: Mss) -> int:
    """Sessions are recorded when they end: the count once it stops moving."""
    count = len(mss.sessions())
    while True:
        time.sleep(0.1)
        again = len(mss.sessions())
        if again == count:
            return count
        count = again


def test_a_document_goes_in_one_conforming_message(mss: Mss) -> None:
    h = _ready(mss)
    ident = h.identity()
    doc = h.document(ident)["id"]
    cda = h.client.get(f"/adapter/v1/documents/{doc}/cda").data
    answer, stored = _one(mss, h, [doc], to_patient=True, request_mdn=True)
    assert answer["outcome"] == "SUCCESS" and not answer["alert"], answer["message"]
    [entry] = answer["messages"]
    assert entry["status"] == "sent" and entry["smtp_reply"].startswith("250 ") and entry["refused_recipients"] == {}
    assert entry["patient_identity_id"] == ident and set(entry["to"]) == {PHARMACIST_BOX, PATIENT_BOX}
    assert errors_of(stored) == []
    assert stored.request_headers["rcpt_to"].split(", ") == [PHARMACIST_BOX, PATIENT_BOX]
    assert stored.request_headers["tls_version"] == "TLSv1.2" and stored.request_headers["tls_cipher"] in MSS_CIPHERS
    assert stored.request_headers["auth_mechanism"] == "XOAUTH2"
    msg = parsed(stored.request_body)
    assert re.match(rules()["subject_pattern"], msg["Subject"]) and msg["Subject"] == entry["subject"]
    assert msg["Subject"].endswith("PAT-TROIS Dominique 28/03/1979")
    assert msg["X-MSS-CODECDA"] == etree.fromstring(cda).find(f"{HL7}code").get("code")
    assert (msg["X-MSS-INS"], msg["X-MSS-NIL"]) == ("O", "TEST-NIL-0001")
    assert re.fullmatch(r"<[0-9a-f]{32}@test\.mssante\.fr>", msg["Message-ID"]) and msg["Message-ID"] == entry[
        "message_id"]
    assert msg["Date"] and msg["MIME-Version"] == "1.0" and msg["Disposition-Notification-To"] == DOCTOR_BOX
    parts = {p.get_filename(): p for p in msg.iter_attachments()}
    assert set(parts) == {"IHE_XDM.ZIP", "CR-BIO-1.pdf"}
    assert parts["CR-BIO-1.pdf"].get_content().startswith(b"%PDF-")
    with zipfile.ZipFile(io.BytesIO(parts["IHE_XDM.ZIP"].get_content())) as archive:
        assert set(archive.namelist()) == {"INDEX.HTM", "README.TXT", "IHE_XDM/SUBSET01/METADATA.XML",
                                           "IHE_XDM/SUBSET01/DOC0001.XML"}
        assert archive.read("IHE_XDM/SUBSET01/DOC0001.XML") == cda
        metadata = archive.read("IHE_XDM/SUBSET01/METADATA.XML")
    assert b'name="URI"' in metadata and b"DOC0001.XML" in metadata and b"repositoryUniqueId" not in metadata
    listed = h.client.get("/adapter/v1/mss/messages").get_json()["sent"]
    assert [(m["message_id"], m["status"], m["document_ids"]) for m in listed] == [(entry["message_id"], "sent",
                                                                                      [doc])]


def test_n1_document_joins_its_own_pdf(mss: Mss) -> None:
    h = _ready(mss)
    doc = h.document(h.identity(), "N1-PDF")["id"]
    cda = etree.fromstring(h.client.get(f"/adapter/v1/documents/{doc}/cda").data)
    embedded = base64.b64decode(cda.find(f"{HL7}component/{HL7}nonXMLBody/{HL7}text").text)
    answer, stored = _one(mss, h, [doc])
    assert answer["outcome"] == "SUCCESS" and errors_of(stored) == []
    pdf = next(p for p in parsed(stored.request_body).iter_attachments() if p.get_content_type() == "application/pdf")
    assert pdf.get_content() == embedded


def _other_patient(h: Harness) -> str:
    from segur_harness.sut.reference.model import InsRecord

    ident = h.post("/identities", OTHER)["id"]
    identity = h.sut.registry.get(ident)
    identity.ins = InsRecord("297022A020778", "78", "1.2.250.1.213.1.4.10", "NIR", "2026-12-01T00:00:00Z", "INSI")
    identity.status = "QUAL"
    return ident


def test_one_message_per_patient(mss: Mss) -> None:
    h = _ready(mss)
    first, second = h.identity(), _other_patient(h)
    docs = [h.document(first)["id"], h.document(second, "VAC-NOTE")["id"], h.document(first, "CR-IMG")["id"]]
    before = len(mss.messages())
    answer = send(h, docs, to_patient=True)
    assert answer["outcome"] == "SUCCESS", answer["message"]
    assert [(m["patient_identity_id"], m["document_ids"]) for m in answer["messages"]] == [
        (first, [docs[0], docs[2]]), (second, [docs[1]])]
    stored = new_messages(mss, before)
    assert len(stored) == 2 and [errors_of(s) for s in stored] == [[], []]
    assert stored[0].request_headers["rcpt_to"].endswith(PATIENT_BOX)
    assert stored[1].request_headers["rcpt_to"].endswith("297022A02077878@patient.mssante.fr")
    assert parsed(stored[0].request_body)["X-MSS-CODECDA"].split(", ") == ["11502-2", "18748-4"]


def test_mss_several_patients_puts_them_in_one_message(mss: Mss) -> None:
    h = _ready(mss, "mss-several-patients")
    docs = [h.document(h.identity())["id"], h.document(_other_patient(h))["id"]]
    answer, stored = _one(mss, h, docs, to_patient=True)
    assert len(answer["messages"]) == 1
    assert "MSS-MSG-PATIENTS" in {f.rule for f in stored.errors}


def test_unqualified_identity_never_reaches_the_patient_mailbox(mss: Mss) -> None:
    h = _ready(mss)
    doc = h.document(h.identity("VALI"))["id"]
    sessions = _settled_sessions(mss)
    messages = len(mss.messages())
    alone = send(h, [doc], to=[], to_patient=True)
    assert alone["outcome"] == "REFUSED" and alone["alert"] and "INS non qualifié" in alone["message"]
    assert [m["status"] for m in alone["messages"]] == ["refused"]
    assert _settled_sessions(mss) == sessions and new_messages(mss, messages) == []
    answer, stored = _one(mss, h, [doc], to_patient=True)
    assert answer["outcome"] == "REFUSED" and answer["messages"][0]["status"] == "sent"
    assert stored.request_headers["rcpt_to"] == PHARMACIST_BOX and parsed(stored.request_body)["X-MSS-INS"] == "N"
    assert errors_of(stored) == []


def test_a_document_written_before_qualification_does_not_go_to_the_patient(mss: Mss) -> None:
    h = _ready(mss)
    ident = h.identity("VALI")
    doc = h.document(ident)["id"]
    h.sut.registry.get(ident).status = "QUAL"
    answer = send(h, [doc], to=[], to_patient=True)
    assert answer["outcome"] == "REFUSED" and "sans l'INS" in answer["message"]


def test_mss_ins_of_unqualified_writes_to_the_patient(mss: Mss) -> None:
    h = _ready(mss, "mss-ins-of-unqualified")
    answer, stored = _one(mss, h, [h.document(h.identity("VALI"))["id"]], to_patient=True)
    assert answer["outcome"] == "SUCCESS"
    assert PATIENT_BOX in stored.request_headers["rcpt_to"] and parsed(stored.request_body)["X-MSS-INS"] == "O"


@pytest.mark.parametrize(("defect", "rule"), [("mss-wrong-subject", "MSS-MSG-SUJET"),
                                              ("mss-no-x-mss-headers", "MSS-MSG-X-MSS")])
def test_header_defects_are_seen_by_the_mock(mss: Mss, defect: str, rule: str) -> None:
    h = _ready(mss, defect)
    _, stored = _one(mss, h, [h.document(h.identity())["id"]])
    assert rule in {f.rule for f in stored.errors}


def test_mss_no_xdm_attaches_the_raw_cda(mss: Mss) -> None:
    h = _ready(mss, "mss-no-xdm")
    _, stored = _one(mss, h, [h.document(h.identity())["id"]])
    assert "MSS-MSG-SANS-XDM" in {f.rule for f in stored.findings}
    assert "IHE_XDM.ZIP" not in {p.get_filename() for p in parsed(stored.request_body).iter_attachments()}


def test_refused_recipient_is_a_failure_with_the_server_reply(mss: Mss) -> None:
    h = _ready(mss)
    doc = h.document(h.identity())["id"]
    answer = send(h, [doc], to=["inconnu@test.mssante.fr"])
    assert answer["outcome"] == "FAILURE" and answer["alert"] and "550 5.1.1" in answer["message"]
    [entry] = answer["messages"]
    assert entry["status"] == "refused" and entry["refused_recipients"]["inconnu@test.mssante.fr"].startswith("550")
    partly = send(h, [doc], to=["inconnu@test.mssante.fr", PHARMACIST_BOX])
    assert partly["outcome"] == "FAILURE" and partly["messages"][0]["status"] == "sent"
    swallowing = _ready(mss, "mss-swallows-refusal")
    swallowed = send(swallowing, [swallowing.document(swallowing.identity())["id"]], to=["inconnu@test.mssante.fr"])
    assert swallowed["outcome"] == "SUCCESS" and swallowed["alert"] is False


def test_no_psc_session_means_no_smtp_connection(mss: Mss) -> None:
    h = sut_for(mss)
    doc = h.document(h.identity())["id"]
    sessions = _settled_sessions(mss)
    answer = send(h, [doc])
    assert answer["outcome"] == "REFUSED" and answer["alert"] and answer["messages"] == []
    assert _settled_sessions(mss) == sessions


def test_unreachable_server_is_an_error(mss: Mss) -> None:
    h = _ready(mss, smtp_port=free_port())
    answer = send(h, [h.document(h.identity())["id"]])
    assert answer["outcome"] == "ERROR" and answer["alert"] and "injoignable" in answer["message"]
    assert answer["messages"][0]["status"] == "error"


def test_bad_send_bodies_are_refused(mss: Mss) -> None:
    h = sut_for(mss)
    doc = h.document(h.identity())["id"]
    base = {"documents": [doc], "from": DOCTOR_BOX, "rpps": "10000000010", "to": [PHARMACIST_BOX]}
    for wrong in ({"documents": []}, {"from": "pas-une-adresse"}, {"rpps": "1"}, {"to": ["x"]}, {"to": [],
                  "to_patient": False}, {"request_mdn": "oui"}):
        assert h.client.post("/adapter/v1/mss/send", json={**base, **wrong}).status_code == 422, wrong
    assert h.client.post("/adapter/v1/mss/send", json={**base, "documents": ["DOC-404"]}).status_code == 404


# -- TLS policy against test-only servers ------------------------------------------------------------------------
def _server_context(mss: Mss, *, version: ssl.TLSVersion, ciphers: str, rogue: bool = False) -> ssl.SSLContext:
    pki = Pki(mss.pki_dir)
    cert, key = ensure_self_signed_server(pki) if rogue else rsa_server_cert(pki)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = context.maximum_version = version
    context.set_ciphers(ciphers)
    context.load_cert_chain(cert, key)
    return context


TLS_CASES = {
    "mss-accepts-tls-below-1.2": {"version": ssl.TLSVersion.TLSv1_1, "ciphers": "DEFAULT:@SECLEVEL=0"},
    "mss-any-cipher": {"version": ssl.TLSVersion.TLSv1_2, "ciphers": "AES128-GCM-SHA256"},
    "mss-no-server-cert-check": {"version": ssl.TLSVersion.TLSv1_2, "ciphers": ":".join(sorted(MSS_CIPHERS)),
                                 "rogue": True},
}


@pytest.mark.parametrize("defect", sorted(TLS_CASES))
def test_a_server_outside_the_tls_policy_is_refused_unless_the_defect(mss: Mss, defect: str) -> None:
    with smtp_server(_server_context(mss, **TLS_CASES[defect])) as (port, server):
        h = _ready(mss, smtp_port=port)
        refused = send(h, [h.document(h.identity())["id"]])
        assert refused["outcome"] == "ERROR" and refused["alert"], refused["message"]
        assert re.search("TLS|certificat", refused["message"]) and server.messages == []
        h = _ready(mss, defect, smtp_port=port)
        accepted = send(h, [h.document(h.identity())["id"]])
        assert accepted["outcome"] == "SUCCESS", accepted["message"]
        assert len(server.messages) == 1


# -- DSN parameters -----------------------------------------------------------------------------------------------
class _RecordingSmtp:
    def __init__(self, dsn: bool) -> None:
        self.dsn, self.calls = dsn, []

    def has_extn(self, name: str) -> bool:
        return self.dsn and name == "dsn"

    def mail(self, sender: str, options: list[str]) -> tuple[int, bytes]:
        self.calls.append(("MAIL", sender, options))
        return 250, b"2.1.0 Ok"

    def rcpt(self, recipient: str, options: list[str]) -> tuple[int, bytes]:
        self.calls.append(("RCPT", recipient, options))
        return 250, b"2.1.5 Ok"

    def data(self, data: bytes) -> tuple[int, bytes]:
        return 250, b"2.0.0 Ok"


@pytest.mark.parametrize("offered", [True, False])
def test_dsn_parameters_only_when_the_server_offers_dsn(offered: bool) -> None:
    session = SmtpSession.__new__(SmtpSession)
    session.client = _RecordingSmtp(offered)  # type: ignore[assignment]
    delivery = session.send(b"x", DOCTOR_BOX, [PHARMACIST_BOX], envelope_id="abc123", request_dsn=True)
    assert delivery.status == "sent" and delivery.dsn_requested is offered
    mail, rcpt = session.client.calls  # type: ignore[attr-defined]
    if offered:
        assert mail[2] == ["RET=HDRS", "ENVID=abc123"]
        assert rcpt[2] == ["NOTIFY=SUCCESS,FAILURE", f"ORCPT=rfc822;{PHARMACIST_BOX}"]
    else:
        assert mail[2] == [] and rcpt[2] == []
