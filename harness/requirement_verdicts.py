"""Verdicts per scenario, proof and requirement, from a run's summary and the catalogue.

A reviewer judges requirements, not pytest items: a requirement is passed only
when every one of its scenarios passed; a failure of the SUT wins over a
harness problem (it is a definite finding), and a requirement none of whose
scenarios ran says so instead of looking compliant.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from segur_harness.catalogue import Requirement

LABELS = {
    "passed": "Conforme",
    "failed": "Non conforme",
    "broken": "Non jugé (erreur du harness)",
    "skipped": "Non exécuté (matériel manquant)",
    "not-run": "Non exécuté",
    "incomplete": "Incomplet",
    "out-of-scope": "Hors périmètre du harness",
}
"""French wording of each verdict, for the spreadsheet, JUnit and the command output."""


def scenario_status(statuses: Iterable[str]) -> str:
    """One status for a scenario ID run one or more times (Outline examples): the worst one."""
    seen = set(statuses)
    if not seen:
        return "not-run"
    for status in ("failed", "broken", "skipped"):
        if status in seen:
            return status
    return "passed"


def statuses_by_scenario(summary: dict[str, Any]) -> dict[str, str]:
    """Scenario ID -> its status in the run (scenarios absent from the run are absent here)."""
    grouped: dict[str, list[str]] = {}
    for scenario in summary.get("scenarios", []):
        if scenario.get("scenario_id"):
            grouped.setdefault(scenario["scenario_id"], []).append(scenario.get("status", "broken"))
    return {sid: scenario_status(found) for sid, found in grouped.items()}


def requirement_verdict(requirement: Requirement, statuses: dict[str, str]) -> str:
    """passed / failed / broken / incomplete / not-run / out-of-scope (see the module docstring)."""
    if not requirement.in_scope and not requirement.scenarios:
        return "out-of-scope"
    found = [statuses.get(s.id, "not-run") for s in requirement.scenarios]
    if "failed" in found:
        return "failed"
    if "broken" in found:
        return "broken"
    if not found or all(s in ("not-run", "skipped") for s in found):
        return "not-run"
    if all(s == "passed" for s in found):
        return "passed"
    return "incomplete"
