"""summary.json: counts and one line per scenario, the stable machine-readable verdict."""

from __future__ import annotations

from collections import Counter
from typing import Any

from segur_harness.catalogue import Catalogue

SUMMARY_FORMAT = 1
STATUSES = ("passed", "failed", "broken", "skipped")


def build_summary(records: list[dict[str, Any]], catalogue: Catalogue, *, started_at: float, ended_at: float,
                  sut: dict[str, Any], selection: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
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
    return {
        "format_version": SUMMARY_FORMAT,
        "started_at": started_at,
        "ended_at": ended_at,
        "duration": round(ended_at - started_at, 3),
        "sut": sut,
        "selection": selection,
        "counts": {"total": len(scenarios), **{s: counts.get(s, 0) for s in STATUSES}},
        "passed": bool(scenarios) and all(s["status"] == "passed" for s in scenarios),
        "scenarios": scenarios,
    }
