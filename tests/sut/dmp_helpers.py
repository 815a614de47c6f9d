"""Shared set-up of the DMP client tests: a reference SUT pointed at a DMP, a qualified identity, a document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient

from segur_harness.sut.reference.api import Sut, create_app
from segur_harness.sut.reference.model import InsRecord
from segur_harness.sut.reference.settings import SutSettings

INS, KEY, OID = "2790351215189", "89", "1.2.250.1.213.1.4.10"
PATIENT_ID = f"{INS}{KEY}^^^&{OID}&ISO^NH"
IDENTITY = {"birth_name": "PAT-TROIS", "birth_first_names": ["DOMINIQUE"], "sex": "F", "birth_date": "1979-03-28",
            "birth_place_cog": "63220"}


@dataclass
class Harness:
    client: FlaskClient
    sut: Sut

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        reply = self.client.post("/adapter/v1" + path, json=body or {})
        assert reply.status_code in (200, 201), reply.get_data(as_text=True)
        return reply.get_json()

    def identity(self, status: str = "QUAL") -> str:
        """A local identity with the ANS example INS, at `status` (set as INSi + an ID document would)."""
        ident = self.post("/identities", IDENTITY)["id"]
        identity = self.sut.registry.get(ident)
        identity.ins = InsRecord(INS, KEY, OID, "NIR", "2026-12-01T00:00:00Z", "INSI_TRAITS")
        identity.insi_verified = True
        identity.status = status
        return ident

    def document(self, ident: str, kind: str = "CR-BIO") -> dict[str, Any]:
        return self.post("/documents", {"identity_id": ident, "kind": kind, "content": {}})


def harness(dmp_url: str | None, defect: str | None = None, pki_dir: str = "reports/pki",
            timeout: float = 3.0) -> Harness:
    settings = SutSettings(idam="TEST-IDAM-0001", lps_name="SEGUR-HARNESS-SUT", lps_version="1.0.0", defect=defect,
                           vihf_pki_dir=pki_dir)
    if dmp_url:
        settings.set_dmp(dmp_url, timeout)
    app = create_app(settings)
    return Harness(app.test_client(), app.extensions["segur_sut"])
