"""The reference SUT's Pro Santé Connect client against the PSC mock: login, ID token check, refresh, logout."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from mss_support import Mss

from segur_harness.sut.reference.psc.idtoken import InvalidIdToken, UnknownKey, verify

from .mss_helpers import DOCTOR, login, new_messages, provider, send, sut_for, wait_sessions

SUSPENDED = "10000000044"



@pytest.fixture
def short_tokens(mss: Mss) -> Iterator[None]:
    """Access tokens of the PSC mock live 1 s during the test."""
    lifetimes = provider(mss).lifetimes
    before = lifetimes["access_token_seconds"]
    lifetimes["access_token_seconds"] = 1
    yield
    lifetimes["access_token_seconds"] = before


def _calls(h) -> list[tuple[str, int | None, str]]:
    calls = h.client.get("/adapter/v1/psc-calls").get_json()["calls"]
    return [(c["endpoint"], c["status"], c["outcome"]) for c in calls]


def _document(h) -> str:
    return h.document(h.identity())["id"]


def test_login_runs_the_code_flow_with_pkce_and_checks_the_id_token(mss: Mss) -> None:
    h = sut_for(mss)
    before = len(mss.store.exchanges(service="psc", operation="authorize"))
    answer = login(h)
    assert answer["outcome"] == "SUCCESS" and answer["logged_in"] and not answer["alert"]
    assert (answer["rpps"], answer["national_id"], answer["mode"]) == (DOCTOR, "810000000010", "CPS")
    assert answer["expires_at"].endswith("Z")
    assert _calls(h) == [("discovery", 200, "SUCCESS"), ("authorize", 302, "SUCCESS"), ("token", 200, "SUCCESS"),
                         ("jwks", 200, "SUCCESS")]
    [authorize] = mss.store.exchanges(service="psc", operation="authorize")[before:]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize.path).query))
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and query["login_hint"] == DOCTOR
    token = mss.store.exchanges(service="psc", operation="token")[-1]
    assert token.request_headers["Authorization"].startswith("Basic ")  # client_secret_basic
    assert b"code_verifier=" in token.request_body and b"client_secret" not in token.request_body
    session = h.client.get(f"/adapter/v1/psc/session?rpps={DOCTOR}").get_json()
    assert session["logged_in"] and session["refresh_count"] == 0
    assert login(h, mode="ECPS")["mode"] == "ECPS"


def test_login_refused_or_unreachable_is_told_to_the_user(mss: Mss) -> None:
    h = sut_for(mss)
    unknown = login(h, "99999999999")
    assert unknown["outcome"] == "FAILURE" and unknown["alert"] and "access_denied" in unknown["message"]
    suspended = login(h, SUSPENDED)
    assert suspended["outcome"] == "FAILURE" and not suspended["logged_in"]
    assert ("authorize", 302, "FAILURE") in _calls(h)
    assert h.client.get("/adapter/v1/psc/session?rpps=99999999999").get_json()["logged_in"] is False
    h.client.put("/adapter/v1/services", json={"psc": "http://127.0.0.1:9", "psc_timeout_seconds": 1})
    down = login(h)
    assert down["outcome"] == "ERROR" and down["alert"] and "injoignable" in down["message"]
    assert _calls(h)[-1] == ("discovery", None, "ERROR")


def test_bad_bodies_are_422(mss: Mss) -> None:
    h = sut_for(mss)
    assert h.client.post("/adapter/v1/psc/login", json={"rpps": "123"}).status_code == 422
    assert h.client.post("/adapter/v1/psc/login", json={"rpps": DOCTOR, "mode": "OTP"}).status_code == 422
    assert h.client.post("/adapter/v1/psc/logout", json={}).status_code == 422
    assert h.client.get("/adapter/v1/psc/session").status_code == 422


def test_an_expired_token_is_refreshed_before_sending(mss: Mss, short_tokens: None) -> None:
    h = sut_for(mss)
    login(h)
    time.sleep(1.1)
    answer = send(h, [_document(h)])
    assert answer["outcome"] == "SUCCESS", answer["message"]
    assert ("refresh", 200, "SUCCESS") in _calls(h)
    assert h.client.get(f"/adapter/v1/psc/session?rpps={DOCTOR}").get_json()["refresh_count"] == 1


def test_psc_no_refresh_presents_the_expired_token(mss: Mss, short_tokens: None) -> None:
    h = sut_for(mss, "psc-no-refresh")
    login(h)
    time.sleep(1.1)
    answer = send(h, [_document(h)])
    assert answer["outcome"] == "FAILURE" and answer["alert"] and "535" in answer["message"]
    assert "refresh" not in [c[0] for c in _calls(h)]


def test_a_refused_token_is_renewed_once_then_the_message_goes(mss: Mss) -> None:
    h = sut_for(mss)
    login(h)
    h.sut.psc_sessions.get(DOCTOR).access_token = "jeton-revoque"
    answer = send(h, [_document(h)])
    assert answer["outcome"] == "SUCCESS", answer["message"]
    assert h.client.get(f"/adapter/v1/psc/session?rpps={DOCTOR}").get_json()["refresh_count"] == 1


def test_logout_revokes_ends_the_session_and_forgets_the_tokens(mss: Mss) -> None:
    h = sut_for(mss)
    login(h)
    revoked = len(mss.store.exchanges(service="psc", operation="revoke"))
    answer = h.post("/psc/logout", {"rpps": DOCTOR})
    assert answer["outcome"] == "SUCCESS" and answer["logged_in"] is False
    assert _calls(h)[-2:] == [("revoke", 200, "SUCCESS"), ("logout", 302, "SUCCESS")]
    assert len(mss.store.exchanges(service="psc", operation="revoke")) == revoked + 1
    assert h.client.get(f"/adapter/v1/psc/session?rpps={DOCTOR}").get_json()["logged_in"] is False
    sessions = len(wait_sessions(mss, 0))
    messages = len(mss.messages())
    refused = send(h, [_document(h)])
    assert refused["outcome"] == "REFUSED" and "Pro Santé Connect requise" in refused["message"]
    time.sleep(0.1)
    assert len(mss.sessions()) == sessions and new_messages(mss, messages) == []


def test_psc_logout_keeps_tokens_still_sends(mss: Mss) -> None:
    h = sut_for(mss, "psc-logout-keeps-tokens")
    login(h)
    revoked = len(mss.store.exchanges(service="psc", operation="revoke"))
    assert h.post("/psc/logout", {"rpps": DOCTOR})["outcome"] == "SUCCESS"
    assert len(mss.store.exchanges(service="psc", operation="revoke")) == revoked
    assert send(h, [_document(h)])["outcome"] == "SUCCESS"


def test_reset_forgets_sessions_and_calls(mss: Mss) -> None:
    h = sut_for(mss)
    login(h)
    assert h.client.post("/adapter/v1/reset").status_code == 204
    assert h.client.get("/adapter/v1/psc-calls").get_json() == {"calls": []}
    assert h.client.get(f"/adapter/v1/psc/session?rpps={DOCTOR}").get_json()["logged_in"] is False


# -- the ID token check on its own --------------------------------------------------------------------------------
ISSUER, CLIENT, NONCE = "http://psc.test", "segur-harness-sut", "n-1"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})


def _id_token(key: RSAKey = KEY, **claims: object) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": [CLIENT], "azp": CLIENT, "sub": "f:1", "nonce": NONCE, "iat": now,
            "exp": now + 60, **claims}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, body, key)


def _verify(token: str) -> dict:
    return verify(token, {"keys": [KEY.as_dict(private=False)]}, issuer=ISSUER, client_id=CLIENT, nonce=NONCE,
                  algorithms=["RS256"], leeway=0)


def test_id_token_checks() -> None:
    assert _verify(_id_token())["sub"] == "f:1"
    for claims, words in (({"iss": "http://other"}, "iss"), ({"aud": ["other"]}, "aud"), ({"nonce": "n-2"}, "nonce"),
                          ({"exp": int(time.time()) - 5}, "expiré")):
        with pytest.raises(InvalidIdToken, match=words):
            _verify(_id_token(**claims))
    with pytest.raises(UnknownKey):
        _verify(_id_token(RSAKey.generate_key(2048, parameters={"kid": "k2"})))
    forged = _id_token(RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    with pytest.raises(InvalidIdToken, match="signature"):
        _verify(forged)
