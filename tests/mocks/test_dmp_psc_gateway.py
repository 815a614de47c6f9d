"""The DMP's Pro Santé Connect entry (ANS "API Pro Santé Connectée"): no VIHF from the LPS, the gateway builds it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from dmp_support import DOMINIQUE, PAT_TROIS, TD02_ACTION, Answer, make_dmp, pid, signed_vihf, soap, td02
from mss_support import token_for
from psc_support import DOCTOR, build, serve

CT = "application/soap+xml; charset=utf-8"


@pytest.fixture
def env(tmp_path: Path, pki_dir: Path) -> Iterator[tuple]:
    psc = build(tmp_path / "psc", pki_dir=str(pki_dir))
    with contextmanager(serve)(psc) as served:
        app, store, _ = make_dmp(tmp_path, pki_dir, psc_gateway={"userinfo_url": served.base + "/userinfo"})
        yield app.test_client(), store, served


def _call(client, token: str | None, patient=DOMINIQUE, *, situation: str = "10C", ins_header: str | None = None,
          assertion: bytes | None = None):
    headers = {"Content-Type": CT}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    headers["X-WorkSituation"] = situation
    headers["X-PatientINS"] = ins_header if ins_header is not None else pid(patient)
    return client.post("/psc/patients", data=soap(td02(patient), TD02_ACTION, assertion), headers=headers)


def test_td02_through_the_psc_entry_with_the_gateway_vihf(env: tuple) -> None:
    client, store, psc = env
    response = _call(client, token_for(psc, DOCTOR))
    answer = Answer(response.status_code, response.data)
    assert response.status_code == 200 and answer.ack == "AA" and answer.query_code == "OK"
    [recorded] = store.exchanges(service="dmp")
    assert recorded.path == "/psc/patients"
    note = [f for f in recorded.findings if f.rule == "DMP-PSC"]
    assert note and "810000000010" in note[0].message and "10C" in note[0].message


def test_gateway_refusals(env: tuple, pki_dir: Path) -> None:
    client, _, psc = env
    token = token_for(psc, DOCTOR)
    missing = _call(client, None)
    assert missing.status_code == 401 and 'error="invalid_token"' in missing.headers["WWW-Authenticate"]
    bad = _call(client, "pas-un-jeton")
    assert bad.status_code == 401 and json.loads(bad.data)["error"] == "invalid_token"
    situation = _call(client, token, situation="21C")
    assert situation.status_code == 400 and "X-WorkSituation" in json.loads(situation.data)["message"]
    header = _call(client, token, ins_header="297022A02077878")
    assert header.status_code == 400 and "X-PatientINS" in json.loads(header.data)["message"]
    with_vihf = _call(client, token, assertion=signed_vihf(pki_dir))
    assert with_vihf.status_code == 400 and "wsse:Security" in json.loads(with_vihf.data)["message"]


def test_the_dmp_rules_apply_to_the_gateway_vihf(env: tuple) -> None:
    client, _, psc = env
    response = _call(client, token_for(psc, DOCTOR), DOMINIQUE, ins_header=pid(PAT_TROIS))
    answer = Answer(response.status_code, response.data)
    assert answer.fault_code is not None and "resource-id" in answer.reason


def test_psc_unreachable_is_a_503(tmp_path: Path, pki_dir: Path) -> None:
    app, _, _ = make_dmp(tmp_path, pki_dir, psc_gateway={"userinfo_url": "http://127.0.0.1:9/userinfo",
                                                         "timeout_seconds": 2})
    response = _call(app.test_client(), "jeton")
    assert response.status_code == 503 and json.loads(response.data)["error"] == "temporarily_unavailable"


