"""MSSanté SMTP mock test support: a PSC mock and the MSS mock served on free loopback ports, real SMTP clients."""

from __future__ import annotations

import base64
import imaplib
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.message import EmailMessage
from pathlib import Path

import requests
from psc_support import CLIENT_ID as PSC_CLIENT
from psc_support import CLIENT_SECRET, REDIRECT, Psc, build, pkce, serve

from segur_harness.mocks.mss.server import MssMock
from segur_harness.mocks.mss.settings import MssSettings
from segur_harness.pki import ensure_mss_pki
from segur_harness.store import Store

T = 10
"""Seconds any client call may take: nothing hangs."""
DOCTOR = "10000000010"
DOCTOR_MAILBOX = "camille.testeur@test.mssante.fr"
PHARMACIST = "10000000028"
PATIENT = "297022A02077878@patient.mssante.fr"
ORGANISATION = "secretariat.ch-test@test.mssante.fr"
APPLICATION = "dpi.ch-test@test.mssante.fr"


@dataclass
class Mss:
    mock: MssMock
    store: Store
    psc: Psc
    pki_dir: Path

    @property
    def port(self) -> int:
        return self.mock.smtp_port

    @property
    def admin(self) -> str:
        return f"http://127.0.0.1:{self.mock.admin_port}/_admin"

    def sessions(self) -> list:
        return self.store.exchanges(service="mss-smtp", operation="SMTP-SESSION")

    def messages(self) -> list:
        return self.store.exchanges(service="mss-smtp", operation="SMTP-MESSAGE")


@contextmanager
def running(tmp_path: Path) -> Iterator[Mss]:
    """A PSC mock and the MSS mock (its introspection pointed at that PSC), both on free ports."""
    pki = ensure_mss_pki(tmp_path / "pki")
    psc = build(tmp_path, pki_dir=str(pki.directory))
    with contextmanager(serve)(psc) as served:
        cfg = {"mocks": {"host": "127.0.0.1", "max_body_bytes": 1024 * 1024, "psc": {"port": 1},
                         "mss": {"pki_dir": str(pki.directory), "idle_timeout_seconds": 10.0,
                                 "introspection_url": served.base + "/introspect"}}}
        settings = replace(MssSettings.from_config(cfg), port=0, admin_port=0)
        mock = MssMock(settings, psc.store)
        mock.start()
        try:
            yield Mss(mock, psc.store, served, pki.directory)
        finally:
            mock.stop()


def token_for(psc: Psc, rpps: str = DOCTOR) -> str:
    """A PSC access token obtained headlessly (authorization code + PKCE, test login)."""
    verifier, challenge = pkce()
    params = {"client_id": PSC_CLIENT, "response_type": "code", "scope": "openid scope_all", "redirect_uri": REDIRECT,
              "state": "s", "nonce": "n", "code_challenge": challenge, "code_challenge_method": "S256",
              "acr_values": "eidas1", "login_hint": rpps, "test_login": "1"}
    answer = requests.get(psc.base + "/auth", params=params, allow_redirects=False, timeout=T)
    assert answer.status_code == 302, answer.text
    code = requests.utils.urlparse(answer.headers["Location"]).query.split("code=")[1].split("&")[0]
    token = requests.post(psc.base + "/token", auth=(PSC_CLIENT, CLIENT_SECRET), timeout=T,
                          data={"grant_type": "authorization_code", "code": requests.utils.unquote(code),
                                "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert token.status_code == 200, token.text
    return token.json()["access_token"]


def client_context(pki_dir: Path, **options: object) -> ssl.SSLContext:
    """A client TLS context trusting the test CA (options: attributes to set, e.g. maximum_version)."""
    context = ssl.create_default_context(cafile=str(pki_dir / "ca.pem"))
    for name, value in options.items():
        setattr(context, name, value)
    return context


def xoauth2(user: str, token: str) -> str:
    return base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()


def connect(mss: Mss, context: ssl.SSLContext | None = None, *, starttls: bool = True) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", mss.port, local_hostname="sut.test", timeout=T)
    client.ehlo()
    if starttls:
        client.starttls(context=context or client_context(mss.pki_dir))
        client.ehlo()
    return client


def authenticate(client: smtplib.SMTP, user: str, token: str) -> tuple[int, bytes]:
    return client.docmd("AUTH", "XOAUTH2 " + xoauth2(user, token))


def message(sender: str = DOCTOR_MAILBOX, to: str = PATIENT, subject: str = "Test MSSante") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = "<test-1@sut.test>"
    msg.set_content("Bonjour, document de test.\n")
    return msg


# -- IMAP (dovecot) ----------------------------------------------------------------------------------------------
@contextmanager
def running_imap(tmp_path: Path, **mss: object) -> Iterator[Mss]:
    """As running(), with the IMAP side on (dovecot on a free port, its folder under `tmp_path`)."""
    from segur_harness.processes import free_port

    pki = ensure_mss_pki(tmp_path / "pki")
    psc = build(tmp_path, pki_dir=str(pki.directory))
    with contextmanager(serve)(psc) as served:
        cfg = {"mocks": {"host": "127.0.0.1", "max_body_bytes": 1024 * 1024, "psc": {"port": 1},
                         "mss": {"pki_dir": str(pki.directory), "idle_timeout_seconds": 10.0,
                                 "introspection_url": served.base + "/introspect", "imap": "on",
                                 "imap_dir": str(tmp_path / "mss-imap"), **mss}}}
        settings = replace(MssSettings.from_config(cfg), port=0, admin_port=0, imap_admin_port=0,
                           imap_port=int(str(mss.get("imap_port", 0))) or free_port())
        mock = MssMock(settings, psc.store)
        mock.start()
        try:
            yield Mss(mock, psc.store, served, pki.directory)
        finally:
            mock.stop()


def imap_admin(mss: Mss) -> str:
    assert mss.mock.imap is not None
    return f"http://127.0.0.1:{mss.mock.imap.admin_port}/_admin"


def imap_connect(mss: Mss, context: ssl.SSLContext | None = None, *, starttls: bool = True) -> imaplib.IMAP4:
    assert mss.mock.imap is not None
    client = imaplib.IMAP4("127.0.0.1", mss.mock.imap.port, timeout=T)
    if starttls:
        client.starttls(ssl_context=context or client_context(mss.pki_dir))
    return client


def imap_xoauth2(client: imaplib.IMAP4, user: str, token: str) -> tuple[str, list]:
    """AUTHENTICATE XOAUTH2: the initial response, then an empty line to an error challenge (RFC 7628 §3.2.3)."""
    answers = [f"user={user}\x01auth=Bearer {token}\x01\x01".encode()]
    return client.authenticate("XOAUTH2", lambda _challenge: answers.pop() if answers else b"")
