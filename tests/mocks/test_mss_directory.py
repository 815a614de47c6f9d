"""Directory, XOAUTH2 parsing and the TLS policy data of the MSSanté mock (no server)."""

from __future__ import annotations

from segur_harness.mocks.mss.directory import Directory, Identity
from segur_harness.mocks.mss.settings import FIXTURES, MssSettings, admin_port
from segur_harness.mocks.mss.tls import TlsPolicy
from segur_harness.mocks.mss.xoauth2 import parse_initial_response, rpps_of


def test_directory_fixture() -> None:
    directory = Directory.load(FIXTURES / "directory.toml")
    assert directory.get("Camille.Testeur@test.mssante.fr").kind == "professional"
    assert directory.get("297022A02077878@patient.mssante.fr").kind == "patient"
    assert directory.get("inconnu@test.mssante.fr") is None
    assert directory.owned_by("10000000010", "secretariat.ch-test@test.mssante.fr")
    assert not directory.owned_by("10000000028", "camille.testeur@test.mssante.fr")
    app = directory.application("MSS-APPLICATION")
    assert app is not None and directory.may_send(Identity(app.address, "EXTERNAL"), app.address)
    assert not directory.may_send(Identity(app.address, "EXTERNAL"), "camille.testeur@test.mssante.fr")


def test_xoauth2_initial_response() -> None:
    creds = parse_initial_response(b"user=a@b.fr\x01auth=Bearer tok\x01\x01")
    assert creds is not None and (creds.user, creds.token) == ("a@b.fr", "tok")
    assert parse_initial_response(b"user=a@b.fr\x01auth=Basic tok\x01\x01") is None
    assert parse_initial_response(b"user=a@b.fr\x01auth=Bearer tok") is None
    assert rpps_of("810000000010") == "10000000010" and rpps_of("10000000010") is None


def test_tls_policy_is_domain_4() -> None:
    policy = TlsPolicy.load(FIXTURES / "tls_policy.toml")
    assert policy.versions == ("TLSv1.2",)
    assert policy.ciphers == ("ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
                              "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES128-SHA256")


def test_settings_defaults() -> None:
    from segur_harness.config import load_config

    settings = MssSettings.from_config(load_config({}))
    assert (settings.port, settings.admin_port) == (18587, 18588)
    assert settings.introspection_url == "http://127.0.0.1:18083/introspect"
    assert admin_port({"port": 2000, "admin_port": 3000}) == 3000
