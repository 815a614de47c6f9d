"""PSC mock test support: a configured app on its own store and key folder, a live server, PKCE helpers."""

from __future__ import annotations

import base64
import copy
import hashlib
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from segur_harness.config import load_config
from segur_harness.mocks.framework import create_mock_app
from segur_harness.mocks.psc.service import PscService
from segur_harness.store import Store

MAX_BODY = 64 * 1024
CLIENT_ID = "segur-harness-sut"
CLIENT_SECRET = "secret-de-test-sut"
REDIRECT = "http://127.0.0.1:18090/psc/callback"
MSS = ("mss-mock", "secret-de-test-mss")
DOCTOR = "10000000010"
PHARMACIST = "10000000028"
NURSE = "10000000036"
SUSPENDED = "10000000044"


@dataclass
class Psc:
    app: Flask
    store: Store
    base: str = ""


def psc_config(tmp_path: Path, **psc: Any) -> dict[str, Any]:
    cfg = copy.deepcopy(load_config({}))
    cfg["paths"]["store"] = str(tmp_path / "exchanges.sqlite")
    cfg["mocks"]["max_body_bytes"] = MAX_BODY
    cfg["mocks"]["psc"].update({"pki_dir": str(tmp_path / "pki"), "ciba_interval": 1, **psc})
    return cfg


def build(tmp_path: Path, **psc: Any) -> Psc:
    cfg = psc_config(tmp_path, **psc)
    store = Store(cfg["paths"]["store"])
    return Psc(create_mock_app(PscService(cfg), store, max_body_bytes=MAX_BODY), store)


def serve(psc: Psc) -> Iterator[Psc]:
    """`psc` served on 127.0.0.1 by a real werkzeug server; the issuer is that server's URL."""
    server = make_server("127.0.0.1", 0, psc.app, threaded=True)
    psc.base = f"http://127.0.0.1:{server.server_port}"
    pipeline = psc.app.extensions["segur_mock_pipeline"]
    pipeline.service.provider.issuer = psc.base
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield psc
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def pkce() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) per RFC 7636 §4."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(challenge: str, rpps: str = DOCTOR, **extra: str) -> dict[str, str]:
    return {"client_id": CLIENT_ID, "response_type": "code", "scope": "openid scope_all", "redirect_uri": REDIRECT,
            "state": "etat-1", "nonce": "n-1", "code_challenge": challenge, "code_challenge_method": "S256",
            "acr_values": "eidas1", "login_hint": rpps, "test_login": "1", **extra}
