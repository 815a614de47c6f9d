"""The French allurerc.json and the Environment / Executor panels (allure_config, allure_environment)."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import etree

from segur_harness.allure_config import REPORT_NAME, allurerc, categories, write_allurerc
from segur_harness.allure_environment import environment_entries, environment_xml, executor, write_environment

METADATA = {
    "harness_version": "0.1.0",
    "sut": {"url": "http://127.0.0.1:9000",
            "info": {"product": "MonDPI", "version": "4.2", "contract_version": "1.3.0"}},
    "catalogue_version": "2026.12-harness.4",
    "rule_packs": {"insi_wsdl": {"present": True, "version": "1.5.0"}, "cisis_pack": {"present": False},
                   "validators": {"lxml": "5.3.0", "saxonche": "12.5.0"}, "python": "3.11.7"},
    "selection": {"expression": "(REQ_INS_va1_41)"},
    "started_at": 1796128700.0,
    "ended_at": "2026-12-01T12:40:00+00:00",
}  # fmt: skip


def test_the_report_is_french_named_and_grouped_by_requirement(tmp_path: Path):
    rc = allurerc(tmp_path / "reports" / "20261201-120000", tmp_path / "reports" / "20261201-120000" / "allure-report")
    awesome = rc["plugins"]["awesome"]["options"]
    assert rc["name"] == awesome["reportName"] == REPORT_NAME == "Ségur numérique — rapport de conformité"
    assert awesome["reportLanguage"] == "fr"
    assert awesome["groupBy"] == ["parentSuite", "suite", "subSuite"]
    assert awesome["singleFile"] is True  # opens from the disk (file://)
    assert rc["plugins"]["agent"] == {"enabled": False}


def test_history_is_shared_by_the_runs_of_one_output_root(tmp_path: Path):
    one = allurerc(tmp_path / "reports" / "a", tmp_path / "reports" / "a" / "allure-report")
    two = allurerc(tmp_path / "reports" / "b", tmp_path / "reports" / "b" / "allure-report")
    assert one["historyPath"] == two["historyPath"] == str((tmp_path / "reports" / "allure-history.jsonl").resolve())


def test_categories_separate_the_sut_the_harness_and_missing_material():
    by_status = {rule["matchers"]["statuses"][0]: rule["name"] for rule in categories()}
    assert by_status == {
        "failed": "Non-conformités du logiciel testé",
        "broken": "Problèmes du banc de test (le logiciel testé n'est pas mis en cause)",
        "skipped": "Non exécutés : matériel de référence manquant",
    }
    assert {r["id"] for r in categories()}.isdisjoint({"_product_errors_default_category"})


def test_allurerc_is_written_as_json(tmp_path: Path):
    target = write_allurerc(tmp_path, tmp_path / "allure-report")
    assert json.loads(target.read_text(encoding="utf-8"))["output"] == str((tmp_path / "allure-report").resolve())


def test_the_environment_names_harness_sut_catalogue_and_rule_versions():
    entries = dict(environment_entries(METADATA))
    assert entries["Harness (segur-harness)"] == "0.1.0"
    assert entries["Logiciel testé"] == "MonDPI 4.2"
    assert entries["Contrat d'adaptateur"] == "1.3.0"
    assert entries["Catalogue des exigences"] == "2026.12-harness.4"
    assert entries["WSDL INSi"] == "version 1.5.0"
    assert entries["Pack CI-SIS TestContenuCDA"] == "absent"
    assert entries["Validateurs"] == "lxml 5.3.0, saxonche 12.5.0"
    assert entries["Sélection"] == "(REQ_INS_va1_41)"
    assert entries["Début"].startswith("20") and entries["Fin"] == "2026-12-01T12:40:00+00:00"


def test_a_sut_that_cannot_say_who_it_is_is_shown_so():
    entries = dict(environment_entries({**METADATA, "sut": {"url": "x", "info": {"error": "GET /info: HTTP 500"}}}))
    assert entries["Logiciel testé"] == "GET /info: HTTP 500"


def test_environment_xml_keeps_french_names():
    root = etree.fromstring(environment_xml([("Logiciel testé", "MonDPI 4.2")]))
    assert root.findtext("parameter/key") == "Logiciel testé" and root.findtext("parameter/value") == "MonDPI 4.2"


def test_executor_is_the_ci_job_when_there_is_one(tmp_path: Path):
    out = tmp_path / "20261201-120000"
    assert executor(out, {}) == {"name": "segur-harness", "type": "segur-harness", "reportName": REPORT_NAME,
                                 "buildName": "Exécution 20261201-120000"}  # fmt: skip
    gitlab = executor(out, {"GITLAB_CI": "true", "CI_JOB_URL": "https://gitlab.example/j/7", "CI_JOB_ID": "7",
                            "CI_PROJECT_PATH": "editeur/dpi"})  # fmt: skip
    assert gitlab["type"] == "gitlab" and gitlab["buildUrl"] == "https://gitlab.example/j/7"
    github = executor(out, {"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "9",
                            "GITHUB_REPOSITORY": "editeur/dpi", "GITHUB_WORKFLOW": "segur", "GITHUB_RUN_NUMBER": "3"})
    assert github["buildUrl"] == "https://github.com/editeur/dpi/actions/runs/9" and github["buildName"] == "segur #3"


def test_write_environment_puts_both_files_in_the_results(tmp_path: Path):
    write_environment(tmp_path / "allure-results", tmp_path, METADATA)
    assert (tmp_path / "allure-results" / "environment.xml").exists()
    assert json.loads((tmp_path / "allure-results" / "executor.json").read_text(encoding="utf-8"))["name"]
