"""The HTML report of a small real run, read in headless Chromium, and the Allure results it comes from.

One small run (requirement INS/va1.41 against the reference SUT's
`key-not-checked` defect: one scenario fails, two pass) with the HTML report
on. Without Node.js/npm or Chromium the browser test is skipped with the
reason, except under CI=true, where .ci/run installs them and it fails instead.
Screenshots are kept in reports/test-artefacts/allure-browser/.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from segur_harness.allure_config import HISTORY_FILE
from segur_harness.allure_install import run_bounded
from segur_harness.allure_report import generate_html
from segur_harness.config import config
from segur_harness.processes import free_port

pytestmark = pytest.mark.usefixtures("insi_wsdl")  # the INSi mock validates against the official XSDs

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHECKOUT = Path(__file__).resolve().parents[2]
SHOTS = CHECKOUT / "reports" / "test-artefacts" / "allure-browser"
CHECK_SCRIPT = Path(__file__).with_name("allure_browser_check.py")
BROWSER_SECONDS = 180
FAILED = "INS/va1.41.01 — Un INS dont la clé est erronée est refusé"


def need(condition: bool, what: str) -> None:
    """Skip without `what` (fail under CI, where .ci/run installs it)."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI requires {what} (.ci/run installs it)")
        pytest.skip(f"{what} absent")


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    tmp = tmp_path_factory.mktemp("allure-run")
    ports = ("INSI__PORT", "DMP__PORT", "PSC__PORT", "MSS__PORT", "MSS__ADMIN_PORT", "MSS__IMAP_PORT",
             "MSS__IMAP_ADMIN_PORT")  # fmt: skip
    env = {
        **os.environ,
        **{f"SEGUR__MOCKS__{name}": str(free_port()) for name in ports},
        "SEGUR__MOCKS__DMP__PKI_DIR": str(tmp / "pki"),
        "SEGUR__SUT__PORT": str(free_port()),
        "SEGUR__VALIDATOR__PORT": str(free_port()),
    }
    out = tmp / "reports" / "run-1"
    done = subprocess.run(
        [sys.executable, "-m", "segur_harness.cli", "run", "--requirement", "INS/va1.41", "--defect",
         "key-not-checked", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    return done, out


def results(out: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in (out / "allure-results").glob("*-result.json")]


def labels(result: dict, name: str) -> list[str]:
    return [label["value"] for label in result["labels"] if label["name"] == name]


def exchange_steps(result: dict) -> list[dict]:
    found = [s for s in result["steps"] if s["name"].startswith("Échanges enregistrés par les simulateurs")]
    return found[0]["steps"] if found else []


def test_every_result_speaks_the_rem(small_run):
    _done, out = small_run
    found = results(out)
    assert len(found) == 3
    for result in found:
        assert labels(result, "exigence") == ["INS/va1.41"]
        assert labels(result, "parentSuite") == ["INS — Identité nationale de santé"]
        assert labels(result, "severity") == ["normal"] and labels(result, "criticité") == ["MAJOR"]
        proofs = labels(result, "preuve")
        assert proofs and all(p.startswith(labels(result, "scénario")[0] + ".") for p in proofs)
        assert "object at 0x" not in json.dumps([s.get("parameters") for s in result["steps"]])
    (failed,) = [r for r in found if r["status"] == "failed"]
    assert failed["statusDetails"]["message"].startswith("Non-conformité à l'exigence INS/va1.41")


def test_every_mock_exchange_of_a_scenario_is_attached_once(small_run):
    _done, out = small_run
    with sqlite3.connect(out / "exchanges.sqlite") as db:
        rows = db.execute("SELECT scenario_id, count(*) FROM exchanges WHERE service != 'sut' GROUP BY scenario_id")
        stored = dict(rows.fetchall())
    for result in results(out):
        scenario_id = labels(result, "scénario")[0]
        assert len(exchange_steps(result)) == stored.get(scenario_id, 0) > 0, scenario_id


def test_environment_executor_and_history_are_written(small_run):
    done, out = small_run
    environment = (out / "allure-results" / "environment.xml").read_text(encoding="utf-8")
    for name in ("Harness (segur-harness)", "Logiciel testé", "Catalogue des exigences", "WSDL INSi", "Validateurs"):
        assert f"<key>{name}</key>" in environment
    assert json.loads((out / "allure-results" / "executor.json").read_text(encoding="utf-8"))["name"]
    rc = json.loads((out / "allurerc.json").read_text(encoding="utf-8"))
    assert rc["historyPath"] == str(out.parent / HISTORY_FILE)
    if (out / "allure-report" / "index.html").exists():
        assert "rapport HTML : " in done.stderr
        second = out.parent / "run-2"
        shutil.copytree(out / "allure-results", second / "allure-results")
        generated, message = generate_html(second / "allure-results", second / "allure-report", config(), out=second)
        assert generated, message
        assert len((out.parent / HISTORY_FILE).read_text(encoding="utf-8").splitlines()) == 2
    else:
        need(False, f"the HTML report ({done.stderr.strip().splitlines()[-4:]})")


def test_the_report_renders_the_tree_a_scenario_its_attachments_and_a_failure(small_run):
    done, out = small_run
    need(shutil.which("node") is not None and shutil.which("npm") is not None, "Node.js/npm")
    need(Path("/usr/bin/chromium").exists() and Path("/usr/bin/chromedriver").exists(),
         "Debian's chromium and chromium-driver")  # fmt: skip
    index = out / "allure-report" / "index.html"
    assert index.exists(), done.stderr[-2000:]
    assert "googletagmanager" not in index.read_text(encoding="utf-8")
    shutil.rmtree(SHOTS, ignore_errors=True)
    check = run_bounded([sys.executable, str(CHECK_SCRIPT), str(index), str(SHOTS), FAILED], BROWSER_SECONDS)
    assert not check.timed_out, f"the browser check took more than {BROWSER_SECONDS} s"
    assert check.returncode == 0, check.stderr[-3000:]
    facts = json.loads(check.stdout)
    assert facts["title"] == "Ségur numérique — rapport de conformité"
    assert facts["tree"][:3] == ["INS — Identité nationale de santé",
                                 "INS/va1.41 — Le matricule INS est géré sur 15 caractères : 13 caractères et une…",
                                 FAILED]  # fmt: skip
    page = facts["result_page"]
    for shown in ("Échoué", "Catégorie: Non-conformités du logiciel testé", "Non-conformité à l'exigence INS/va1.41",
                  "exigence\nINS/va1.41", "preuve\nINS/va1.41.01.01", "Corps du test", "Vue d'ensemble"):
        assert shown in page, shown
    assert "Exigence INS/va1.41" in facts["description"] and "Preuves apportées par ce scénario" in facts["description"]
    assert "<soap:Envelope" in facts["attachment"] and "\n  <soap:Header>" in facts["attachment"]
    assert not [m for m in facts["console"] if "googletagmanager" in m or "CORS" in m], facts["console"]
    assert sorted(p.name for p in SHOTS.glob("*.png")) == [
        "1-arbre-des-exigences.png", "2-scenario-en-echec.png", "3-piece-jointe-xml.png"]
