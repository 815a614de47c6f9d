"""Pro Santé Connect mock's userinfo against a bare-Flask floor, A/B/A/B in one run, on loopback.

Usage: python benchmarks/bench_psc.py [--requests N] [--clients 50] [--workers 2] [--rounds 2]

Why userinfo: it is the PSC call made on every request by the relying
parties that hold a session (the DMP's PSC entry calls it per ITI request).
Both servers run under the mocks' own gunicorn command line (the same worker
class, threads and limits as `segur-harness mocks serve`); the floor answers
a fixed userinfo JSON. Before timing, 50 access tokens are obtained from the
mock through the real authorization code flow with PKCE (headless test
login, client_secret_basic); each timed request is GET /userinfo with one of
them. After the mock rounds, the store must hold one /userinfo exchange per
answered request. Traffic goes to 127.0.0.1 only, bounded in count and time.
Prints a markdown table.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import secrets
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import bench_mocks
from bench_mocks import cpu_seconds, load_arguments, print_rounds, scratch_dir, serve, summary

from segur_harness.mocks.framework.serving import THREADS, WORKER_CLASS, mock_app_spec
from segur_harness.processes import free_port

HOST = "127.0.0.1"
CLIENT_ID, CLIENT_SECRET = "segur-harness-sut", "secret-de-test-sut"  # fixtures/psc/clients.toml
REDIRECT = "http://127.0.0.1:18090/psc/callback"
DOCTOR = "10000000010"
FLOOR_ANSWER = (b'{"sub":"f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:10000000010","SubjectNameID":"10000000010",'
                b'"given_name":"Alix","family_name":"TEST","SubjectOrganization":"Cabinet de test"}')
_tokens: list[str] = []


def _flask_floor():
    from flask import Flask, Response

    app = Flask("floor")

    @app.get("/userinfo")
    def userinfo() -> Response:
        return Response(FLOOR_ANSWER, content_type="application/json")

    return app


flask_floor = _flask_floor()


def access_token(port: int) -> str:
    """One access token through the code flow with PKCE S256, as a relying party gets it."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode({"client_id": CLIENT_ID, "response_type": "code", "scope": "openid scope_all",
                       "redirect_uri": REDIRECT, "state": secrets.token_hex(8), "nonce": secrets.token_hex(8),
                       "code_challenge": challenge, "code_challenge_method": "S256", "acr_values": "eidas1",
                       "login_hint": DOCTOR, "test_login": "1"})
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", "/auth?" + query)
        answer = conn.getresponse()
        answer.read()
        location = answer.getheader("Location") or ""
        code = parse_qs(urlsplit(location).query).get("code", [""])[0]
        if answer.status != 302 or not code:
            raise RuntimeError(f"authorize: HTTP {answer.status}, Location {location!r}")
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                          "code_verifier": verifier})
        conn.request("POST", "/token", body=form, headers={"Authorization": f"Basic {basic}",
                                                          "Content-Type": "application/x-www-form-urlencoded"})
        answer = conn.getresponse()
        body = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"token: HTTP {answer.status} {body[:200]!r}")
        import json

        return json.loads(body)["access_token"]
    finally:
        conn.close()


def _client(port: int, count: int, out: list, deadline: float) -> None:
    token = _tokens[len(out) % len(_tokens)] if _tokens else "none"
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        try:
            conn.request("GET", "/userinfo", headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            answer = response.read()
            status = response.status if response.status != 200 or b'"sub"' in answer else 299
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            status = 0
        out.append((time.perf_counter() - start, status, None))
    conn.close()


def recorded(store: Path) -> int:
    with sqlite3.connect(store, timeout=30) as conn:
        return conn.execute("SELECT COUNT(*) FROM exchanges WHERE path LIKE '/userinfo%' AND status = 200"
                            ).fetchone()[0]


def main() -> int:
    parser = load_arguments(__doc__, requests=4000)
    args = parser.parse_args()

    tmp = scratch_dir("bench-psc-")
    store = tmp / "exchanges.sqlite"
    mock_port, floor_port = free_port(), free_port()
    env = {"SEGUR_STORE": str(store), "SEGUR__MOCKS__PSC__PKI_DIR": str(tmp / "pki"),
           "SEGUR__MOCKS__PSC__ISSUER": f"http://{HOST}:{mock_port}",
           "SEGUR__MOCKS__PSC__ACCESS_TOKEN_SECONDS": "3600"}
    mock = serve(mock_app_spec("psc"), mock_port, args.workers, tmp, WORKER_CLASS, env, THREADS)
    floor = serve("bench_psc:flask_floor", floor_port, args.workers, tmp, WORKER_CLASS, {}, THREADS)
    rows, answered = [], 0
    try:
        _tokens.extend(access_token(mock_port) for _ in range(args.clients))
        bench_mocks.load(mock_port, 200, args.clients, client=_client)  # warm-up
        bench_mocks.load(floor_port, 200, args.clients, client=_client)
        before = recorded(store)
        for _ in range(args.rounds):
            for label, server, port in (("mock", mock, mock_port), ("floor", floor, floor_port)):
                cpu_before = cpu_seconds(server.process.pid)
                wall, results = bench_mocks.load(port, args.requests, args.clients, client=_client)
                row = summary(label, wall, results)
                row["cpu"] = 1000 * (cpu_seconds(server.process.pid) - cpu_before) / max(1, len(results))
                rows.append(row)
                if label == "mock":
                    answered += sum(1 for r in results if r[1] == 200)
        stored = recorded(store) - before
    finally:
        mock.stop()
        floor.stop()
    mock_rps = statistics.median(r["rps"] for r in rows if r["label"] == "mock")
    floor_rps = statistics.median(r["rps"] for r in rows if r["label"] == "floor")
    print(f"PSC GET /userinfo with a Bearer access token, {args.clients} clients, {args.workers} workers")
    print_rounds(rows)
    print(f"\nmock/floor (medians): {mock_rps:.0f} / {floor_rps:.0f} req/s = {100 * mock_rps / floor_rps:.0f} %; "
          f"answered: {answered}, recorded: {stored}")
    if stored < answered:
        print(f"PROBLEM: {answered - stored} answered requests missing from the store")
        return 1
    return 0


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent)
    sys.exit(main())
