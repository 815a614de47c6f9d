"""The MSSanté IMAP endpoint: a real dovecot started by the MSS mock, with Python's imaplib as the client.

STARTTLS with the MSSanté TLS policy, XOAUTH2 with a real PSC token through the
introspection bridge, delivery by SMTP and by the admin API, exact bytes over
FETCH, refusals, recording, and no dovecot left behind. One running mock per
module; skipped without dovecot, except under CI where dovecot is required.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests
from mss_support import (
    DOCTOR_MAILBOX,
    ORGANISATION,
    PHARMACIST,
    Mss,
    T,
    authenticate,
    client_context,
    connect,
    imap_admin,
    imap_connect,
    imap_xoauth2,
    message,
    running_imap,
    token_for,
)

from segur_harness.mocks.mss.settings import DOVECOT_MISSING, dovecot_binary
from segur_harness.store import Exchange

PHARMACIST_MAILBOX = "paul.pharmacien@test.mssante.fr"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

if dovecot_binary() is None:
    if IN_CI:
        pytest.fail(f"CI requires dovecot for the MSSanté IMAP tests: {DOVECOT_MISSING}", pytrace=False)
    pytest.skip(DOVECOT_MISSING, allow_module_level=True)


@pytest.fixture(scope="module")
def mss(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mss]:
    with running_imap(tmp_path_factory.mktemp("imap")) as served:
        yield served


@pytest.fixture
def empty(mss: Mss) -> Mss:
    """The shared mock with every mailbox emptied (the admin reset, as before each scenario)."""
    assert requests.post(imap_admin(mss) + "/reset", timeout=T).status_code == 200
    return mss


def _exchanges(mss: Mss, operation: str, where: Callable[[Exchange], bool], count: int = 1) -> list[Exchange]:
    """mss-imap exchanges of `operation` matching `where`, waiting (bounded) for the log reader to record them."""
    deadline = time.monotonic() + T
    while True:
        found = [e for e in mss.store.exchanges(service="mss-imap", operation=operation) if where(e)]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def _crlf(msg: EmailMessage) -> bytes:
    return msg.as_bytes().replace(b"\n", b"\r\n")


def _refused(client: imaplib.IMAP4, user: str, token: str) -> str:
    with pytest.raises(imaplib.IMAP4.error) as failed:
        imap_xoauth2(client, user, token)
    return str(failed.value)


def test_messages_from_smtp_and_admin_fetched_byte_for_byte(empty: Mss) -> None:
    mss = empty
    sender_token = token_for(mss.psc, PHARMACIST)
    smtp = connect(mss)
    assert authenticate(smtp, PHARMACIST_MAILBOX, sender_token)[0] == 235
    by_smtp = message(sender=PHARMACIST_MAILBOX, to=DOCTOR_MAILBOX, subject="Par SMTP")
    assert smtp.send_message(by_smtp) == {}
    smtp.quit()
    [stored] = [m for m in mss.messages() if m.request_headers["rcpt_to"] == DOCTOR_MAILBOX]
    by_admin = message(sender=PHARMACIST_MAILBOX, to=DOCTOR_MAILBOX, subject="Par l'API")
    by_admin.replace_header("Message-ID", "<admin-1@sut.test>")
    posted = requests.post(imap_admin(mss) + f"/mailboxes/{DOCTOR_MAILBOX}/messages", data=_crlf(by_admin),
                           headers={"Content-Type": "message/rfc822"}, timeout=T)
    assert posted.status_code == 201 and posted.json()["delivered"] is True, posted.text

    client = imap_connect(mss)
    assert client.sock.version() == "TLSv1.2"
    assert imap_xoauth2(client, DOCTOR_MAILBOX, token_for(mss.psc))[0] == "OK"
    status, count = client.select("INBOX")
    assert (status, count) == ("OK", [b"2"])
    bodies = [client.fetch(str(n), "(BODY[])")[1][0][1] for n in (1, 2)]
    client.logout()
    assert bodies == [stored.request_body, _crlf(by_admin)]

    listed = requests.get(imap_admin(mss) + f"/mailboxes/{DOCTOR_MAILBOX}/messages", timeout=T).json()
    assert [m["subject"] for m in listed] == ["Par SMTP", "Par l'API"]
    assert all(m["seen"] and "\\Seen" in m["imap_flags"] and m["folder"] == "cur" for m in listed)
    deliveries = _exchanges(mss, "IMAP-DELIVERY", lambda e: e.request_headers["mailbox"] == DOCTOR_MAILBOX, 2)
    assert [d.request_headers["source"] for d in deliveries[-2:]] == ["smtp", "admin"]
    assert deliveries[-2].request_headers["queue_id"] == stored.request_headers["queue_id"]
    assert deliveries[-1].id == posted.json()["exchange_id"] and deliveries[-1].request_body == _crlf(by_admin)
    [session] = _exchanges(mss, "IMAP-SESSION", lambda e: e.status == 200 and b"FETCH" in e.request_body)
    assert b"SELECT INBOX" in session.request_body and stored.request_body in session.response_body


def test_organisation_mailbox_opens_for_its_owner(mss: Mss) -> None:
    client = imap_connect(mss)
    assert imap_xoauth2(client, ORGANISATION, token_for(mss.psc))[0] == "OK"
    assert client.select("INBOX")[0] == "OK"
    client.logout()
    [login] = _exchanges(mss, "IMAP-LOGIN", lambda e: e.request_headers["user"] == ORGANISATION)
    assert login.status == 200 and login.method == "XOAUTH2" and login.request_headers["tls"] == "yes"
    assert login.peer and login.peer.startswith("127.0.0.1:") and login.request_headers["national_id"] == "810000000010"


def test_oauthbearer_works_too(mss: Mss) -> None:
    token = token_for(mss.psc)
    client = imap_connect(mss)
    blob = f"n,a={DOCTOR_MAILBOX},\x01host=127.0.0.1\x01auth=Bearer {token}\x01\x01".encode()  # RFC 7628 §3.1
    assert client.authenticate("OAUTHBEARER", lambda _: blob)[0] == "OK"
    client.logout()
    assert _exchanges(mss, "IMAP-LOGIN", lambda e: e.method == "OAUTHBEARER" and e.status == 200)


def test_token_of_another_professional_refused_and_recorded(mss: Mss) -> None:
    client = imap_connect(mss)
    assert "AUTHENTICATIONFAILED" in _refused(client, DOCTOR_MAILBOX, token_for(mss.psc, PHARMACIST))
    client.logout()
    [login] = _exchanges(mss, "IMAP-LOGIN", lambda e: e.status == 401 and e.request_headers["user"] == DOCTOR_MAILBOX
                         and e.request_headers.get("national_id") == "8" + PHARMACIST)
    assert "ne possède pas la boîte" in login.findings[0].message and login.method == "XOAUTH2"


@pytest.mark.parametrize("kind", ["garbage", "revoked"])
def test_garbage_or_inactive_token_refused(mss: Mss, kind: str) -> None:
    token = "nimporte-quoi"
    if kind == "revoked":
        from psc_support import CLIENT_ID, CLIENT_SECRET

        token = token_for(mss.psc)
        assert requests.post(mss.psc.base + "/revoke", data={"token": token}, auth=(CLIENT_ID, CLIENT_SECRET),
                             timeout=T).status_code == 200
    client = imap_connect(mss)
    assert "AUTHENTICATIONFAILED" in _refused(client, PHARMACIST_MAILBOX, token)
    client.logout()
    found = _exchanges(mss, "IMAP-LOGIN", lambda e: e.status == 401 and "inactif" in e.findings[0].message
                       and e.request_headers["user"] == PHARMACIST_MAILBOX, 1 if kind == "garbage" else 2)
    assert found


def test_psc_unreachable_is_a_temporary_failure(mss: Mss) -> None:
    assert mss.mock.imap is not None
    bridge = mss.mock.imap.bridge
    kept = bridge.settings
    bridge.settings = replace(kept, introspection_url="http://127.0.0.1:9/introspect", introspection_timeout=1.0)
    try:
        client = imap_connect(mss)
        assert "UNAVAILABLE" in _refused(client, ORGANISATION, "jeton")
        client.logout()
    finally:
        bridge.settings = kept
    [login] = _exchanges(mss, "IMAP-LOGIN", lambda e: e.status == 503)
    assert login.request_headers["result"] == "unavailable" and "injoignable" in login.findings[0].message


def test_no_plaintext_login_and_no_auth_before_starttls(mss: Mss) -> None:
    client = imap_connect(mss, starttls=False)
    assert "LOGINDISABLED" in client.capabilities and "STARTTLS" in client.capabilities
    assert "AUTHENTICATIONFAILED" in _refused(client, DOCTOR_MAILBOX, token_for(mss.psc))  # localhost, no TLS
    client.logout()
    client = imap_connect(mss)
    assert "AUTH=XOAUTH2" in client.capabilities and "AUTH=PLAIN" not in client.capabilities
    with pytest.raises(imaplib.IMAP4.error):
        client.login(DOCTOR_MAILBOX, "secret")
    with pytest.raises(imaplib.IMAP4.error):
        client.authenticate("PLAIN", lambda _: f"\0{DOCTOR_MAILBOX}\0secret".encode())
    client.logout()
    assert _exchanges(mss, "IMAP-LOGIN", lambda e: "sans STARTTLS" in e.findings[0].message)
    refused = _exchanges(mss, "IMAP-LOGIN", lambda e: "mécanisme SASL non proposé" in e.findings[0].message, 2)
    assert [(e.method, e.status, e.request_headers["tls"]) for e in refused[-2:]] == [("PLAIN", 401, "yes")] * 2


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("profile", ["tls11", "cipher", "tls13"])
def test_tls_outside_the_policy_fails_the_handshake(mss: Mss, profile: str) -> None:
    context = client_context(mss.pki_dir)
    try:  # deliberately misconfigured clients
        if profile == "tls11":
            context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        elif profile == "cipher":
            context.maximum_version = ssl.TLSVersion.TLSv1_2
            context.set_ciphers("AES128-SHA")
        else:
            context.minimum_version = ssl.TLSVersion.TLSv1_3
    except (ValueError, ssl.SSLError) as exc:
        pytest.skip(f"the local OpenSSL cannot build this client: {exc}")
    client = imap_connect(mss, starttls=False)
    with pytest.raises((ssl.SSLError, ConnectionError, imaplib.IMAP4.abort, OSError)) as failed:
        client.starttls(ssl_context=context)
    if "NO_PROTOCOLS_AVAILABLE" in str(failed.value):
        pytest.skip("the local OpenSSL refuses to offer TLS 1.1 at all")
    with contextlib.suppress(OSError):  # the failed handshake already closed the socket
        client.shutdown()
    assert _exchanges(mss, "IMAP-SESSION", lambda e: any(f.rule == "MSS-TLS-POLITIQUE" for f in e.findings))


def test_each_allowed_cipher_is_accepted_in_server_order(mss: Mss) -> None:
    for cipher in ("ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-SHA384",
                   "ECDHE-RSA-AES128-SHA256"):
        context = client_context(mss.pki_dir, maximum_version=ssl.TLSVersion.TLSv1_2)
        context.set_ciphers(cipher)
        client = imap_connect(mss, context)
        assert client.sock.cipher()[0] == cipher
        client.logout()


def test_dovecot_listens_on_the_imap_port_only(mss: Mss) -> None:
    assert mss.mock.imap is not None and mss.mock.imap.dovecot.pid is not None
    inodes = set()
    for pid in _group(mss.mock.imap.dovecot.pid):
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:
                    listening.add(fields[1])
    assert listening == {f"0100007F:{mss.mock.imap.port:04X}"}


def test_admin_routes_refuse_unknown_mailbox_and_empty_body(mss: Mss) -> None:
    base = imap_admin(mss)
    assert requests.get(base + "/health", timeout=T).json() == {"service": "mss-imap", "status": "up"}
    unknown = requests.post(base + "/mailboxes/inconnu@test.mssante.fr/messages", data=b"Subject: x\r\n\r\nx",
                            timeout=T)
    assert unknown.status_code == 404 and "annuaire" in unknown.json()["error"]
    assert requests.get(base + "/mailboxes/inconnu@test.mssante.fr/messages", timeout=T).status_code == 404
    empty = requests.post(base + f"/mailboxes/{DOCTOR_MAILBOX}/messages", data=b"", timeout=T)
    assert empty.status_code == 400 and "vide" in empty.json()["error"]


def _group(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group `pgid`, from /proc (dovecot's master and children)."""
    out = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat_file.read_text().rsplit(")", 1)[1].split()  # after "pid (comm)": state ppid pgrp …
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                out.append(int(stat_file.parent.name))
    return out


def _gone(pid: int, timeout: float = 8.0) -> bool:
    """True once nothing is left alive in `pid`'s process group."""
    deadline = time.monotonic() + timeout
    while _group(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_stop_leaves_no_dovecot(tmp_path: Path) -> None:
    with running_imap(tmp_path) as mss:
        assert mss.mock.imap is not None
        pid = mss.mock.imap.dovecot.pid
        spool = Path(mss.mock.imap.info()["maildirs"]).parent
        assert pid is not None and len(_group(pid)) > 1  # the master and its children
    assert _gone(pid, 1.0)
    assert not spool.exists() or spool == tmp_path / "mss-imap"  # a /tmp spool is removed


def test_sigkilled_mock_process_leaves_no_dovecot(tmp_path: Path, isolated_env: dict[str, str]) -> None:
    from segur_harness.pki import ensure_mss_pki

    pki = ensure_mss_pki(tmp_path / "pki")
    env = {**isolated_env, "SEGUR__MOCKS__MSS__IMAP": "on", "SEGUR__MOCKS__MSS__PKI_DIR": str(pki.directory)}
    proc = subprocess.Popen([sys.executable, "-m", "segur_harness.mocks.mss"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        lines = [proc.stdout.readline().split() for _ in range(2)]
        assert lines[1][:1] == ["mss-imap"], (lines, proc.stderr.read() if proc.poll() is not None else "")
        deadline = time.monotonic() + 20
        while True:  # up once the SMTP admin answers (started after dovecot)
            try:
                requests.get(lines[0][3] + "/health", timeout=1).raise_for_status()
                info = requests.get(lines[1][3] + "/dovecot", timeout=1).json()
                pid, spool = info["pid"], Path(info["maildirs"]).parent
                break
            except requests.RequestException:
                assert time.monotonic() < deadline and proc.poll() is None, "mss mock did not come up"
                time.sleep(0.05)
        assert len(_group(pid)) > 1
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
        assert _gone(pid), "dovecot outlived the SIGKILLed mock process"
        if spool.name.startswith("segur-mss-imap-"):  # the killed mock could not remove its /tmp spool
            shutil.rmtree(spool, ignore_errors=True)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=5)


def test_config_refused_and_port_taken_reported_in_one_line(tmp_path: Path) -> None:
    from segur_harness.mocks.mss.imap_process import DovecotError, check_config

    bad = tmp_path / "bad.conf"
    bad.write_text("protocols = imap\nno_such_setting = 1\n")
    with pytest.raises(DovecotError, match="no_such_setting") as refused:
        check_config(dovecot_binary() or "dovecot", bad)
    assert str(bad) in str(refused.value) and "\n" not in str(refused.value)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(DovecotError, match="déjà pris"), running_imap(tmp_path, imap_port=sock.getsockname()[1]):
            pass


def _sent_with(mss: Mss, msg: EmailMessage, rcpt_options: tuple[str, ...] = ()) -> None:
    client = connect(mss)
    assert "dsn" in client.esmtp_features
    assert authenticate(client, DOCTOR_MAILBOX, token_for(mss.psc))[0] == 235
    assert client.send_message(msg, rcpt_options=list(rcpt_options)) == {}
    client.quit()


def _box(mss: Mss, address: str) -> list[dict]:
    return requests.get(f"{imap_admin(mss)}/mailboxes/{address}/messages", timeout=T).json()


def test_recipient_lps_sends_an_mdn_into_the_senders_mailbox(empty: Mss) -> None:
    msg = message(to=PHARMACIST_MAILBOX)
    msg["Disposition-Notification-To"] = DOCTOR_MAILBOX
    _sent_with(empty, msg)
    [mdn] = _exchanges(empty, "IMAP-DELIVERY", lambda e: e.request_headers.get("source") == "mdn")
    assert mdn.request_headers["mailbox"] == DOCTOR_MAILBOX
    assert b"report-type=\"disposition-notification\"" in mdn.request_body
    assert b"<test-1@sut.test>" in mdn.request_body  # Original-Message-ID, In-Reply-To
    assert len(_box(empty, DOCTOR_MAILBOX)) == 1 and len(_box(empty, PHARMACIST_MAILBOX)) == 1


def test_dsn_on_notify_success_and_bad_notify_refused(empty: Mss) -> None:
    _sent_with(empty, message(to=PHARMACIST_MAILBOX), ("NOTIFY=SUCCESS,FAILURE", f"ORCPT=rfc822;{PHARMACIST_MAILBOX}"))
    [dsn] = _exchanges(empty, "IMAP-DELIVERY", lambda e: e.request_headers.get("source") == "dsn")
    assert dsn.request_headers["mailbox"] == DOCTOR_MAILBOX and b"Action: delivered" in dsn.request_body
    client = connect(empty)
    assert authenticate(client, DOCTOR_MAILBOX, token_for(empty.psc))[0] == 235
    assert client.mail(DOCTOR_MAILBOX, ["RET=HDRS", "ENVID=env-1"])[0] == 250
    assert client.rcpt(PHARMACIST_MAILBOX, ["NOTIFY=SOMETIMES"])[0] == 501
    client.quit()
