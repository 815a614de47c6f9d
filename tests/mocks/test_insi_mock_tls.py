"""INSi mock in mutual TLS mode: only INSI-AUTO / INSI-MANU client certificates are served."""

from __future__ import annotations

import threading

import pytest
import requests
from insi_mock_support import CT, Answer, traits_request

from segur_harness.mocks.insi.tls import make_tls_server
from segur_harness.pki import CLIENT_CNS, ensure_pki, generate_pki

VALID = ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return generate_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_url(make_app, pki):
    app, store = make_app(tls=True)
    server = make_tls_server(app, "127.0.0.1", 0, pki.directory)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_port}", store
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def call(url: str, pki, cn: str | None) -> Answer:
    cert = (str(pki.client_cert(cn)), str(pki.client_key(cn))) if cn else None
    response = requests.post(f"{url}/lps", data=traits_request(*VALID), headers={"Content-Type": CT},
                             cert=cert, verify=str(pki.ca_cert), timeout=10)
    return Answer(response.status_code, response.content)


@pytest.mark.parametrize("cn", ["INSI-AUTO", "INSI-MANU"])
def test_accepted_certificates(tls_url, pki, cn):
    url, store = tls_url
    assert call(url, pki, cn).code_cr == "00"
    assert any(f.rule == "INSI-TLS-CN" and cn in f.message for f in store.exchanges(service="insi")[-1].findings)


@pytest.mark.parametrize("cn", ["INSI-INCONNU", None], ids=["bad-cn", "no-certificate"])
def test_refused_certificates_get_recorded_fault(tls_url, pki, cn):
    url, store = tls_url
    answer = call(url, pki, cn)
    assert (answer.status, answer.erreur_code) == (400, "desir_560")
    assert answer.subcode.endswith(":siram_100")
    recorded = store.exchanges(service="insi")[-1]
    assert recorded.status == 400
    assert {"INSI-TLS-CN", "INSI-TLS-CERT"} & {f.rule for f in recorded.errors}


def test_pki_is_reused_until_it_expires(tmp_path):
    first = ensure_pki(tmp_path)
    ca = first.ca_cert.read_bytes()
    assert ensure_pki(tmp_path).ca_cert.read_bytes() == ca
    first.server_cert.unlink()
    assert ensure_pki(tmp_path).ca_cert.read_bytes() != ca
    assert all(first.client_cert(cn).is_file() for cn in CLIENT_CNS)
    assert oct(first.ca_key.stat().st_mode & 0o777) == "0o600"
