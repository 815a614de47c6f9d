"""The hostile-input campaign (issue 11 item 5): every mock parser, thousands of seeded mutated requests.

Short version here (SEGUR_HOSTILE_COUNT, default 200 per parser); the full
campaign is `SEGUR_HOSTILE_COUNT=10000 .venv/bin/pytest tests/mocks/test_hostile_campaign.py`
(figures in BENCHMARKS.md). Through the whole framework pipeline of each
mock: never an HTTP 500, an HTML page, a stack trace or a file's content;
the mock still answers a valid request afterwards; exactly one record per request.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from dmp_support import DOMINIQUE, make_dmp, mtom, signed_vihf, soap, td02
from dmp_xds_support import ITI41_ACTION, iti41, new_entry
from hostile_campaign import LEAKS, campaign
from insi_mock_support import CT as INSI_CT
from insi_mock_support import traits_request
from psc_support import CLIENT_ID, CLIENT_SECRET
from psc_support import build as build_psc

from segur_harness.config import load_config
from segur_harness.mocks.framework import create_mock_app
from segur_harness.mocks.insi.service import InsiService
from segur_harness.store import Store

COUNT = int(os.environ.get("SEGUR_HOSTILE_COUNT", "200"))
SEED = int(os.environ.get("SEGUR_HOSTILE_SEED", "20261201"))
MAX_BODY = 1024 * 1024
SOAP_CT = "application/soap+xml; charset=utf-8"


def _insi(tmp_path: Path, _pki: Path):
    cfg = load_config({})
    cfg["paths"]["store"] = str(tmp_path / "exchanges.sqlite")
    store = Store(cfg["paths"]["store"])
    app = create_mock_app(InsiService(cfg), store, max_body_bytes=MAX_BODY)
    return app, store, "insi", "/lps", traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-02-26"), INSI_CT


def _dmp_td02(tmp_path: Path, pki: Path):
    app, store, _ = make_dmp(tmp_path, pki, MAX_BODY, cda_validation="off")
    return app, store, "dmp", "/patients", soap(td02(DOMINIQUE), "urn:hl7-org:v3:PRPA_IN201307UV02",
                                                 signed_vihf(pki)), SOAP_CT


def _dmp_iti41(tmp_path: Path, pki: Path):
    app, store, _ = make_dmp(tmp_path, pki, MAX_BODY, cda_validation="off")
    entry = new_entry(7)
    body = iti41([entry]).replace(
        "</xdsb:ProvideAndRegisterDocumentSetRequest>",
        f'<xdsb:Document id="{entry.doc_id}"><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" '
        'href="cid:cda@x"/></xdsb:Document></xdsb:ProvideAndRegisterDocumentSetRequest>')
    content_type, data = mtom(soap(body, ITI41_ACTION, signed_vihf(pki)), [("cda@x", "text/xml", entry.cda)])
    return app, store, "dmp", "/repository", data, content_type


def _psc_token(tmp_path: Path, _pki: Path):
    psc = build_psc(tmp_path)
    body = (f"grant_type=authorization_code&code=abc&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&client_id={CLIENT_ID}"
            f"&client_secret={CLIENT_SECRET}&code_verifier={'v' * 43}").encode()
    return psc.app, psc.store, "psc", "/token", body, "application/x-www-form-urlencoded"


PARSERS = {"insi": _insi, "dmp-td02": _dmp_td02, "dmp-iti41-mtom": _dmp_iti41, "psc-token": _psc_token}


@pytest.mark.parametrize("parser", list(PARSERS))
def test_hostile_campaign(parser: str, tmp_path: Path, pki_dir: Path) -> None:
    app, store, service, path, valid, content_type = PARSERS[parser](tmp_path, pki_dir)
    client = app.test_client()
    baseline = client.post(path, data=valid, headers={"Content-Type": content_type})
    before = store.count()
    started = time.monotonic()
    problems: dict[str, list[str]] = {}
    for sent, hostile in enumerate(campaign(valid, content_type, COUNT, SEED, MAX_BODY), start=1):
        headers = {"Content-Type": hostile.content_type} if hostile.content_type else {}
        response = client.post(path, data=hostile.body, headers=headers)
        found = []
        if response.status_code >= 500 and response.status_code != baseline.status_code:
            found.append(f"HTTP {response.status_code}")
        if any(leak in response.data for leak in LEAKS):
            found.append("leak: " + next(leak.decode() for leak in LEAKS if leak in response.data))
        if (response.content_type or "").startswith("text/html"):
            found.append("HTML page")
        if store.count() != before + sent:
            found.append(f"{store.count() - before} records for {sent} requests")
            before = store.count() - sent
        if found:
            problems.setdefault(hostile.shape, []).extend(found)
    elapsed = time.monotonic() - started
    after = client.post(path, data=valid, headers={"Content-Type": content_type})
    assert after.status_code == baseline.status_code, "the mock no longer answers a valid request as before"
    assert not problems, f"{parser}: {problems}"
    assert elapsed < COUNT * 0.25 + 30, f"{COUNT} hostile requests took {elapsed:.0f} s"
    print(f"{parser}: {COUNT} hostile requests in {elapsed:.1f} s, 0 problems ({service} store records checked)")
