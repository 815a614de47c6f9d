"""Server TLS profiles outside the MSSanté policy (admin behaviour "tls"): what a careful client must refuse."""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from mss_support import Mss, T, client_context, running


@pytest.fixture
def mss(tmp_path: Path) -> Iterator[Mss]:
    with running(tmp_path) as served:
        yield served


def _profile(mss: Mss, name: str) -> None:
    answer = requests.post(mss.admin + "/behaviours", json={"kind": "tls", "params": {"profile": name}, "times": 1},
                           timeout=T)
    assert answer.status_code in (200, 201), answer.text


def _starttls(mss: Mss, context: ssl.SSLContext) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", mss.port, timeout=T)
    client.ehlo()
    client.starttls(context=context)
    return client


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tls11_profile_refused_by_a_policy_client_accepted_by_a_lax_one(mss: Mss) -> None:
    _profile(mss, "tls11")
    with pytest.raises((ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionResetError)):
        _starttls(mss, client_context(mss.pki_dir, minimum_version=ssl.TLSVersion.TLSv1_2))
    _profile(mss, "tls11")
    lax = client_context(mss.pki_dir, minimum_version=ssl.TLSVersion.TLSv1)
    lax.set_ciphers("DEFAULT:@SECLEVEL=0")
    client = _starttls(mss, lax)
    assert client.sock.version() == "TLSv1.1"
    client.quit()
    client = _starttls(mss, client_context(mss.pki_dir))  # one connection only: back to the policy
    assert client.sock.version() == "TLSv1.2"
    client.quit()


def test_cipher_outside_the_list(mss: Mss) -> None:
    _profile(mss, "suite-hors-liste")
    policy = client_context(mss.pki_dir, maximum_version=ssl.TLSVersion.TLSv1_2)
    policy.set_ciphers("ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384:"
                       "ECDHE-RSA-AES128-SHA256")
    with pytest.raises((ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionResetError)):
        _starttls(mss, policy)
    _profile(mss, "suite-hors-liste")
    lax = client_context(mss.pki_dir, maximum_version=ssl.TLSVersion.TLSv1_2)
    lax.set_ciphers("ALL")
    client = _starttls(mss, lax)
    assert client.sock.cipher()[0] == "AES128-GCM-SHA256"
    client.quit()


def test_certificate_outside_igc_sante(mss: Mss) -> None:
    _profile(mss, "certificat-hors-igc")
    with pytest.raises(ssl.SSLCertVerificationError):
        _starttls(mss, client_context(mss.pki_dir))
    _profile(mss, "certificat-hors-igc")
    lax = client_context(mss.pki_dir)
    lax.check_hostname = False
    lax.verify_mode = ssl.CERT_NONE
    client = _starttls(mss, lax)
    client.quit()
    deadline = time.monotonic() + T  # sessions are recorded when the server side sees the connection end
    while len(mss.sessions()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    recorded = [s.request_headers.get("tls_profile") for s in mss.sessions()]
    assert recorded.count("certificat-hors-igc") == 2


def test_unknown_profile_keeps_the_policy(mss: Mss) -> None:
    _profile(mss, "nope")
    client = _starttls(mss, client_context(mss.pki_dir))
    assert client.sock.version() == "TLSv1.2"
    client.quit()
