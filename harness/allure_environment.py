"""The report's Environment and Executor panels, written into allure-results after the scenarios.

A reviewer must see on the report itself which harness, SUT, catalogue, rule
packs and validators produced it: the same facts as evidence.zip's
metadata.json, as Allure's environment.xml (French names) and executor.json.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from segur_harness.allure_config import REPORT_NAME


def _present(entry: dict[str, Any] | None, *keys: str) -> str:
    """A reference-material entry of versions.rule_pack_versions() as one line."""
    if not entry or not entry.get("present"):
        return "absent"
    found = [f"{k} {entry[k]}" for k in keys if entry.get(k)]
    return ", ".join(found) or str(entry.get("path", "présent"))


def _when(seconds: Any) -> str:
    try:
        return datetime.fromtimestamp(float(seconds)).astimezone().isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return str(seconds)


def environment_entries(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, value) pairs of the Environment panel, from the run's metadata (runner.run)."""
    sut = metadata.get("sut") or {}
    info = sut.get("info") or {}
    packs = metadata.get("rule_packs") or {}
    product = " ".join(str(info[k]) for k in ("product", "version") if info.get(k)) or info.get("error", "inconnu")
    entries = [
        ("Harness (segur-harness)", str(metadata.get("harness_version", ""))),
        ("Logiciel testé", product),
        ("Contrat d'adaptateur", str(info.get("contract_version", "non indiqué"))),
        ("Adaptateur (URL)", str(sut.get("url", ""))),
        ("Catalogue des exigences", str(metadata.get("catalogue_version", ""))),
        ("WSDL INSi", _present(packs.get("insi_wsdl"), "version", "wsdl")),
        ("Pack CI-SIS TestContenuCDA", _present(packs.get("cisis_pack"), "commit")),
        ("Validateurs", ", ".join(f"{k} {v}" for k, v in sorted((packs.get("validators") or {}).items()))),
        ("Python", str(packs.get("python", ""))),
        ("Début", _when(metadata.get("started_at"))),
        ("Fin", _when(metadata.get("ended_at"))),
    ]
    if info.get("defect"):
        entries.append(("Variante défectueuse du SUT de référence", str(info["defect"])))
    selection = metadata.get("selection") or {}
    entries.append(("Sélection", str(selection.get("expression") or "tous les scénarios")))
    return [(name, value) for name, value in entries if value]


def environment_xml(entries: list[tuple[str, str]]) -> bytes:
    root = ElementTree.Element("environment")
    for name, value in entries:
        parameter = ElementTree.SubElement(root, "parameter")
        ElementTree.SubElement(parameter, "key").text = name
        ElementTree.SubElement(parameter, "value").text = value
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def executor(out: Path, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Who ran it: the CI job when there is one (GitLab, GitHub Actions), else this machine's harness."""
    env = os.environ if environ is None else environ
    found: dict[str, Any] = {"name": "segur-harness", "type": "segur-harness", "reportName": REPORT_NAME,
                             "buildName": f"Exécution {out.name}"}  # fmt: skip
    if env.get("GITLAB_CI"):
        found.update(name="GitLab CI", type="gitlab", buildName=f"{env.get('CI_PROJECT_PATH', '')} "
                     f"job {env.get('CI_JOB_ID', '')}".strip(), buildUrl=env.get("CI_JOB_URL"))  # fmt: skip
    elif env.get("GITHUB_ACTIONS"):
        run_url = f"{env.get('GITHUB_SERVER_URL', '')}/{env.get('GITHUB_REPOSITORY', '')}/actions/runs/" \
                  f"{env.get('GITHUB_RUN_ID', '')}"  # fmt: skip
        found.update(name="GitHub Actions", type="github", buildName=f"{env.get('GITHUB_WORKFLOW', '')} "
                     f"#{env.get('GITHUB_RUN_NUMBER', '')}".strip(), buildUrl=run_url)  # fmt: skip
    return {k: v for k, v in found.items() if v}


def write_environment(results_dir: Path, out: Path, metadata: dict[str, Any]) -> None:
    """environment.xml and executor.json into `results_dir` (pytest's --clean-alluredir ran before)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "environment.xml").write_bytes(environment_xml(environment_entries(metadata)))
    (results_dir / "executor.json").write_text(json.dumps(executor(out), ensure_ascii=False, indent=1),
                                               encoding="utf-8")  # fmt: skip
