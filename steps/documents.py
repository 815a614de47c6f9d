"""Document fixtures for the CDA scenarios: clinical content per kind, received documents, evidence.

Content lives in fixtures/documents/<kind>.toml (`[content]`, sent verbatim to
the SUT); documents the SUT is made to receive live in fixtures/documents/received/.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path
from typing import Any

import segur_harness.fixtures
from segur_harness.config import store_path
from segur_harness.errors import HarnessError
from segur_harness.store import Exchange, Finding, Store
from segur_harness.validation import FileResult

DOCUMENTS_DIR = Path(segur_harness.fixtures.__file__).resolve().parent / "documents"
RECEIVED_DIR = DOCUMENTS_DIR / "received"
EVIDENCE_SERVICE = "sut"


def content_for(kind: str) -> dict[str, Any]:
    """The clinical content of fixtures/documents/<kind>.toml (kind LDL-SES -> ldl_ses.toml)."""
    path = DOCUMENTS_DIR / (kind.lower().replace("-", "_") + ".toml")
    if not path.is_file():
        raise HarnessError(f"problème du banc de test : pas de contenu de référence pour le type de document "
                             f"{kind!r} ({path})")
    return tomllib.loads(path.read_text(encoding="utf-8")).get("content", {})


def received_document(name: str) -> bytes:
    path = RECEIVED_DIR / name
    if not path.is_file():
        raise HarnessError(f"problème du banc de test : pas de document reçu de référence {name!r} dans "
                             f"{RECEIVED_DIR}")
    return path.read_bytes()


def record_document(scenario_id: str | None, operation: str, request: bytes, document: bytes,
                    result: FileResult | None, path: str) -> None:
    """Keep what the SUT produced in the exchange store, so evidence.zip holds it next to the mocks' traffic."""
    findings = [Finding(f.severity.value, f.rule_id, f.message, f.xpath or "") for f in (result.findings if result
                                                                                          else [])]
    now = time.time()
    Store(store_path()).record(Exchange(
        service=EVIDENCE_SERVICE, operation=operation, started_at=now, ended_at=now, request_body=request,
        response_body=document, status=200, scenario_id=scenario_id, method="GET", path=path,
        response_headers={"Content-Type": "text/xml"}, findings=findings,
    ))
