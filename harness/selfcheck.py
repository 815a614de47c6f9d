"""`segur-harness selfcheck`: every scenario passes on the reference SUT and
fails under at least one of its named defects — otherwise it proves nothing.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from segur_harness.catalogue import load_catalogue
from segur_harness.config import config
from segur_harness.processes import ServiceStartError
from segur_harness.runner import RunOptions, SelectionError, Services, run_scenarios, selection_expression


def _statuses(records: list[dict]) -> dict[str, str]:
    return {r.get("scenario_id") or r.get("name", "?"): r.get("status", "broken") for r in records}


def defect_names() -> dict[str, str]:
    from segur_harness.sut.reference.defects import DEFECTS

    return dict(DEFECTS)


def selfcheck(opts: RunOptions, only_defects: list[str] | None = None, json_out: Path | None = None) -> int:
    """Run the matrix; print it; exit 0 iff the conformant SUT passes all and each scenario fails somewhere."""
    cfg = config()
    defects = defect_names()
    unknown = [d for d in only_defects or [] if d not in defects]
    if unknown:
        print(f"selfcheck: unknown defect(s): {', '.join(unknown)}; known: {', '.join(defects)}", file=sys.stderr)
        return 2
    chosen = only_defects or list(defects)
    try:
        expression = selection_expression(opts, load_catalogue())
    except SelectionError as exc:
        print(f"selfcheck: {exc}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="segur-selfcheck-"))
    store = work / "exchanges.sqlite"
    matrix: dict[str, dict[str, str]] = {}
    try:
        with Services(cfg, store, work / "logs") as services:
            for variant in [None, *chosen]:
                label = variant or "conforme"
                print(f"selfcheck: running every scenario against the reference SUT ({label})", file=sys.stderr)
                proc, url = services.start_reference_sut(variant)
                result = run_scenarios(url, services.endpoints, store, work / label, expression, quiet=True,
                                       allure=False, validator_url=services.validator_url)  # fmt: skip
                proc.stop()
                matrix[label] = _statuses(result.records)
    except ServiceStartError as exc:
        print(f"selfcheck: could not start the services: {exc}", file=sys.stderr)
        return 2
    return report(matrix, chosen, defects, json_out)


def report(matrix: dict[str, dict[str, str]], chosen: list[str], defects: dict[str, str], json_out: Path | None) -> int:
    baseline = matrix.get("conforme", {})
    problems = []
    rows = []
    for scenario in sorted(baseline):
        killers = [d for d in chosen if matrix.get(d, {}).get(scenario) in ("failed", "broken")]
        status = baseline[scenario]
        if status != "passed":
            problems.append(f"{scenario} does not pass on the conformant reference SUT ({status})")
        if not killers:
            problems.append(f"{scenario} fails under no defect: it cannot catch a non-conformant SUT")
        rows.append({"scenario_id": scenario, "conformant": status, "failing_defects": killers})
        print(f"{scenario:<24} {status:<8} fails under: {', '.join(killers) or '-- NONE --'}")
    for defect in chosen:
        caught = [s for s in baseline if matrix.get(defect, {}).get(s) in ("failed", "broken")]
        if not caught:  # a coverage gap worth knowing, but the contract is about scenarios
            print(f"WARNING: defect {defect} ({defects[defect]}) is caught by no scenario")
    if not baseline:
        problems.append("no scenario ran")
    if json_out:
        json_out.write_text(json.dumps({"scenarios": rows, "problems": problems}, indent=1), encoding="utf-8")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"selfcheck: {len(rows)} scenarios, {len(chosen)} defects, {len(problems)} problems")
    return 1 if problems else 0
