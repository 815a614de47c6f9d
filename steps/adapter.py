"""HTTP client for the SUT adapter contract (sut/openapi.json), used by the steps.

Every call is attached to the Allure report and kept as `last`, so a failed
assertion can show what the SUT actually answered. An unexpected HTTP status is
the SUT's failure (AdapterError, an AssertionError); a call that cannot connect,
times out or gets a body that is not JSON is infrastructure trouble (HarnessError):
the scenario is broken, the SUT is not blamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from segur_harness.errors import HarnessError, request_problem

from .evidence import attach_json

ADAPTER_PREFIX = "/adapter/v1"


class AdapterError(AssertionError):
    """The SUT answered an adapter call with an unexpected HTTP status."""


@dataclass
class AdapterReply:
    method: str
    path: str
    status: int
    body: Any

    def describe(self) -> str:
        return f"{self.method} {self.path} -> HTTP {self.status}: {self.body!r}"[:2000]


class AdapterClient:
    """The SUT seen through the adapter: one method per contract operation."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self.base = base_url.rstrip("/") + ADAPTER_PREFIX
        self.timeout = timeout
        self.session = requests.Session()
        self.last: AdapterReply | None = None

    def call(self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200,),
             params: dict[str, str] | None = None) -> AdapterReply:
        response = self._send(method, path, json=body, params=params)
        try:
            payload: Any = response.json() if response.content else None
            json_body = True
        except ValueError:
            payload, json_body = response.text, False
        reply = AdapterReply(method, path, response.status_code, payload)
        self.last = reply
        attach_json(f"adapter {method} {path} (HTTP {response.status_code})",
                    {"request": body, "params": params, "status": response.status_code, "response": payload})
        if expect and response.status_code not in expect:
            raise AdapterError(f"adaptateur du logiciel : HTTP {'/'.join(map(str, expect))} attendu, reçu : "
                               f"{reply.describe()}")
        if not json_body:
            raise HarnessError(f"adaptateur du logiciel {method} {self.base + path} : HTTP {response.status_code} "
                               f"avec un corps qui n'est pas du JSON : {response.text[:200]!r}")
        return reply

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, self.base + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            problem = request_problem(exc, self.timeout)
            raise HarnessError(f"adaptateur du logiciel {method} {self.base + path} : {problem}") from None

    def fetch_bytes(self, path: str) -> bytes:
        """GET a non-JSON resource (a CDA document) and return its exact bytes."""
        response = self._send("GET", path)
        self.last = AdapterReply("GET", path, response.status_code, f"<{len(response.content)} bytes>")
        attach_json(f"adapter GET {path} (HTTP {response.status_code})",
                    {"status": response.status_code, "content_type": response.headers.get("Content-Type"),
                     "size": len(response.content)})
        if response.status_code != 200:
            raise AdapterError(f"adaptateur du logiciel : HTTP 200 attendu, reçu : HTTP {response.status_code} "
                               f"à GET {path} : {response.text[:500]!r}")
        return response.content

    # -- contract operations -------------------------------------------------
    def info(self) -> dict[str, Any]:
        return self.call("GET", "/info").body

    def reset(self) -> None:
        self.call("POST", "/reset", expect=(200, 204))

    def set_services(self, services: dict[str, Any]) -> AdapterReply:
        return self.call("PUT", "/services", services, expect=(200, 501))

    def create_identity(self, traits: dict[str, Any], user: str) -> dict[str, Any]:
        return self.call("POST", "/identities", {**traits, "user": user}, expect=(201,)).body

    def identity(self, identity_id: str) -> dict[str, Any]:
        return self.call("GET", f"/identities/{identity_id}").body

    def traits_search(self, identity_id: str, user: str) -> dict[str, Any]:
        return self.call("POST", f"/identities/{identity_id}/insi/traits-search", {"user": user}).body

    def vitale_search(self, identity_id: str, vitale: dict[str, Any], user: str) -> dict[str, Any]:
        return self.call("POST", f"/identities/{identity_id}/insi/vitale-search", {"vitale": vitale, "user": user}).body

    def record_document(self, identity_id: str, doc_type: str, user: str) -> dict[str, Any]:
        return self.call("POST", f"/identities/{identity_id}/documents", {"type": doc_type, "user": user},
                         expect=(201,)).body

    def export(self, identity_id: str) -> dict[str, Any]:
        return self.call("GET", f"/identities/{identity_id}/export").body

    def insi_calls(self, identity_id: str | None = None) -> list[dict[str, Any]]:
        params = {"identity_id": identity_id} if identity_id else None
        return self.call("GET", "/insi-calls", params=params).body["calls"]

    def produce_document(self, identity_id: str, kind: str, content: dict[str, Any], user: str) -> dict[str, Any]:
        body = {"identity_id": identity_id, "kind": kind, "content": content, "user": user}
        return self.call("POST", "/documents", body, expect=(201,)).body

    def replace_document(self, document_id: str, user: str, content: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"user": user}
        if content is not None:
            body["content"] = content
        return self.call("POST", f"/documents/{document_id}/replace", body, expect=(201,)).body

    def document_cda(self, document_id: str) -> bytes:
        return self.fetch_bytes(f"/documents/{document_id}/cda")

    def receive_document(self, cda_base64: str, channel: str, user: str) -> dict[str, Any]:
        body = {"cda_base64": cda_base64, "channel": channel, "user": user}
        return self.call("POST", "/received-documents", body).body

    def received_documents(self) -> list[dict[str, Any]]:
        return self.call("GET", "/received-documents").body["documents"]

    def received_document_cda(self, received_id: str) -> bytes:
        return self.fetch_bytes(f"/received-documents/{received_id}/cda")

    # -- DMP (contract 1.2, docs/dmp.md) ----------------------------------------
    def dmp_test_existence(self, identity_id: str, user: str, mode: str = "normal") -> dict[str, Any]:
        return self.call("POST", f"/identities/{identity_id}/dmp/test-existence", {"user": user, "mode": mode}).body

    def dmp_feed(self, document_id: str, user: str, confidentiality: dict[str, bool]) -> dict[str, Any]:
        body = {"user": user, "confidentiality": confidentiality}
        return self.call("POST", f"/documents/{document_id}/dmp", body).body

    def dmp_set_status(self, document_id: str, user: str, status: str) -> dict[str, Any]:
        return self.call("POST", f"/documents/{document_id}/dmp/status", {"user": user, "status": status}).body

    def dmp_set_visibility(self, document_id: str, user: str, flags: dict[str, bool]) -> dict[str, Any]:
        return self.call("POST", f"/documents/{document_id}/dmp/visibility", {"user": user, **flags}).body

    def dmp_search(self, identity_id: str, user: str, mode: str = "normal",
                   include_archived: bool = False) -> dict[str, Any]:
        body = {"user": user, "mode": mode, "include_archived": include_archived}
        return self.call("POST", f"/identities/{identity_id}/dmp/search", body).body

    def dmp_retrieve(self, identity_id: str, unique_id: str, user: str, mode: str = "normal") -> dict[str, Any]:
        body = {"user": user, "unique_id": unique_id, "mode": mode}
        return self.call("POST", f"/identities/{identity_id}/dmp/retrieve", body).body

    def dmp_calls(self, identity_id: str | None = None) -> list[dict[str, Any]]:
        params = {"identity_id": identity_id} if identity_id else None
        return self.call("GET", "/dmp-calls", params=params).body["calls"]

    # -- Pro Santé Connect and MSSanté (contract 1.3, docs/adapter.md) ----------------
    def psc_login(self, rpps: str, user: str, mode: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"rpps": rpps, "user": user}
        if mode:
            body["mode"] = mode
        return self.call("POST", "/psc/login", body).body

    def psc_logout(self, rpps: str, user: str) -> dict[str, Any]:
        return self.call("POST", "/psc/logout", {"rpps": rpps, "user": user}).body

    def psc_calls(self) -> list[dict[str, Any]]:
        return self.call("GET", "/psc-calls").body["calls"]

    def mss_send(self, documents: list[str], sender: str, rpps: str, user: str, *, to: list[str],
                 to_patient: bool = False, request_mdn: bool = False, request_dsn: bool = False) -> dict[str, Any]:
        body = {"documents": documents, "from": sender, "rpps": rpps, "to": to, "to_patient": to_patient,
                "request_mdn": request_mdn, "request_dsn": request_dsn, "user": user}
        return self.call("POST", "/mss/send", body).body

    def mss_messages(self) -> dict[str, Any]:
        return self.call("GET", "/mss/messages").body

    def mss_sync(self, mailbox: str, rpps: str, user: str) -> dict[str, Any]:
        return self.call("POST", "/mss/mailbox/sync", {"mailbox": mailbox, "rpps": rpps, "user": user}).body
