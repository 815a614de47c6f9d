"""What the Allure results of a run say per scenario: steps with verdicts, and the adapter calls.

The steps attach every adapter request and answer to the Allure results only
(the mocks' exchanges are in the exchange store); the evidence bundle takes
both from here. Only Allure's stable result format is read: names, statuses,
times, statusDetails, attachments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segur_harness.features_index import split_scenario_name
from segur_harness.isotime import iso_millis

ADAPTER_PREFIX = "adapter "
"""Attachment names of adapter calls start with this (steps/adapter.py)."""
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


@dataclass
class AdapterCall:
    """One adapter request and answer as the steps attached it."""

    name: str
    source: str
    step: str | None
    at: str | None
    payload: Any


@dataclass
class AllureScenario:
    scenario_id: str | None
    name: str
    status: str
    start: str | None
    stop: str | None
    message: str | None
    steps: list[dict[str, Any]] = field(default_factory=list)
    adapter_calls: list[AdapterCall] = field(default_factory=list)


def _load(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_ATTACHMENT_BYTES:
            return f"<attachment of {path.stat().st_size} bytes not copied>"
        data = path.read_bytes()
    except OSError as exc:
        return f"<attachment unreadable: {exc.strerror or exc}>"
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")


def _message(node: dict[str, Any]) -> str | None:
    details = node.get("statusDetails") or {}
    return details.get("message") or None


def _attachments(node: dict[str, Any], step: str | None, at: str | None, results: Path,
                 calls: list[AdapterCall]) -> list[dict[str, Any]]:  # fmt: skip
    listed = []
    for attachment in node.get("attachments") or []:
        name, source = attachment.get("name") or "", attachment.get("source") or ""
        listed.append({"name": name, "source": source})
        if name.lower().startswith(ADAPTER_PREFIX) and source:
            calls.append(AdapterCall(name, source, step, at, _load(results / Path(source).name)))
    return listed


def _steps(nodes: list[dict[str, Any]], results: Path, calls: list[AdapterCall]) -> list[dict[str, Any]]:
    steps = []
    for node in nodes:
        start = iso_millis(node.get("start"))
        step = {
            "name": node.get("name"),
            "status": node.get("status"),
            "start": start,
            "stop": iso_millis(node.get("stop")),
            "message": _message(node),
            "attachments": _attachments(node, node.get("name"), start, results, calls),
        }
        sub = _steps(node.get("steps") or [], results, calls)
        if sub:
            step["steps"] = sub
        steps.append(step)
    return steps


def _scenario_id(result: dict[str, Any]) -> str | None:
    scenario_id, _title = split_scenario_name(result.get("name") or "")
    if scenario_id is None and ":" in (result.get("fullName") or ""):
        scenario_id, _title = split_scenario_name(result["fullName"].split(":", 1)[1])
    return scenario_id


def read_allure(results: Path | None) -> dict[str | None, list[AllureScenario]]:
    """Scenario ID -> its Allure results (several for Outline examples), in start order."""
    found: dict[str | None, list[AllureScenario]] = {}
    if results is None or not results.is_dir():
        return found
    for path in sorted(results.glob("*-result.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        calls: list[AdapterCall] = []
        start = iso_millis(result.get("start"))
        top = _attachments(result, None, start, results, calls)
        steps = _steps(result.get("steps") or [], results, calls)
        if top:
            steps.insert(0, {"name": "(avant les étapes)", "status": None, "start": start, "stop": None,
                             "message": None, "attachments": top})  # fmt: skip
        scenario = AllureScenario(_scenario_id(result), result.get("name") or "", result.get("status") or "unknown",
                                  start, iso_millis(result.get("stop")), _message(result), steps, calls)
        found.setdefault(scenario.scenario_id, []).append(scenario)
    for runs in found.values():
        runs.sort(key=lambda r: r.start or "")
    return found
