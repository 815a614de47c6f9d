"""summary.json: counts and one line per scenario, the stable machine-readable verdict.

`verdict` (and `exit_code`, what `segur-harness run` exits with): broken when the
harness could not judge something (a broken scenario, or the scenario process
itself failed: `problems` says why), else nothing-selected, failed (the SUT),
incomplete (all that ran passed, some were skipped for missing material), passed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from segur_harness.catalogue import Catalogue

SUMMARY_FORMAT = 1
STATUSES = ("passed", "failed", "broken", "skipped")
EXIT_CODES = {"passed": 0, "failed": 1, "broken": 2, "nothing-selected": 3, "incomplete": 4}


def verdict(counts: dict[str, int], problems: list[str]) -> str:
    """The run's verdict from its counts and run-level problems (see the module docstring)."""
    if problems or counts.get("broken"):
        return "broken"
    if not counts.get("total"):
        return "nothing-selected"
    if counts.get("failed"):
        return "failed"
    if counts.get("skipped"):
        return "incomplete"
    return "passed"


def build_summary(records: list[dict[str, Any]], catalogue: Catalogue, *, started_at: float, ended_at: float,
                  sut: dict[str, Any], selection: dict[str, Any],
                  problems: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    """The summary; `problems`: run-level harness problems (one line each), broken scenarios' reasons are added."""
    scenarios = []
    for rec in sorted(records, key=lambda r: (r.get("scenario_id") or "", r.get("name", ""))):
        scenarios.append(
            {
                "scenario_id": rec.get("scenario_id"),
                "title": rec.get("title"),
                "requirement_ids": catalogue.requirements_for_tags(set(rec.get("tags", []))),
                "status": rec.get("status", "broken"),
                "duration": round(rec.get("duration", 0.0), 3),
                "feature_file": rec.get("feature_file"),
                "messages": rec.get("messages", []),
            }
        )
    counts = Counter(s["status"] for s in scenarios)
    all_counts = {"total": len(scenarios), **{s: counts.get(s, 0) for s in STATUSES}}
    run_problems = list(problems or [])
    broken = [f"{s['scenario_id'] or s['title']}: {_reason(s['messages'])}"
              for s in scenarios if s["status"] == "broken"]
    outcome = verdict(all_counts, run_problems)
    return {
        "format_version": SUMMARY_FORMAT,
        "started_at": started_at,
        "ended_at": ended_at,
        "duration": round(ended_at - started_at, 3),
        "sut": sut,
        "selection": selection,
        "counts": all_counts,
        "passed": bool(scenarios) and all(s["status"] == "passed" for s in scenarios),
        "verdict": outcome,
        "exit_code": EXIT_CODES[outcome],
        "problems": run_problems + broken,
        "scenarios": scenarios,
    }


def _reason(messages: list[str]) -> str:
    for message in messages:
        if message.startswith("broken: "):
            return message[len("broken: "):]
    return (messages[0].splitlines() or ["no reason recorded"])[0][:500] if messages else "no reason recorded"
