"""PSC mock: discovery, JWKS, authorization code + PKCE with authlib's OAuth2Session, refresh, expiry, logout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from psc_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    DOCTOR,
    MSS,
    PHARMACIST,
    REDIRECT,
    SUSPENDED,
    Psc,
    authorize_params,
    build,
    pkce,
    serve,
)

T = 10


@pytest.fixture
def psc(tmp_path: Path) -> Iterator[Psc]:
    yield from serve(build(tmp_path))


def _login(psc: Psc, rpps: str = DOCTOR, mode: str = "CPS") -> tuple[OAuth2Session, dict]:
    """The whole code flow as a relying party does it: authlib client, PKCE S256, headless login."""
    client = OAuth2Session(CLIENT_ID, CLIENT_SECRET, scope="openid scope_all", redirect_uri=REDIRECT,
                           code_challenge_method="S256")
    verifier = generate_token(48)
    url, state = client.create_authorization_url(psc.base + "/auth", code_verifier=verifier, nonce="n-42",
                                                 acr_values="eidas1", login_hint=rpps, test_login="1",
                                                 test_mode=mode)
    answer = requests.get(url, allow_redirects=False, timeout=T)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT)
    token = client.fetch_token(psc.base + "/token", authorization_response=location, code_verifier=verifier,
                               timeout=T)
    return client, token


def _jwks(psc: Psc) -> KeySet:
    return KeySet.import_key_set(requests.get(psc.base + "/jwks", timeout=T).json())


def test_discovery_and_jwks(psc: Psc) -> None:
    meta = requests.get(psc.base + "/.well-known/openid-configuration", timeout=T).json()
    assert meta["issuer"] == psc.base
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                 "introspection_endpoint", "revocation_endpoint", "end_session_endpoint",
                 "backchannel_authentication_endpoint"):
        assert meta[name].startswith(psc.base)
    assert meta["scopes_supported"] == ["openid", "scope_all"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "urn:openid:params:grant-type:ciba" in meta["grant_types_supported"]
    keys = requests.get(meta["jwks_uri"], timeout=T).json()["keys"]
    assert keys[0]["kty"] == "RSA" and "d" not in keys[0]


def test_code_flow_id_token_userinfo_introspection(psc: Psc) -> None:
    client, token = _login(psc)
    claims = jwt.decode(token["id_token"], _jwks(psc), algorithms=["RS256"]).claims
    assert claims["iss"] == psc.base and claims["aud"] == [CLIENT_ID] and claims["nonce"] == "n-42"
    assert claims["SubjectNameID"] == "8" + DOCTOR == claims["preferred_username"]
    assert claims["acr"] == "eidas1" and claims["amr"] == ["pop", "pin"]
    assert claims["SubjectRefPro"]["exercices"][0]["codeProfession"] == "10"
    assert claims["SubjectRefPro"]["exercices"][0]["codeSavoirFaire"] == "SM54"
    info = client.get(psc.base + "/userinfo", timeout=T)
    assert info.status_code == 200 and info.json()["family_name"] == "TESTEUR"
    intro = requests.post(psc.base + "/introspect", data={"token": token["access_token"]}, auth=MSS, timeout=T)
    assert intro.json()["active"] is True and intro.json()["username"] == "8" + DOCTOR
    unknown = requests.post(psc.base + "/introspect", data={"token": "nimporte-quoi"}, auth=MSS, timeout=T)
    assert unknown.json() == {"active": False}
    anonymous = requests.post(psc.base + "/introspect", data={"token": token["access_token"]}, timeout=T)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"


def test_every_request_recorded_once(psc: Psc) -> None:
    before = len(psc.store.exchanges(service="psc"))
    _login(psc)
    found = psc.store.exchanges(service="psc")[before:]
    assert [(e.method, e.operation) for e in found] == [("GET", "authorize"), ("POST", "token")]


def _code(psc: Psc, challenge: str, **extra: str) -> requests.Response:
    return requests.get(psc.base + "/auth", params=authorize_params(challenge, **extra), allow_redirects=False,
                        timeout=T)


def _redeem(psc: Psc, code: str, verifier: str | None, redirect: str = REDIRECT) -> requests.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    if verifier is not None:
        data["code_verifier"] = verifier
    return requests.post(psc.base + "/token", data=data, auth=(CLIENT_ID, CLIENT_SECRET), timeout=T)


def _query(response: requests.Response) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}


def test_pkce_refused_when_missing_plain_or_wrong(psc: Psc) -> None:
    verifier, challenge = pkce()
    no_pkce = _code(psc, "", code_challenge_method="")
    assert no_pkce.status_code == 302 and _query(no_pkce)["error"] == "invalid_request"
    plain = _code(psc, challenge, code_challenge_method="plain")
    assert _query(plain)["error"] == "invalid_request" and "S256" in _query(plain)["error_description"]
    code = _query(_code(psc, challenge))["code"]
    missing = _redeem(psc, code, None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    code = _query(_code(psc, challenge))["code"]
    wrong = _redeem(psc, code, pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    code = _query(_code(psc, challenge))["code"]
    assert _redeem(psc, code, verifier).status_code == 200
    replay = _redeem(psc, code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_wrong_redirect_uri_not_followed(psc: Psc) -> None:
    _, challenge = pkce()
    answer = _code(psc, challenge, redirect_uri="http://evil.example/cb")
    assert answer.status_code == 400 and "Location" not in answer.headers
    assert answer.json()["error"] == "invalid_request"


def test_suspended_card_and_unknown_professional_denied(psc: Psc) -> None:
    _, challenge = pkce()
    assert _query(_code(psc, challenge, login_hint=SUSPENDED))["error"] == "access_denied"
    assert _query(_code(psc, challenge, login_hint="19999999999"))["error"] == "access_denied"
    assert _query(_code(psc, challenge, acr_values="eidas3"))["error"] == "invalid_request"


def test_refresh_rotates_and_old_token_refused(psc: Psc) -> None:
    _, token = _login(psc)
    data = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    first = requests.post(psc.base + "/token", data=data, auth=(CLIENT_ID, CLIENT_SECRET), timeout=T)
    assert first.status_code == 200 and first.json()["refresh_token"] != token["refresh_token"]
    refreshed = jwt.decode(first.json()["id_token"], _jwks(psc), algorithms=["RS256"]).claims
    original = jwt.decode(token["id_token"], _jwks(psc), algorithms=["RS256"]).claims
    assert refreshed["auth_time"] == original["auth_time"] and refreshed["sid"] == original["sid"]
    again = requests.post(psc.base + "/token", data=data, auth=(CLIENT_ID, CLIENT_SECRET), timeout=T)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_expiry_makes_tokens_inactive(tmp_path: Path) -> None:
    for psc in serve(build(tmp_path, access_token_seconds=1, refresh_token_seconds=1)):
        _, token = _login(psc)
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        assert requests.get(psc.base + "/userinfo", headers=bearer, timeout=T).status_code == 200  # remembered
        time.sleep(1.2)
        intro = requests.post(psc.base + "/introspect", data={"token": token["access_token"]}, auth=MSS, timeout=T)
        assert intro.json() == {"active": False}
        info = requests.get(psc.base + "/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"},
                            timeout=T)  # authlib's client would refuse to send an expired token: send it by hand
        assert info.status_code == 401 and 'error="invalid_token"' in info.headers["WWW-Authenticate"]
        refresh = requests.post(psc.base + "/token", auth=(CLIENT_ID, CLIENT_SECRET), timeout=T,
                                data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
        assert refresh.json()["error"] == "invalid_grant"


def test_harness_expiry_ends_access_tokens_but_not_refresh(psc: Psc) -> None:
    _, doctor = _login(psc)
    _, other = _login(psc, rpps=PHARMACIST)  # not expired
    answer = requests.post(psc.base + "/test/expire-access-tokens", data={"rpps": DOCTOR}, timeout=T)
    assert answer.status_code == 200 and answer.json()["expired"] == 1
    intro = requests.post(psc.base + "/introspect", data={"token": doctor["access_token"]}, auth=MSS, timeout=T)
    assert intro.json() == {"active": False}
    still = requests.post(psc.base + "/introspect", data={"token": other["access_token"]}, auth=MSS, timeout=T)
    assert still.json()["active"] is True
    refresh = requests.post(psc.base + "/token", auth=(CLIENT_ID, CLIENT_SECRET), timeout=T,
                            data={"grant_type": "refresh_token", "refresh_token": doctor["refresh_token"]})
    assert refresh.status_code == 200 and refresh.json()["access_token"] != doctor["access_token"]


def test_logout_and_revocation(psc: Psc) -> None:
    _, token = _login(psc)
    out = requests.get(psc.base + "/logout", params={"id_token_hint": token["id_token"], "state": "s",
                                                     "post_logout_redirect_uri": "http://127.0.0.1:18090/psc/logged-out"},
                       allow_redirects=False, timeout=T)
    assert out.status_code == 302 and out.headers["Location"].endswith("logged-out?state=s")
    for value in (token["access_token"], token["refresh_token"]):
        assert requests.post(psc.base + "/introspect", data={"token": value}, auth=MSS, timeout=T).json() == {
            "active": False}
    _, token = _login(psc)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert requests.get(psc.base + "/userinfo", headers=bearer, timeout=T).status_code == 200  # now remembered
    revoked = requests.post(psc.base + "/revoke", data={"token": token["access_token"]},
                            auth=(CLIENT_ID, CLIENT_SECRET), timeout=T)
    assert revoked.status_code == 200
    info = requests.get(psc.base + "/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"},
                        timeout=T)
    assert info.status_code == 401


def test_html_login_form_for_a_human(psc: Psc) -> None:
    verifier, challenge = pkce()
    params = {k: v for k, v in authorize_params(challenge).items() if k not in ("login_hint", "test_login")}
    page = requests.get(psc.base + "/auth", params=params, timeout=T)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert 'name="psc_rpps"' in page.text and "TESTEUR" in page.text
    posted = requests.post(psc.base + "/auth", data={**params, "psc_rpps": DOCTOR, "psc_mode": "ECPS"},
                           allow_redirects=False, timeout=T)
    assert posted.status_code == 302 and _query(posted)["state"] == "etat-1"
    token = _redeem(psc, _query(posted)["code"], verifier).json()
    claims = jwt.decode(token["id_token"], _jwks(psc), algorithms=["RS256"]).claims
    assert claims["amr"] == ["mfa", "otp"]


def test_prompt_none_without_session_gets_login_required(psc: Psc) -> None:
    _, challenge = pkce()
    answer = _code(psc, challenge, prompt="none")
    assert answer.status_code == 302 and _query(answer)["error"] == "login_required"
