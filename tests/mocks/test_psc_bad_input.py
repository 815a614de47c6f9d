"""PSC mock: hostile or malformed input always gets the OAuth error shape, recorded, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from psc_support import CLIENT_ID, CLIENT_SECRET, Psc, build
from werkzeug.test import Client

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def psc(tmp_path: Path) -> Psc:
    return build(tmp_path)


def _basic() -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()}


CASES = [
    ("POST", "/token", b"grant_type=password&username=a&password=b", FORM, 400, "unsupported_grant_type"),
    ("POST", "/token", b"grant_type=authorization_code&code=x&redirect_uri=y", FORM, 401, "invalid_client"),
    ("POST", "/token", b"%%%&&==", FORM, 400, "invalid_request"),
    ("POST", "/token", b"grant_type=refresh_token&refresh_token=\xff\xfe", FORM, 400, "invalid_request"),
    ("POST", "/token", b'{"grant_type": "authorization_code"}', "application/json", 415, "invalid_request"),
    ("POST", "/token", b"grant_type=" + b"a" * 20000, FORM, 400, "invalid_request"),
    ("POST", "/token", b"&".join(b"p%d=1" % i for i in range(500)), FORM, 400, "invalid_request"),
    ("POST", "/token", b"a" * (70 * 1024), FORM, 413, None),
    ("GET", "/token", b"", None, 405, None),
    ("DELETE", "/userinfo", b"", None, 405, None),
    ("GET", "/nulle-part", b"", None, 404, None),
    ("POST", "/introspect", b"token=abc", FORM, 401, "invalid_client"),
    ("POST", "/revoke", b"", FORM, 401, "invalid_client"),
    ("POST", "/bc-authorize", b"scope=openid", FORM, 401, "invalid_client"),
    ("GET", "/userinfo", b"", None, 401, "invalid_request"),
    ("GET", "/logout?id_token_hint=abc.def.ghi", b"", None, 400, "invalid_request"),
    ("POST", "/test/ciba-decision", b"auth_req_id=zzz", FORM, 400, "invalid_grant"),
]


@pytest.mark.parametrize(("method", "path", "body", "ctype", "status", "error"), CASES)
def test_oauth_error_shape(psc: Psc, method: str, path: str, body: bytes, ctype: str | None, status: int,
                           error: str | None) -> None:
    client = Client(psc.app)
    headers = {"Content-Type": ctype} if ctype else {}
    answer = client.open(path, method=method, data=body, headers=headers)
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.headers["Content-Type"].startswith("application/json")
    payload = json.loads(answer.get_data())
    assert set(payload) == {"error", "error_description"}
    assert payload["error"] == (error or "invalid_request")
    assert "Traceback" not in payload["error_description"]
    recorded = psc.store.exchanges(service="psc")
    assert len(recorded) == 1 and recorded[0].method == method and recorded[0].status == status


def test_authenticated_token_errors(psc: Psc) -> None:
    client = Client(psc.app)
    answer = client.post("/token", data=b"grant_type=refresh_token", headers={**_basic(), "Content-Type": FORM})
    assert answer.status_code == 400 and answer.json["error"] == "invalid_request"
    code = client.post("/token", data=b"grant_type=authorization_code&code=x&redirect_uri=y",
                       headers={**_basic(), "Content-Type": FORM})
    assert code.status_code == 400 and code.json["error"] == "invalid_grant"
    sut_introspects = client.post("/introspect", data=b"token=abc", headers={**_basic(), "Content-Type": FORM})
    assert sut_introspects.json == {"active": False}
    wrong = client.post("/token", data=b"grant_type=refresh_token&refresh_token=x",
                        headers={"Authorization": "Basic Og==", "Content-Type": FORM})
    assert wrong.status_code == 401 and wrong.json["error"] == "invalid_client"
    huge = client.get("/auth?client_id=" + "x" * 9000)
    assert huge.status_code == 400 and huge.json["error"] == "invalid_request"
    dup = client.get("/auth?client_id=segur-harness-sut&client_id=segur-harness-sut&response_type=code")
    assert dup.status_code in (302, 400)


def test_injected_fault_and_unknown_client(psc: Psc) -> None:
    client = Client(psc.app)
    client.post("/_admin/behaviours", json={"kind": "fault", "operation": "token", "params": {}})
    answer = client.post("/token", data=b"grant_type=x", headers={"Content-Type": FORM})
    assert answer.status_code == 500 and answer.json["error"] == "server_error"
    unknown = client.get("/auth?client_id=inconnu&response_type=code&redirect_uri=http://x/cb")
    assert unknown.status_code == 400 and "Location" not in unknown.headers
