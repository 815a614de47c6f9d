"""The recorded selfcheck matrix and the short selfcheck it allows.

The full selfcheck runs every defect against every scenario of its section
(~1,700 scenario runs at 85 scenarios): minutes. What the contract needs is
less: the reference SUT passes every scenario, and each scenario fails under
at least one named defect. `selfcheck --full --record` writes which defects
fail which scenario (`fixtures/selfcheck/kills.json`, data reviewed in the
diff like any rule pack); the default selfcheck then runs the conformant SUT
on every scenario and, for each scenario, one recorded defect on that
scenario only (a greedy cover, so one defect variant checks many scenarios).
A scenario the record does not know, or that its recorded defect no longer
fails, is a problem whose fix is one command: `selfcheck --full --record`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from segur_harness.config import SELFCHECK_RECORD
from segur_harness.features_index import index_features

RECORDED_MATRIX = SELFCHECK_RECORD
RECORD_HINT = "run `segur-harness selfcheck --full --record` and commit fixtures/selfcheck/kills.json"


class RecordError(Exception):
    """The recorded matrix cannot be read: one line naming the file."""


@dataclass(frozen=True)
class ShortPlan:
    """Which defect checks which scenarios, and the scenarios no recorded defect covers."""

    assignments: dict[str, list[str]]
    unrecorded: list[str]


def load_recorded(path: Path = RECORDED_MATRIX) -> dict[str, list[str]]:
    """Scenario ID -> the defects that failed it when last recorded ({} when nothing was recorded)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        scenarios = data["scenarios"]
        return {str(sid): [str(d) for d in defects] for sid, defects in scenarios.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RecordError(f"{path}: not a recorded selfcheck matrix ({exc.__class__.__name__}: {exc})") from exc


def save_recorded(matrix: dict[str, list[str]], catalogue_version: str, path: Path = RECORDED_MATRIX) -> None:
    """Merge `matrix` (the scenarios just run with every defect) into the recorded one."""
    merged = {**load_recorded(path), **matrix}
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "about": "Defects of the reference SUT that fail each scenario, written by `segur-harness selfcheck "
                 "--full --record`; the default selfcheck checks one of them per scenario.",
        "catalogue_version": catalogue_version,
        "scenarios": {sid: sorted(merged[sid]) for sid in sorted(merged)},
    }  # fmt: skip
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def selected_scenarios(expression: str | None) -> list[str]:
    """The scenario IDs of the feature files that a pytest -m `expression` selects (tags are the markers)."""
    from _pytest.mark.expression import Expression  # the parser pytest itself applies to -m

    compiled = Expression.compile(expression) if expression else None
    found, _problems = index_features()
    chosen = []
    for scenario in found:
        if scenario.scenario_id and (compiled is None or compiled.evaluate(_has_tag(scenario.tags))):
            chosen.append(scenario.scenario_id)
    return sorted(set(chosen))


def _has_tag(tags: frozenset[str]):  # noqa: ANN202 - pytest's ExpressionMatcher protocol
    return lambda name, /, **_kwargs: name in tags


def short_plan(recorded: dict[str, list[str]], scenarios: list[str], known_defects: set[str]) -> ShortPlan:
    """Cover every scenario with one recorded, still-known defect, using as few defect variants as possible."""
    candidates = {sid: [d for d in recorded.get(sid, []) if d in known_defects] for sid in scenarios}
    unrecorded = sorted(sid for sid, defects in candidates.items() if not defects)
    left = {sid for sid, defects in candidates.items() if defects}
    assignments: dict[str, list[str]] = {}
    while left:
        reach: dict[str, list[str]] = {}
        for sid in sorted(left):
            for defect in candidates[sid]:
                reach.setdefault(defect, []).append(sid)
        best = max(sorted(reach), key=lambda d: len(reach[d]))
        assignments[best] = reach[best]
        left -= set(reach[best])
    return ShortPlan(assignments, unrecorded)
