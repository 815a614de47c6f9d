"""swaks, a real SMTP test client, against the MSSanté mock: the STARTTLS outcomes a misconfigured client meets.

swaks from Debian 12 (20201014) has no XOAUTH2, so it stops after TLS here; the
authenticated sending is proven with smtplib (test_mss_smtp.py). Skipped when
swaks is absent, except under CI where .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from mss_support import Mss, T, running

if shutil.which("swaks") is None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("CI requires swaks (Debian package swaks) for the MSSanté client tests", pytrace=False)
    pytest.skip("swaks is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def mss(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mss]:
    with running(tmp_path_factory.mktemp("swaks")) as served:
        yield served


def _swaks(mss: Mss, *options: str, ca: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = ["swaks", "--server", f"127.0.0.1:{mss.port}", "--tls", "--tls-verify", "--tls-ca-path",
               str(ca or mss.pki_dir / "ca.pem"), "--quit-after", "TLS", "--timeout", "10", *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


def _last_session_rules(mss: Mss, count: int) -> set[str]:
    deadline = time.monotonic() + T
    while len(mss.sessions()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return {f.rule for f in mss.sessions()[-1].findings}


def test_policy_client_negotiates_tls12_with_an_allowed_suite(mss: Mss) -> None:
    before = len(mss.sessions())  # the session is recorded when the mock sees the connection end: wait for it
    done = _swaks(mss)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "TLS started with cipher TLSv1.2:ECDHE-RSA-" in done.stdout
    assert "MSS-TLS" in _last_session_rules(mss, before + 1)


def test_tls11_client_fails_the_handshake(mss: Mss) -> None:
    before = len(mss.sessions())
    done = _swaks(mss, "--tls-protocol", "tlsv1_1")
    assert done.returncode != 0 and "TLS started" not in done.stdout, done.stdout
    if "MSS-TLS-POLITIQUE" not in _last_session_rules(mss, before + 1):
        assert "protocol" in (done.stdout + done.stderr).lower()  # this OpenSSL would not even offer TLS 1.1


def test_refused_cipher_fails_the_handshake(mss: Mss) -> None:
    before = len(mss.sessions())
    done = _swaks(mss, "--tls-protocol", "tlsv1_2", "--tls-cipher", "AES128-SHA")
    assert done.returncode != 0 and "TLS started" not in done.stdout, done.stdout
    assert "MSS-TLS-POLITIQUE" in _last_session_rules(mss, before + 1)


def test_wrong_certificate_refused_by_a_verifying_client(mss: Mss) -> None:
    behaviour = {"kind": "tls", "params": {"profile": "certificat-hors-igc"}, "times": 1}
    assert requests.post(mss.admin + "/behaviours", json=behaviour, timeout=T).status_code in (200, 201)
    done = _swaks(mss)
    assert done.returncode != 0 and "TLS started" not in done.stdout, done.stdout
    assert "certificate" in (done.stdout + done.stderr).lower()
