"""`segur-harness selfcheck`: every scenario passes on the reference SUT and
fails under at least one of its named defects — otherwise it proves nothing.

Speed: a defect named after a catalogue section (`dmp-…` for DMP) bends a rule
of that section only, so it is run against that section's scenarios; the
other defects against the sections no prefix names. Variants run in parallel
lanes (`[selfcheck] lanes`), each with its own mocks, store, ports and SUT;
the CDA validation service is shared so its compiled schematrons stay warm.
On Ctrl-C or SIGTERM (a KeyboardInterrupt in the main thread) every lane is told
to stop (processes.request_stop) and unwinds its own services before the command exits.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from segur_harness.catalogue import Catalogue, load_catalogue
from segur_harness.config import config
from segur_harness.processes import STOPPING, ServiceStartError, free_port, request_stop
from segur_harness.runner import RunOptions, SelectionError, Services, run_scenarios, selection_expression
from segur_harness.selfcheck_plan import (
    RECORD_HINT,
    RECORDED_MATRIX,
    RecordError,
    ShortPlan,
    load_recorded,
    save_recorded,
    selected_scenarios,
    short_plan,
)
from segur_harness.services import MOCK_NAMES

CONFORMANT = "conforme"
KILLED = ("failed", "broken")
LANE_START_ATTEMPTS = 3
"""An extra lane that cannot start (a port taken meanwhile) is retried on other ports, then left out."""


def _statuses(records: list[dict]) -> dict[str, str]:
    return {r.get("scenario_id") or r.get("name", "?"): r.get("status", "broken") for r in records}


def defect_names() -> dict[str, str]:
    from segur_harness.sut.reference.defects import DEFECTS

    return dict(DEFECTS)


def defect_scopes(defects: list[str], catalogue: Catalogue) -> dict[str, str | None]:
    """The marker expression each defect runs under (None: every scenario).

    `dmp-feeds-without-td02` concerns section DMP; a defect with no section
    prefix concerns the sections no defect prefix names (INS, CDA, ...).
    """
    sections = {r.section_id.lower(): r.section_id for r in catalogue.requirements}
    prefixed = {sections[d.split("-", 1)[0]] for d in defects if d.split("-", 1)[0] in sections}
    tags = {section: [r.tag for r in catalogue.requirements if r.section_id == section]
            for section in {r.section_id for r in catalogue.requirements}}
    rest = [tag for section, section_tags in tags.items() if section not in prefixed for tag in section_tags]
    scopes: dict[str, str | None] = {}
    for defect in defects:
        section = sections.get(defect.split("-", 1)[0])
        chosen = tags[section] if section else rest
        scopes[defect] = "(" + " or ".join(chosen) + ")" if chosen and prefixed else None
    return scopes


def _combine(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return " and ".join(f"({p})" for p in kept) or None


def _lane_config(cfg: dict[str, Any], lane: int) -> dict[str, Any]:
    """Lane 0 keeps the configured ports; other lanes get free ones (their own mocks and SUT)."""
    if lane == 0:
        return cfg
    out = copy.deepcopy(cfg)
    for name in MOCK_NAMES:
        section = out["mocks"][name]
        for key in [k for k in section if k == "port" or k.endswith("_port")]:  # service and admin ports
            section[key] = free_port()
    out["sut"]["port"] = free_port()
    return out


Variant = tuple[str | None, list[str] | None]
"""(defect or None for the conformant SUT, the scenario IDs to run or None for its whole scope)."""


def selfcheck(opts: RunOptions, only_defects: list[str] | None = None, json_out: Path | None = None,
              lanes: int | None = None, *, full: bool = False, record: bool = False) -> int:
    """Run the matrix; print it; exit 0 iff the conformant SUT passes all and each scenario fails somewhere.

    Short by default (one recorded defect per scenario, selfcheck_plan); `full` runs every defect against
    its whole scope, as `--defect` does; `record` (implies `full`) writes the matrix for the short one.
    """
    cfg = config()
    defects = defect_names()
    unknown = [d for d in only_defects or [] if d not in defects]
    if unknown:
        print(f"selfcheck: unknown defect(s): {', '.join(unknown)}; known: {', '.join(defects)}", file=sys.stderr)
        return 2
    if record and only_defects:
        print("selfcheck: --record needs every defect's verdict: drop --defect", file=sys.stderr)
        return 2
    chosen = only_defects or list(defects)
    catalogue = load_catalogue()
    try:
        expression = selection_expression(opts, catalogue)
    except SelectionError as exc:
        print(f"selfcheck: {exc}", file=sys.stderr)
        return 2
    full = full or record or bool(only_defects)
    plan = None
    if full:
        scopes = defect_scopes(chosen, catalogue)
        variants: list[Variant] = [(None, None), *((d, None) for d in chosen)]
    else:
        try:
            recorded = load_recorded()
        except RecordError as exc:
            print(f"selfcheck: {exc}; {RECORD_HINT}", file=sys.stderr)
            return 2
        plan = short_plan(recorded, selected_scenarios(expression), set(defects))
        scopes = {}
        variants = [(None, None), *plan.assignments.items()]
    matrix = _run_variants(cfg, variants, expression, scopes, lanes)
    if matrix is None:
        return 2
    if plan is not None:
        return report_short(matrix, plan, recorded, json_out, warn_unrecorded_defects=expression is None)
    code = report(matrix, chosen, defects, json_out, complete=not only_defects)
    if record:
        baseline = matrix.get(CONFORMANT, {})
        killers = {sid: [d for d in chosen if matrix.get(d, {}).get(sid) in KILLED] for sid in baseline}
        save_recorded(killers, catalogue.version)
        print(f"selfcheck: recorded {len(killers)} scenarios in {RECORDED_MATRIX}")
    return code


def _run_variants(cfg: dict[str, Any], variants: list[Variant], expression: str | None,
                  scopes: dict[str, str | None], lanes: int | None) -> dict[str, dict[str, str]] | None:
    """Each variant's statuses by scenario, run in parallel lanes; None when the services could not start."""
    lanes = max(1, lanes or int(cfg.get("selfcheck", {}).get("lanes", 2)))
    work = Path(tempfile.mkdtemp(prefix="segur-selfcheck-"))
    matrix: dict[str, dict[str, str]] | None = None
    try:
        matrix = _run_lanes(cfg, variants, expression, scopes, lanes, work)
    finally:
        _tidy(work, matrix)
    return matrix


def _tidy(work: Path, matrix: dict[str, dict[str, str]] | None) -> None:
    """Remove the lanes' stores, logs and run outputs (~75 MB a selfcheck) once every variant ran and the
    conformant SUT passed every scenario; otherwise keep them, and say where, for the one who looks into it."""
    healthy = matrix is not None and all(status == "passed" for status in matrix.get(CONFORMANT, {}).values())
    if healthy:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"selfcheck: the lanes' logs, stores and reports are kept in {work}", file=sys.stderr)


def _run_lanes(cfg: dict[str, Any], variants: list[Variant], expression: str | None,
               scopes: dict[str, str | None], lanes: int, work: Path) -> dict[str, dict[str, str]] | None:
    """_run_variants' lanes, with their services and outputs under `work`."""
    matrix: dict[str, dict[str, str]] = {}
    lock = threading.Lock()
    try:
        with Services(cfg, work / "lane0" / "exchanges.sqlite", work / "lane0" / "logs") as first:
            validator_url = first.validator_url
            pending = list(variants)

            def lane_run(lane: int, services: Services) -> None:
                while True:
                    with lock:
                        if not pending or STOPPING.is_set():
                            return
                        variant, scenario_ids = pending.pop(0)
                    label = variant or CONFORMANT
                    print(f"selfcheck: lane {lane}: reference SUT ({label})", file=sys.stderr, flush=True)
                    proc, url = services.start_reference_sut(variant)
                    try:
                        where = None if scenario_ids else _combine(expression, scopes.get(variant) if variant else None)
                        result = run_scenarios(url, services.endpoints, services.store, work / label, where,
                                               quiet=True, allure=False, validator_url=validator_url,
                                               scenario_ids=scenario_ids)  # fmt: skip
                    finally:
                        proc.stop()
                    with lock:
                        matrix[label] = _statuses(result.records)

            def lane(index: int) -> None:
                if index == 0:
                    lane_run(0, first)
                    return
                for attempt in range(1, LANE_START_ATTEMPTS + 1):
                    folder = work / f"lane{index}-{attempt}"
                    services = Services(_lane_config(cfg, index), folder / "exchanges.sqlite", folder / "logs",
                                        validator_url=validator_url)
                    try:  # free ports are only free when picked: another process may take one meanwhile
                        services.__enter__()  # on failure it has already stopped what it started
                    except ServiceStartError as exc:
                        reason = str(exc).splitlines()[0]
                        print(f"selfcheck: lane {index} could not start ({reason})"
                              + ("; trying other ports" if attempt < LANE_START_ATTEMPTS else
                                 "; the other lanes do its share"), file=sys.stderr, flush=True)
                        continue
                    try:
                        lane_run(index, services)
                    finally:
                        services.close()
                    return

            with ThreadPoolExecutor(max_workers=min(lanes, len(variants))) as pool:
                futures = [pool.submit(lane, i) for i in range(min(lanes, len(variants)))]
                try:
                    for future in futures:
                        future.result()
                except BaseException:  # Ctrl-C, SIGTERM or a lane's failure: every lane stops and cleans up
                    request_stop()
                    raise
    except ServiceStartError as exc:
        print(f"selfcheck: could not start the services: {exc}", file=sys.stderr)
        return None
    return matrix


def report_short(matrix: dict[str, dict[str, str]], plan: ShortPlan, recorded: dict[str, list[str]],
                 json_out: Path | None, warn_unrecorded_defects: bool = True) -> int:
    """Print the short matrix: per scenario, its conformant status and the recorded defect checked on it."""
    baseline = matrix.get(CONFORMANT, {})
    checker = {sid: defect for defect, sids in plan.assignments.items() for sid in sids}
    problems, rows = [], []
    for scenario in sorted(baseline):
        status = baseline[scenario]
        if status != "passed":
            problems.append(f"{scenario} does not pass on the conformant reference SUT ({status})")
        defect = checker.get(scenario)
        killed = bool(defect) and matrix.get(defect, {}).get(scenario) in KILLED
        if defect is None:
            problems.append(f"{scenario}: no recorded defect fails it; {RECORD_HINT}")
        elif not killed:
            problems.append(f"{scenario} no longer fails under its recorded defect {defect} "
                            f"({matrix.get(defect, {}).get(scenario, 'not run')}); {RECORD_HINT}")
        rows.append({"scenario_id": scenario, "conformant": status, "failing_defects": [defect] if killed else [],
                     "recorded_defects": recorded.get(scenario, [])})  # fmt: skip
        also = [d for d in recorded.get(scenario, []) if d != defect]
        shown = f"{defect} (checked)" if killed else "-- NONE --"
        shown += f"; recorded also: {', '.join(also)}" if also else ""
        print(f"{scenario:<24} {status:<8} fails under: {shown}")
    if warn_unrecorded_defects:
        caught = {d for defects in recorded.values() for d in defects}
        for defect, description in defect_names().items():
            if defect not in caught:
                print(f"WARNING: defect {defect} ({description}) is caught by no scenario (recorded matrix)")
    if not baseline:
        problems.append("no scenario ran")
    if json_out:
        json_out.write_text(json.dumps({"scenarios": rows, "problems": problems, "mode": "short"}, indent=1),
                            encoding="utf-8")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"selfcheck: {len(rows)} scenarios, {len(plan.assignments)} defect variants (one recorded defect a "
          f"scenario; --full runs every defect), {len(problems)} problems")
    return 1 if problems else 0


def report(matrix: dict[str, dict[str, str]], chosen: list[str], defects: dict[str, str], json_out: Path | None,
           complete: bool = True) -> int:
    """Print the matrix. `complete`: every defect ran, so a scenario no defect fails is a problem."""
    baseline = matrix.get(CONFORMANT, {})
    problems = []
    rows = []
    for scenario in sorted(baseline):
        killers = [d for d in chosen if matrix.get(d, {}).get(scenario) in KILLED]
        status = baseline[scenario]
        if status != "passed":
            problems.append(f"{scenario} does not pass on the conformant reference SUT ({status})")
        if not killers and complete:
            problems.append(f"{scenario} fails under no defect: it cannot catch a non-conformant SUT")
        rows.append({"scenario_id": scenario, "conformant": status, "failing_defects": killers})
        print(f"{scenario:<24} {status:<8} fails under: {', '.join(killers) or '-- NONE --'}")
    for defect in chosen:
        caught = [s for s in baseline if matrix.get(defect, {}).get(s) in KILLED]
        if not caught and matrix.get(defect):  # a gap worth knowing (the contract is about scenarios)
            print(f"WARNING: defect {defect} ({defects[defect]}) is caught by no scenario")
    if not baseline:
        problems.append("no scenario ran")
    if json_out:
        json_out.write_text(json.dumps({"scenarios": rows, "problems": problems}, indent=1), encoding="utf-8")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"selfcheck: {len(rows)} scenarios, {len(chosen)} defects, {len(problems)} problems")
    return 1 if problems else 0
