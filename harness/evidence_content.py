"""The files of an evidence bundle (format 2, docs/evidence.md), keyed by scenario and by proof ID.

Each scenario gets one folder with everything it caused: the mocks' exchanges,
the adapter calls, the documents with their validation reports, and its steps
with verdicts. Each proof gets a small index file naming those paths, so a
reviewer goes from a proof ID of the spreadsheet to its raw material; bodies
are stored once and referenced by path.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Any

from segur_harness.allure_read import AdapterCall, AllureScenario
from segur_harness.catalogue import Catalogue, Requirement
from segur_harness.evidence_documents import PRODUCED_SERVICE, Validations, externalise, sha256
from segur_harness.evidence_embedded import Embedded, embedded_documents
from segur_harness.isotime import iso_seconds
from segur_harness.requirement_verdicts import LABELS, requirement_verdict, scenario_status, statuses_by_scenario
from segur_harness.store import Exchange

FORMAT_VERSION = 2
UNSCOPED = "_hors_scenario"
CATALOGUE_FIELDS = ("id", "section_id", "section", "bloc", "fonction", "profils", "couloirs", "nature", "criticite",
                    "vague", "conditionnelle", "enonce", "source", "source_note", "in_scope")  # fmt: skip


def safe_name(text: str | None) -> str:
    """A file-system-safe name for an ID ('INS/va1.41.01' -> 'INS_va1.41.01')."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", text) if text else UNSCOPED


def to_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, default=str).encode()


def extension(body: bytes) -> str:
    head = body.lstrip()[:1]
    if head == b"<":
        return "xml"
    if head in (b"{", b"["):
        return "json"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "bin"
    return "txt"


def exchange_json(ex: Exchange) -> dict[str, Any]:
    """exchange.json: the exchange without its bodies, times in ISO 8601."""
    out = ex.to_json(with_bodies=False)
    out["started_at"], out["ended_at"] = iso_seconds(ex.started_at), iso_seconds(ex.ended_at)
    out["duration_ms"] = round((ex.ended_at - ex.started_at) * 1000, 3)
    return out


class ScenarioFolder:
    """Everything one scenario caused, under scenarios/<scenario>/."""

    def __init__(self, scenario_id: str | None, files: dict[str, bytes], validations: Validations) -> None:
        self.scenario_id = scenario_id
        self.root = f"scenarios/{safe_name(scenario_id)}"
        self.files, self.validations = files, validations
        self.exchanges: list[str] = []
        self.adapter: list[str] = []
        self.documents: dict[str, dict[str, Any]] = {}  # sha256 -> {"path", "origins"}

    def _number(self, items: list | dict) -> str:
        return f"{len(items) + 1:03d}"

    def keep_document(self, data: bytes, origin: dict[str, str]) -> dict[str, Any]:
        """Store a document once (by content) and return its entry; `origin` says where it was seen."""
        digest = sha256(data)
        entry = self.documents.get(digest)
        if entry is None:
            folder = f"{self.root}/documents/{self._number(self.documents)}-{origin['kind']}"
            path = f"{folder}/document.{extension(data)}"
            self.files[path] = data
            self.files[f"{folder}/validation.json"] = to_json(self.validations.record(data))
            entry = self.documents[digest] = {"path": path, "folder": folder, "sha256": digest, "bytes": len(data),
                                              "origins": []}  # fmt: skip
        entry["origins"].append(origin)
        return entry

    def add_exchange(self, ex: Exchange) -> None:
        if ex.service == PRODUCED_SERVICE:  # a document the SUT produced: kept as a document, not twice
            entry = self.keep_document(ex.response_body, {"kind": "produit", "operation": ex.operation})
            number = len(entry["origins"])
            entry["origins"][-1]["exchange"] = f"{entry['folder']}/exchange-{number}.json"
            self.files[entry["origins"][-1]["exchange"]] = to_json(exchange_json(ex))
            if ex.request_body:
                self.files[f"{entry['folder']}/request-{number}.{extension(ex.request_body)}"] = ex.request_body
            return
        operation = safe_name(ex.operation or "unknown")
        base = f"{self.root}/exchanges/{self._number(self.exchanges)}-{safe_name(ex.service)}-{operation}"
        self.files[f"{base}/request.{extension(ex.request_body)}"] = ex.request_body
        self.files[f"{base}/response.{extension(ex.response_body)}"] = ex.response_body
        record = exchange_json(ex)
        carried = [self._keep_embedded(found, base) for found in embedded_documents(ex)]
        if carried:
            record["documents"] = carried
        self.files[f"{base}/exchange.json"] = to_json(record)
        self.exchanges.append(base)

    def _keep_embedded(self, found: Embedded, exchange: str) -> dict[str, Any]:
        """A document carried by an exchange, kept as a document of the scenario; both name each other."""
        entry = self.keep_document(found.data, {"kind": found.kind, "exchange": f"{exchange}/exchange.json",
                                                "via": found.via,
                                                "name": found.name})  # fmt: skip
        return {"path": entry["path"], "validation": f"{entry['folder']}/validation.json", "sha256": entry["sha256"],
                "bytes": entry["bytes"], "via": found.via, "name": found.name}  # fmt: skip

    def add_adapter_call(self, call: AdapterCall) -> str:
        match = re.match(r"adapter\s+(\w+)\s+(\S+)", call.name, re.IGNORECASE)
        method, path = (match[1].upper(), match[2]) if match else ("CALL", "")
        target = f"{self.root}/adapter/{self._number(self.adapter)}-{method}-{safe_name(path.strip('/'))[:80]}.json"
        payload = call.payload
        if isinstance(payload, dict):
            payload = {key: externalise(value, lambda data, part=key: self.keep_document(
                data, {"kind": "produit" if part == "response" else "recu", "adapter": target})["path"])
                for key, value in payload.items()}  # fmt: skip
        self.files[target] = to_json({"name": call.name, "step": call.step, "at": call.at, "call": payload})
        self.adapter.append(target)
        return target

    def index(self) -> dict[str, Any]:
        return {"exchanges": list(self.exchanges), "adapter": list(self.adapter),
                "documents": [{"path": d["path"], "validation": f"{d['folder']}/validation.json",
                               "sha256": d["sha256"], "bytes": d["bytes"], "origins": d["origins"]}
                              for d in self.documents.values()]}  # fmt: skip


def _link_attachments(steps: list[dict[str, Any]], paths: dict[str, str]) -> list[dict[str, Any]]:
    """Steps as the bundle shows them: each attachment named, with its bundle path when it was copied."""
    out = []
    for step in steps:
        step = dict(step)
        step["attachments"] = [{"name": a["name"], **({"path": paths[a["source"]]} if a["source"] in paths else {})}
                               for a in step.get("attachments", [])]  # fmt: skip
        if "steps" in step:
            step["steps"] = _link_attachments(step["steps"], paths)
        out.append(step)
    return out


def _requirement_entry(req: Requirement, statuses: dict[str, str], folders: dict[str | None, ScenarioFolder],
                       proof_paths: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    data = asdict(req)
    entry = {key: data[key] for key in CATALOGUE_FIELDS}
    verdict = requirement_verdict(req, statuses)
    entry.update({"verdict": verdict, "label": LABELS[verdict], "scenarios": []})
    for sc in req.scenarios:
        status = statuses.get(sc.id, "not-run")
        folder = folders.get(sc.id)
        entry["scenarios"].append({
            "id": sc.id, "title": sc.title, "status": status, "label": LABELS[status],
            "path": f"{folder.root}/scenario.json" if folder else None,
            "proofs": [{"id": p.id, "text": p.text, "status": status, "label": LABELS[status],
                        "path": proof_paths[p.id]} for p in sc.proofs],
        })  # fmt: skip
    return entry


def bundle_files(*, metadata: dict[str, Any], summary: dict[str, Any], exchanges: list[Exchange],
                 catalogue: Catalogue, allure: dict[str | None, list[AllureScenario]],
                 validations: Validations) -> dict[str, bytes]:  # fmt: skip
    """Archive path -> content for every file of the bundle except the manifest."""
    files: dict[str, bytes] = {}
    runs: dict[str | None, list[dict[str, Any]]] = {}
    for scenario in summary.get("scenarios", []):
        runs.setdefault(scenario.get("scenario_id"), []).append(scenario)
    folders: dict[str | None, ScenarioFolder] = {}

    def folder(scenario_id: str | None) -> ScenarioFolder:
        if scenario_id not in folders:
            folders[scenario_id] = ScenarioFolder(scenario_id, files, validations)
        return folders[scenario_id]

    for sid in runs:
        folder(sid)
    for ex in exchanges:
        folder(ex.scenario_id).add_exchange(ex)
    allure_steps: dict[str | None, list[dict[str, Any]]] = {}
    for sid, results in allure.items():
        target = folder(sid)
        for result in results:
            paths = {call.source: target.add_adapter_call(call) for call in result.adapter_calls}
            allure_steps.setdefault(sid, []).append({
                "name": result.name, "status": result.status, "start": result.start, "stop": result.stop,
                "message": result.message, "steps": _link_attachments(result.steps, paths)})  # fmt: skip
    statuses = statuses_by_scenario(summary)
    owners = catalogue.scenario_ids()
    for sid, target in folders.items():
        entries = runs.get(sid, [])
        status = scenario_status(e.get("status", "broken") for e in entries)
        owner = owners.get(sid) if sid else None
        files[f"{target.root}/scenario.json"] = to_json({
            "scenario_id": sid, "title": entries[0].get("title") if entries else None,
            "requirement_id": owner.id if owner else None,
            "proof_ids": [p.id for s in (owner.scenarios if owner else ()) if s.id == sid for p in s.proofs],
            "status": status, "label": LABELS[status], "runs": entries, "allure": allure_steps.get(sid, []),
            "files": target.index(),
        })  # fmt: skip
    proof_paths = {p.id: f"proofs/{safe_name(p.id)}.json" for r in catalogue.requirements for s in r.scenarios
                   for p in s.proofs}  # fmt: skip
    requirements = [_requirement_entry(r, statuses, folders, proof_paths) for r in catalogue.requirements]
    for req in requirements:
        for sc in req["scenarios"]:
            evidence = folders[sc["id"]].index() if sc["id"] in folders else {"exchanges": [], "adapter": [],
                                                                              "documents": []}  # fmt: skip
            for proof in sc["proofs"]:
                files[proof["path"]] = to_json({
                    "proof_id": proof["id"], "text": proof["text"], "status": proof["status"],
                    "label": proof["label"],
                    "requirement": {k: req[k] for k in ("id", "enonce", "nature", "criticite", "verdict", "label")},
                    "scenario": {k: sc[k] for k in ("id", "title", "status", "path")},
                    "evidence": evidence,
                })  # fmt: skip
    verdicts: dict[str, int] = {}
    for req in requirements:
        verdicts[req["verdict"]] = verdicts.get(req["verdict"], 0) + 1
    files["requirements.json"] = to_json({
        "format_version": FORMAT_VERSION, "catalogue_version": catalogue.version,
        "run_verdict": summary.get("verdict"), "verdicts": verdicts, "requirements": requirements,
    })  # fmt: skip
    files["metadata.json"] = to_json({"bundle_format_version": FORMAT_VERSION, **metadata})
    files["summary.json"] = to_json(_iso_summary(summary))
    return files


def _iso_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The run summary with its times in ISO 8601 (the report folder's summary.json keeps epoch seconds)."""
    out = dict(summary)
    for key in ("started_at", "ended_at"):
        if isinstance(out.get(key), int | float):
            out[key] = iso_seconds(out[key])
    return out
