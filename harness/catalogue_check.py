"""`catalogue --check` and `--coverage`: the catalogue and the features agree."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from segur_harness.catalogue import TAG_PREFIX, Catalogue
from segur_harness.features_index import FeatureScenario


def check(catalogue: Catalogue, scenarios: list[FeatureScenario], parse_problems: list[str]) -> list[str]:
    """Every defect of the catalogue and of its link to the features, as sentences."""
    problems = list(catalogue.problems) + list(parse_problems)
    for rid, n in Counter(r.id for r in catalogue.requirements).items():
        if n > 1:
            problems.append(f"requirement {rid} is defined {n} times")
    for sid, n in Counter(s.id for r in catalogue.requirements for s in r.scenarios).items():
        if n > 1:
            problems.append(f"catalogue scenario {sid} is defined {n} times")
    tags = Counter(r.tag for r in catalogue.requirements)
    for tag, n in tags.items():
        if n > 1:
            problems.append(f"tag {tag} encodes {n} different requirement IDs")
    known_tags = catalogue.by_tag()
    known_scenarios = catalogue.scenario_ids()
    for sid, n in Counter(s.scenario_id for s in scenarios if s.scenario_id).items():
        if n > 1:
            problems.append(f"feature scenario {sid} appears {n} times")
    covered: set[str] = set()
    for sc in scenarios:
        where = f"{sc.file}:{sc.line}"
        req_tags = {t for t in sc.tags if t.startswith(TAG_PREFIX)}
        for tag in sorted(req_tags - known_tags.keys()):
            problems.append(f"{where}: tag @{tag} names no requirement of the catalogue")
        if not req_tags:
            problems.append(f"{where}: scenario '{sc.name}' carries no requirement tag (@{TAG_PREFIX}…)")
        if not sc.scenario_id:
            problems.append(f"{where}: scenario '{sc.name}' is not named '<scenario ID> — <title>'")
            continue
        owner = known_scenarios.get(sc.scenario_id)
        if owner is None:
            problems.append(f"{where}: scenario ID {sc.scenario_id} is not in the catalogue")
            continue
        if owner.tag not in req_tags:
            problems.append(f"{where}: scenario {sc.scenario_id} belongs to {owner.id} but is not tagged @{owner.tag}")
        covered.add(owner.id)
    for req in catalogue.requirements:
        if req.in_scope and req.id not in covered:
            problems.append(f"in-scope requirement {req.id} has no feature scenario")
    return problems


def last_statuses(summary_file: Path) -> dict[str, str]:
    """scenario ID -> status from a run's summary.json (empty when there is none)."""
    try:
        data = json.loads(summary_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {s["scenario_id"]: s["status"] for s in data.get("scenarios", []) if s.get("scenario_id")}


def coverage_lines(catalogue: Catalogue, scenarios: list[FeatureScenario], statuses: dict[str, str]) -> list[str]:
    """requirement -> scenarios -> last status, one line per scenario, for people."""
    implemented = {s.scenario_id for s in scenarios if s.scenario_id}
    lines = []
    for req in sorted(catalogue.requirements, key=lambda r: r.id):
        scope = "" if req.in_scope else " (out of scope)"
        lines.append(f"{req.id} [{req.nature} {req.criticite}, {req.source}]{scope}")
        for sc in req.scenarios:
            state = "no feature scenario" if sc.id not in implemented else statuses.get(sc.id, "not run")
            lines.append(f"  {sc.id}  {state:<20} {sc.title}")
    return lines
