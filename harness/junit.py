"""`run --junit FILE`: the run as JUnit XML, for CI test reports (GitLab, GitHub, Jenkins).

One testcase per scenario, named by its scenario ID, classname = its
requirement ID, so a CI page reads as the REM does; failure = the SUT did not
conform, error = the harness could not judge (broken), skipped = not run, each
with a French message.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from segur_harness.catalogue import CRITICITE_LABELS, Catalogue

NO_REQUIREMENT = "sans-exigence"
RUN_CLASSNAME = "segur-harness"
"""Classname of the one testcase that reports a run the harness could not carry out (no scenario result)."""


def _reason(messages: list[str], prefix: str) -> str:
    for message in messages:
        if message.startswith(prefix):
            return message[len(prefix):].strip()
    return messages[0].strip() if messages else "aucune raison enregistrée"


def _first_line(text: str) -> str:
    return (text.splitlines() or [""])[0][:500]


def _testcase(scenario: dict[str, Any], catalogue: Catalogue) -> tuple[str, ET.Element]:
    owners = catalogue.scenario_ids()
    sid = scenario.get("scenario_id")
    requirement = owners.get(sid) if sid else None
    classname = requirement.id if requirement else (scenario.get("requirement_ids") or [NO_REQUIREMENT])[0]
    case = ET.Element("testcase", name=sid or scenario.get("title") or "?", classname=classname,
                      time=f"{float(scenario.get('duration') or 0.0):.3f}")  # fmt: skip
    messages = [str(m) for m in scenario.get("messages", [])]
    status = scenario.get("status")
    asked = f"\n\nExigence {requirement.id} : {requirement.enonce}" if requirement else ""
    if status == "failed":
        reason = _reason(messages, "call:")
        element = ET.SubElement(case, "failure", type="non-conforme",
                                message=f"Non conforme : {_first_line(reason)}")  # fmt: skip
        element.text = f"Le SUT n'a pas satisfait le scénario {sid} ({scenario.get('title')}).\n" \
                       + "\n".join(messages) + asked
    elif status == "broken":
        reason = _reason(messages, "broken:")
        element = ET.SubElement(case, "error", type="non-juge",
                                message=f"Non jugé, erreur du harness (le SUT n'est pas mis en cause) : "
                                        f"{_first_line(reason)}")  # fmt: skip
        element.text = "\n".join(messages)
    elif status == "skipped":
        ET.SubElement(case, "skipped", message=f"Non exécuté : {_first_line(_reason(messages, 'skipped:'))}")
    title = scenario.get("title")
    if title:
        ET.SubElement(case, "system-out").text = f"{sid} — {title}"
    return classname, case


def junit_xml(summary: dict[str, Any], catalogue: Catalogue, name: str = "Ségur numérique — conformité") -> bytes:
    """The JUnit document: one <testsuite> per requirement, in the order of the run's scenarios."""
    suites: dict[str, list[ET.Element]] = {}
    statuses: dict[str, Counter] = {}
    for scenario in summary.get("scenarios", []):
        classname, case = _testcase(scenario, catalogue)
        suites.setdefault(classname, []).append(case)
        statuses.setdefault(classname, Counter())[scenario.get("status")] += 1
    if summary.get("problems") and not any(s.get("status") == "broken" for s in summary.get("scenarios", [])):
        case = ET.Element("testcase", name="exécution", classname=RUN_CLASSNAME, time="0")
        ET.SubElement(case, "error", type="non-juge", message=f"Exécution non jugée : {summary['problems'][0]}"
                      ).text = "\n".join(summary["problems"])  # fmt: skip
        suites.setdefault(RUN_CLASSNAME, []).append(case)
        statuses.setdefault(RUN_CLASSNAME, Counter())["broken"] += 1
    root = ET.Element("testsuites", name=name)
    total: Counter = Counter()
    for classname, cases in suites.items():
        counts = statuses[classname]
        total.update(counts)
        suite = ET.SubElement(root, "testsuite", name=classname, tests=str(len(cases)),
                              failures=str(counts["failed"]), errors=str(counts["broken"]),
                              skipped=str(counts["skipped"]),
                              time=f"{sum(float(c.get('time', 0)) for c in cases):.3f}")  # fmt: skip
        requirement = catalogue.by_id().get(classname)
        if requirement:
            props = ET.SubElement(suite, "properties")
            criticite = CRITICITE_LABELS.get(requirement.criticite, requirement.criticite)
            for key, value in (("énoncé", requirement.enonce), ("nature", requirement.nature),
                               ("criticité", criticite)):  # fmt: skip
                ET.SubElement(props, "property", name=key, value=value)
        suite.extend(cases)
    root.set("tests", str(sum(total.values())))
    root.set("failures", str(total["failed"]))
    root.set("errors", str(total["broken"]))
    root.set("skipped", str(total["skipped"]))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_junit(target: Path, summary: dict[str, Any], catalogue: Catalogue) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(junit_xml(summary, catalogue))
