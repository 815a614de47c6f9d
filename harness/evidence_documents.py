"""The documents of a run (produced by the SUT, or given to it) and their validation reports.

A document is kept once per scenario, named by content; the adapter calls that
carried it in base64 point to it instead of repeating it. Each document's
validation report names the exact rules that judged it (layers' rule versions
and the engine's pack and header-rule versions), so `evidence verify --rerun`
can judge it again and say what differs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from segur_harness.allure_read import AllureScenario
from segur_harness.store import Exchange, Store

PRODUCED_SERVICE = "sut"
"""Store service under which the steps record each document the SUT produced (steps/documents.py)."""
VALIDATION_FORMAT = 1
DOCUMENT_SERVICES = (PRODUCED_SERVICE, "dmp", "mss-smtp", "mss-imap")
"""Store services whose exchanges hold documents (the SUT's own, ITI-41 feeds, MSSanté messages)."""


class DocumentEngine(Protocol):
    def info(self) -> dict[str, str]: ...

    def validate_document(self, data: bytes, name: str) -> Any: ...


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decoded_document(value: str) -> bytes | None:
    """The bytes of a base64 field when they are an XML document, else None."""
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if data.lstrip()[:1] == b"<" else None


def externalise(payload: Any, keep: Callable[[bytes], str]) -> Any:
    """`payload` with every base64 XML document (a `*_base64` field) replaced by a reference to where
    `keep` stored it: {"$document": path, "sha256": ..., "bytes": n}."""
    if isinstance(payload, list):
        return [externalise(item, keep) for item in payload]
    if not isinstance(payload, dict):
        return payload
    out = {}
    for key, value in payload.items():
        data = _decoded_document(value) if isinstance(value, str) and key.endswith("_base64") else None
        if data is not None:
            out[key] = {"$document": keep(data), "sha256": sha256(data), "bytes": len(data)}
        else:
            out[key] = externalise(value, keep)
    return out


def carried_documents(calls_payloads: Iterable[Any]) -> list[bytes]:
    """Every base64 XML document inside adapter call payloads."""
    found: list[bytes] = []
    for payload in calls_payloads:
        externalise(payload, lambda data: found.append(data) or "")
    return found


def run_documents(exchanges: Iterable[Exchange], allure: dict[str | None, list[AllureScenario]]) -> list[bytes]:
    """Every document of a run: produced (store service `sut`), inside ITI-41 feeds and MSSanté messages, and
    carried by adapter calls."""
    from segur_harness.evidence_embedded import embedded_documents

    produced: list[bytes] = []
    for ex in exchanges:
        if ex.service == PRODUCED_SERVICE:
            produced.append(ex.response_body)
        else:
            produced += [found.data for found in embedded_documents(ex)]
    payloads = [call.payload for runs in allure.values() for run in runs for call in run.adapter_calls]
    return produced + carried_documents(payloads)


@dataclass
class Validations:
    """Validation reports of a run's documents by SHA-256, and the engine that made them."""

    engine: dict[str, Any] | None = None
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    def record(self, data: bytes) -> dict[str, Any]:
        """validation.json of one document."""
        digest = sha256(data)
        report = self.reports.get(digest)
        if report is None:
            reason = self.problems.get(digest, "document non validé (aucun moteur de validation pour ce bundle)")
            return {"format_version": VALIDATION_FORMAT, "sha256": digest, "engine": self.engine,
                    "verdict": "not-validated", "reason": reason}  # fmt: skip
        return {"format_version": VALIDATION_FORMAT, "sha256": digest, "engine": self.engine,
                "verdict": verdict_of(report), "errors": error_rules(report), "report": report}  # fmt: skip


def verdict_of(report: dict[str, Any]) -> str:
    """valid / partial (valid, but some checks did not run) / invalid, from a FileResult dict."""
    if not report.get("valid"):
        return "invalid"
    return "partial" if report.get("partial") else "valid"


def error_rules(report: dict[str, Any]) -> list[str]:
    """The sorted rule IDs of the report's errors (what --rerun compares, with the verdict)."""
    return sorted(f.get("rule_id", "") for f in report.get("findings", []) if f.get("severity") == "error")


def validate_documents(documents: Iterable[bytes], engine: DocumentEngine) -> Validations:
    """Validate each distinct document once; an engine failure is recorded per document, never raised."""
    out = Validations()
    try:
        out.engine = engine.info()
    except Exception as exc:  # noqa: BLE001 - the bundle must still be written
        out.engine = {"error": f"{type(exc).__name__}: {exc}"}
    for data in documents:
        digest = sha256(data)
        if digest in out.reports or digest in out.problems:
            continue
        try:
            out.reports[digest] = engine.validate_document(data, digest[:12]).to_dict()
        except Exception as exc:  # noqa: BLE001 - same: say why, keep going
            out.problems[digest] = f"validation impossible : {type(exc).__name__}: {exc}"
    return out


def prevalidate(store_file: Path, allure_dir: Path, validator_url: str | None) -> Validations:
    """Validate a run's documents with its still-running (warm) validation service, for the bundle."""
    from segur_harness.allure_read import read_allure
    from segur_harness.validation.remote import RemoteEngine

    try:
        store = Store(store_file)
        exchanges = [ex for service in DOCUMENT_SERVICES for ex in store.exchanges(service=service)]
        documents = run_documents(exchanges, read_allure(allure_dir))
    except Exception as exc:  # noqa: BLE001 - the run's verdict must not depend on its evidence
        return Validations(engine={"error": f"documents illisibles : {type(exc).__name__}: {exc}"})
    if not validator_url:
        reason = "document non validé : pas de service de validation"
        return Validations(problems={sha256(d): reason for d in documents})
    return validate_documents(documents, RemoteEngine(validator_url, timeout=120.0))
