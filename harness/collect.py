"""pytest plugin loaded by the runner: one result record per Gherkin scenario.

The runner reads the file this writes (env SEGUR_RESULTS_FILE) to build
summary.json and the evidence bundle; Allure results are written separately by
allure-pytest-bdd. Statuses: passed, failed (the SUT), skipped, broken (the
harness could not judge: a setup/teardown error, or a call-phase error the step
plugin marked with the `segur_broken` user property).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest

from segur_harness.features_index import split_scenario_name

BROKEN_PROPERTY = "segur_broken"
"""Set by segur_harness.steps.plugin on a report whose failure is the harness's, not the SUT's."""

SCENARIO_IDS_ENV = "SEGUR_SCENARIO_IDS"
"""Comma-separated scenario IDs: only those run (the short selfcheck runs a defect on the scenarios it covers)."""

_scenarios: dict[str, dict[str, Any]] = {}


def _scenario_id(item: pytest.Item) -> str | None:
    from pytest_bdd.scenario import scenario_wrapper_template_registry  # pytest-bdd's own item -> scenario map

    template = scenario_wrapper_template_registry.get(getattr(item, "function", None))
    return split_scenario_name(template.name)[0] if template is not None else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = {s for s in os.environ.get(SCENARIO_IDS_ENV, "").split(",") if s}
    if not wanted:
        return
    kept = [item for item in items if _scenario_id(item) in wanted]
    dropped = [item for item in items if item not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    scenario_id, title = split_scenario_name(scenario.name)
    _scenarios[request.node.nodeid] = {
        "scenario_id": scenario_id,
        "title": title,
        "name": scenario.name,
        "feature": feature.name,
        "feature_file": getattr(feature, "rel_filename", None) or getattr(feature, "filename", ""),
        "tags": sorted(scenario.tags),
        "started_at": time.time(),
    }


def _record(nodeid: str) -> dict[str, Any]:
    return _scenarios.setdefault(
        nodeid, {"scenario_id": None, "title": nodeid, "name": nodeid, "tags": [], "started_at": time.time()}
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    rec = _record(report.nodeid)
    rec["duration"] = rec.get("duration", 0.0) + report.duration
    rec["nodeid"] = report.nodeid
    broken = [value for key, value in report.user_properties if key == BROKEN_PROPERTY]
    if broken:
        rec["status"] = "broken"
    elif report.when == "call":
        rec["status"] = "passed" if report.passed else "skipped" if report.skipped else "failed"
    elif report.failed:
        rec["status"] = "broken"  # setup/teardown failure: the harness, not the SUT
    elif report.skipped and "status" not in rec:
        rec["status"] = "skipped"
    if broken:
        rec.setdefault("messages", []).append(f"broken: {broken[0]}")
    elif report.failed or report.skipped:
        rec.setdefault("messages", []).append(_short(report))


def _short(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return f"skipped: {report.longrepr[2]}"
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return f"{report.when}: {crash.message}"
    return f"{report.when}: {str(report.longrepr)[-2000:]}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get("SEGUR_RESULTS_FILE")
    if not target:
        return
    records = []
    for rec in _scenarios.values():
        rec.setdefault("status", "broken")
        rec["ended_at"] = rec["started_at"] + rec.get("duration", 0.0)
        records.append(rec)
    with open(target, "w", encoding="utf-8") as handle:
        json.dump({"exitstatus": int(exitstatus), "scenarios": records}, handle, ensure_ascii=False, indent=1)
