"""The MSSanté SMTP mock with real clients (smtplib, swaks): STARTTLS, TLS policy, XOAUTH2, directory, recording."""

from __future__ import annotations

import base64
import json
import shutil
import smtplib
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mss_support import (
    APPLICATION,
    DOCTOR_MAILBOX,
    ORGANISATION,
    PATIENT,
    PHARMACIST,
    Mss,
    T,
    authenticate,
    client_context,
    connect,
    message,
    running,
    token_for,
    xoauth2,
)


@pytest.fixture
def mss(tmp_path: Path) -> Iterator[Mss]:
    with running(tmp_path) as served:
        yield served


def _wait_sessions(mss: Mss, count: int) -> list:
    deadline = time.monotonic() + T
    while time.monotonic() < deadline:
        found = mss.sessions()
        if len(found) >= count:
            return found
        time.sleep(0.05)
    return mss.sessions()


def test_starttls_xoauth2_message_recorded_raw(mss: Mss) -> None:
    token = token_for(mss.psc)
    client = connect(mss)
    assert client.sock.version() == "TLSv1.2"
    assert "XOAUTH2" in client.esmtp_features["auth"] and "PLAIN" not in client.esmtp_features["auth"]
    assert authenticate(client, DOCTOR_MAILBOX, token)[0] == 235
    msg = message()
    assert client.send_message(msg) == {}
    client.quit()
    [stored] = mss.messages()
    assert stored.request_body == msg.as_bytes().replace(b"\n", b"\r\n")
    assert stored.request_headers["mail_from"] == DOCTOR_MAILBOX and stored.request_headers["rcpt_to"] == PATIENT
    assert stored.request_headers["auth_mechanism"] == "XOAUTH2" and stored.message_id == "<test-1@sut.test>"
    [session] = _wait_sessions(mss, 1)
    assert session.status == 221 and session.request_headers["tls_version"] == "TLSv1.2"
    assert session.request_body.startswith(b"ehlo sut.test\r\nSTARTTLS\r\n")
    assert b"\r\n354 " in session.response_body and session.response_body.endswith(b"221 Bye\r\n")


def test_organisation_mailbox_of_its_owner(mss: Mss) -> None:
    client = connect(mss)
    assert authenticate(client, ORGANISATION, token_for(mss.psc))[0] == 235
    assert client.send_message(message(sender=ORGANISATION)) == {}
    client.quit()


def test_mail_before_starttls_is_refused(mss: Mss) -> None:
    client = connect(mss, starttls=False)
    assert "auth" not in client.esmtp_features  # RFC 3207: AUTH offered only over TLS
    code, text = client.docmd("MAIL", f"FROM:<{DOCTOR_MAILBOX}>")
    assert (code, text[:5]) == (530, b"5.7.0")
    code, _ = client.docmd("AUTH", "XOAUTH2 " + xoauth2(DOCTOR_MAILBOX, "x"))
    assert code == 530
    client.quit()


def test_mail_without_auth_is_refused(mss: Mss) -> None:
    client = connect(mss)
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        client.send_message(message())
    assert refused.value.smtp_code == 530
    client.quit()


@pytest.mark.parametrize("token", ["nimporte-quoi", "expired"])
def test_wrong_or_expired_token_gets_xoauth2_error_then_535(mss: Mss, token: str) -> None:
    if token == "expired":
        token = token_for(mss.psc)
        requests_revoke(mss, token)  # no longer active at PSC, as an expired token
    client = connect(mss)
    code, challenge = authenticate(client, DOCTOR_MAILBOX, token)
    assert code == 334
    error = json.loads(base64.b64decode(challenge))
    assert error["status"] == "401" and error["schemes"] == "bearer"
    code, text = client.docmd("")
    assert (code, text[:5]) == (535, b"5.7.8")
    client.quit()


def requests_revoke(mss: Mss, token: str) -> None:
    import requests
    from psc_support import CLIENT_ID, CLIENT_SECRET

    assert requests.post(mss.psc.base + "/revoke", data={"token": token}, auth=(CLIENT_ID, CLIENT_SECRET),
                         timeout=T).status_code == 200


def test_token_of_someone_else_refused(mss: Mss) -> None:
    client = connect(mss)
    code, _ = authenticate(client, DOCTOR_MAILBOX, token_for(mss.psc, PHARMACIST))
    assert code == 334
    assert client.docmd("")[0] == 535
    client.quit()


def test_sender_not_owned_is_refused(mss: Mss) -> None:
    client = connect(mss)
    assert authenticate(client, DOCTOR_MAILBOX, token_for(mss.psc))[0] == 235
    code, text = client.docmd("MAIL", "FROM:<paul.pharmacien@test.mssante.fr>")
    assert (code, text[:5]) == (553, b"5.7.1")
    client.quit()


def test_unknown_recipient_550_511(mss: Mss) -> None:
    client = connect(mss)
    assert authenticate(client, DOCTOR_MAILBOX, token_for(mss.psc))[0] == 235
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.send_message(message(to="inconnu@test.mssante.fr"))
    code, text = refused.value.recipients["inconnu@test.mssante.fr"]
    assert (code, text[:5]) == (550, b"5.1.1")
    client.quit()
    assert mss.messages() == []


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tls11_client_fails_the_handshake(mss: Mss) -> None:
    context = client_context(mss.pki_dir)
    try:  # deprecated on purpose: this is the misconfigured client
        context.minimum_version = ssl.TLSVersion.TLSv1_1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    except (ValueError, ssl.SSLError) as exc:
        pytest.skip(f"the local OpenSSL cannot offer TLS 1.1: {exc}")
    client = smtplib.SMTP("127.0.0.1", mss.port, timeout=T)
    client.ehlo()
    with pytest.raises((ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionResetError)) as failed:
        client.starttls(context=context)
    if "NO_PROTOCOLS_AVAILABLE" in str(failed.value):
        pytest.skip("the local OpenSSL refuses to offer TLS 1.1 at all")
    client.close()
    [session] = _wait_sessions(mss, 1)
    assert session.request_body.endswith(b"STARTTLS\r\n")
    assert "MSS-TLS-POLITIQUE" in [f.rule for f in session.findings]


def test_refused_cipher_fails_the_handshake(mss: Mss) -> None:
    context = client_context(mss.pki_dir, maximum_version=ssl.TLSVersion.TLSv1_2)
    context.set_ciphers("AES128-SHA")
    client = smtplib.SMTP("127.0.0.1", mss.port, timeout=T)
    client.ehlo()
    with pytest.raises((ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionResetError)):
        client.starttls(context=context)
    client.close()
    [session] = _wait_sessions(mss, 1)
    assert "MSS-TLS-POLITIQUE" in [f.rule for f in session.findings]


def test_tls13_client_refused(mss: Mss) -> None:
    context = client_context(mss.pki_dir, minimum_version=ssl.TLSVersion.TLSv1_3)
    client = smtplib.SMTP("127.0.0.1", mss.port, timeout=T)
    client.ehlo()
    with pytest.raises((ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionResetError)):
        client.starttls(context=context)
    client.close()


def test_each_allowed_cipher_is_accepted(mss: Mss) -> None:
    for cipher in ("ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-SHA384",
                   "ECDHE-RSA-AES128-SHA256"):
        context = client_context(mss.pki_dir, maximum_version=ssl.TLSVersion.TLSv1_2)
        context.set_ciphers(cipher)
        client = connect(mss, context)
        assert client.sock.cipher()[0] == cipher
        client.quit()


def test_application_mailbox_by_certificate(mss: Mss) -> None:
    context = client_context(mss.pki_dir)
    context.load_cert_chain(mss.pki_dir / "client-MSS-APPLICATION.pem", mss.pki_dir / "client-MSS-APPLICATION.key")
    client = connect(mss, context)
    assert client.docmd("AUTH", "EXTERNAL =")[0] == 235
    assert client.send_message(message(sender=APPLICATION)) == {}
    client.quit()
    assert mss.messages()[0].request_headers["auth_mechanism"] == "EXTERNAL"


def test_external_without_application_certificate_refused(mss: Mss) -> None:
    client = connect(mss)
    assert client.docmd("AUTH", "EXTERNAL =")[0] == 535
    client.quit()


def test_every_session_recorded_once(mss: Mss) -> None:
    for _ in range(3):
        connect(mss, starttls=False).quit()
    client = connect(mss)
    client.close()  # abrupt end
    found = _wait_sessions(mss, 4)
    time.sleep(0.2)
    assert len(mss.sessions()) == 4 == len(found)


def _swaks_xoauth2() -> str | None:
    """Why swaks cannot run the XOAUTH2 test (absent, or too old: Debian 12's 20201014 has no XOAUTH2), else None."""
    found = shutil.which("swaks")
    if found is None:
        return "swaks is not installed"
    with open(found, "rb") as script:
        return None if b"XOAUTH2" in script.read() else "this swaks has no XOAUTH2 (needs a swaks newer than 20201014)"


@pytest.mark.skipif(_swaks_xoauth2() is not None, reason=_swaks_xoauth2() or "")
def test_swaks(mss: Mss) -> None:
    token = token_for(mss.psc)
    done = subprocess.run(["swaks", "--server", f"127.0.0.1:{mss.port}", "--tls", "--tls-ca-path",
                           str(mss.pki_dir / "ca.pem"), "--auth", "XOAUTH2", "--auth-user", DOCTOR_MAILBOX,
                           "--auth-password", token, "--from", DOCTOR_MAILBOX, "--to", PATIENT],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(mss.messages()) == 1
