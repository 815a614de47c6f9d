"""What an Allure result says about the REM: labels, severity, description, link.

A reviewer reads the report by requirement, not by feature folder: each result
names its section, requirement (ID, énoncé, nature, criticité), scenario and
the proof IDs it supports, and the tree of the report (segur_harness.allure_config)
is built from three of these labels: parentSuite = section, suite = requirement,
subSuite = scenario. Pure functions of the catalogue, so they are tested alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from segur_harness.catalogue import Catalogue, Proof, Requirement, Scenario

REQUIREMENT_LABEL = "exigence"
SCENARIO_LABEL = "scénario"
PROOF_LABEL = "preuve"

SEVERITY = {"CRITICAL": "critical", "MAJOR": "normal", "MINOR": "minor"}
"""REM criticité -> Allure severity. MAJOR is `normal` so that the three REM levels
stay three distinct Allure levels (filtering on `critical` shows CRITICAL only);
Allure's `blocker` and `trivial` are unused. The exact REM word is also the
`criticité` label."""
DEFAULT_SEVERITY = "normal"

TITLE_LENGTH = 70
OUTSIDE_CATALOGUE = "Hors catalogue"
EVIDENCE_LINK = ("Bundle de preuves (evidence.zip)", "../evidence.zip")
"""Relative to allure-report/index.html: the bundle written beside the report."""


def severity(criticite: str) -> str:
    return SEVERITY.get(criticite.upper(), DEFAULT_SEVERITY)


def short_text(text: str, length: int = TITLE_LENGTH) -> str:
    """`text` cut at a word boundary to about `length` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def requirement_title(req: Requirement) -> str:
    """The requirement's short title: its Fonction when the catalogue has one, else its énoncé shortened."""
    return req.fonction.strip() or short_text(req.enonce)


def scenario_of(req: Requirement, scenario_id: str | None) -> Scenario | None:
    return next((s for s in req.scenarios if s.id == scenario_id), None)


def requirements_of(catalogue: Catalogue, tags: Iterable[str]) -> list[Requirement]:
    """The catalogue requirements named by a scenario's REQ_ tags, in ID order."""
    table = catalogue.by_tag()
    return sorted((table[t] for t in set(tags) if t in table), key=lambda r: r.id)


def result_labels(reqs: list[Requirement], scenario_id: str | None, title: str,
                  tags: Iterable[str] = ()) -> list[tuple[str, str]]:  # fmt: skip
    """Every label of one scenario's result, as (name, value) pairs (a name may repeat), the REM ones
    first: the report shows the first labels of a result and folds the others."""
    scenario_name = f"{scenario_id} — {title}" if scenario_id else title
    if not reqs:
        unknown = sorted(t for t in tags if t.startswith("REQ_")) or ["sans exigence"]
        return [("parentSuite", OUTSIDE_CATALOGUE), ("suite", unknown[0]), ("subSuite", scenario_name),
                ("severity", DEFAULT_SEVERITY)] + ([(SCENARIO_LABEL, scenario_id)] if scenario_id else [])
    main = reqs[0]
    labels: list[tuple[str, str]] = []
    for req in reqs:
        labels += [(REQUIREMENT_LABEL, req.id), ("énoncé", req.enonce), ("nature", req.nature),
                   ("criticité", req.criticite)]
    if scenario_id:
        labels.append((SCENARIO_LABEL, scenario_id))
    labels += [(PROOF_LABEL, p.id) for p in proofs_of(reqs, scenario_id)]
    for req in reqs:
        labels += [("périmètre", req.vague)] if req.vague else []
        labels += [("couloir", c) for c in req.couloirs]
    return labels + [
        ("parentSuite", f"{main.section_id} — {main.section}" if main.section else main.section_id),
        ("suite", f"{main.id} — {requirement_title(main)}"),
        ("subSuite", scenario_name),
        ("severity", severity(main.criticite)),
    ]


def proofs_of(reqs: list[Requirement], scenario_id: str | None) -> list[Proof]:
    """The catalogue proofs this scenario supports (requirement → scenario → proofs)."""
    found: list[Proof] = []
    for req in reqs:
        scenario = scenario_of(req, scenario_id)
        found += list(scenario.proofs) if scenario else []
    return found


def result_description(reqs: list[Requirement], scenario_id: str | None, title: str, gherkin: str = "") -> str:
    """Markdown shown at the top of the result: the requirement, its énoncé, the proofs, then the Gherkin text."""
    parts = []
    for req in reqs:
        facts = ", ".join(filter(None, [req.nature, f"criticité {req.criticite}" if req.criticite else "", req.vague]))
        parts.append(f"**Exigence {req.id}** — {req.section} ({facts})\n\n> {req.enonce}")
    scenario = f"**Scénario {scenario_id}** — {title}" if scenario_id else f"**Scénario** — {title}"
    parts.append(scenario)
    proofs = proofs_of(reqs, scenario_id)
    if proofs:
        parts.append("**Preuves apportées par ce scénario**\n\n" + "\n".join(f"- `{p.id}` — {p.text}" for p in proofs))
    elif reqs:
        parts.append("*Aucune preuve du catalogue n'est rattachée à ce scénario.*")
    if gherkin.strip():
        parts.append(gherkin.strip())
    return "\n\n".join(parts)
