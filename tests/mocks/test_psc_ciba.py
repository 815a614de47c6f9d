"""PSC mock: CIBA poll mode (backchannel request, authorization_pending, approval by time or by the harness)."""

from __future__ import annotations

import time
from pathlib import Path

import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from psc_support import CLIENT_ID, CLIENT_SECRET, MSS, NURSE, SUSPENDED, build, serve

T = 10
AUTH = (CLIENT_ID, CLIENT_SECRET)
GRANT = "urn:openid:params:grant-type:ciba"


def _start(base: str, hint: str = NURSE) -> requests.Response:
    return requests.post(base + "/bc-authorize", auth=AUTH, timeout=T,
                         data={"scope": "openid scope_all", "login_hint": hint, "binding_message": "Connexion LPS"})


def _poll(base: str, auth_req_id: str) -> requests.Response:
    return requests.post(base + "/token", auth=AUTH, data={"grant_type": GRANT, "auth_req_id": auth_req_id},
                         timeout=T)


def test_pending_then_approved_by_time(tmp_path: Path) -> None:
    for psc in serve(build(tmp_path, ciba_auto_approve_seconds=1)):
        started = _start(psc.base)
        assert started.status_code == 200, started.text
        body = started.json()
        assert body["interval"] == 1 and body["expires_in"] > 0
        pending = _poll(psc.base, body["auth_req_id"])
        assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
        time.sleep(1.1)
        done = _poll(psc.base, body["auth_req_id"])
        assert done.status_code == 200, done.text
        keys = KeySet.import_key_set(requests.get(psc.base + "/jwks", timeout=T).json())
        claims = jwt.decode(done.json()["id_token"], keys, algorithms=["RS256"]).claims
        assert claims["preferred_username"] == "8" + NURSE and claims["amr"] == ["mfa", "otp"]
        intro = requests.post(psc.base + "/introspect", data={"token": done.json()["access_token"]}, auth=MSS,
                              timeout=T)
        assert intro.json()["active"] is True
        assert _poll(psc.base, body["auth_req_id"]).json()["error"] == "invalid_grant"  # tokens issued once


def test_harness_decision_and_refusals(tmp_path: Path) -> None:
    for psc in serve(build(tmp_path, ciba_auto_approve_seconds=-1)):
        auth_req_id = _start(psc.base).json()["auth_req_id"]
        assert _poll(psc.base, auth_req_id).json()["error"] == "authorization_pending"
        assert _poll(psc.base, auth_req_id).json()["error"] == "slow_down"
        decided = requests.post(psc.base + "/test/ciba-decision", timeout=T,
                                data={"auth_req_id": auth_req_id, "decision": "deny"})
        assert decided.status_code == 200
        assert _poll(psc.base, auth_req_id).json()["error"] == "access_denied"
        unknown = _start(psc.base, "19999999999")
        assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_user_id"
        assert _start(psc.base, SUSPENDED).json()["error"] == "access_denied"
        assert _poll(psc.base, "inconnu").json()["error"] == "invalid_grant"


def test_expired_auth_req_id(tmp_path: Path) -> None:
    for psc in serve(build(tmp_path, ciba_seconds=1, ciba_auto_approve_seconds=-1)):
        auth_req_id = _start(psc.base).json()["auth_req_id"]
        time.sleep(1.1)
        assert _poll(psc.base, auth_req_id).json()["error"] == "expired_token"
