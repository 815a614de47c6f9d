"""`run --junit FILE`: one testcase per scenario named by its ID, classname = requirement, French messages."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from segur_harness.junit import junit_xml
from tests.harness.evidence_helpers import catalogue, summary
from tests.harness.test_cli import assert_one_line_error, segur


def parse(data: bytes) -> ET.Element:
    return ET.fromstring(data)


def test_one_testcase_per_scenario_grouped_by_requirement(tmp_path: Path):
    cat = catalogue(tmp_path)
    root = parse(junit_xml(summary(cat), cat))
    assert root.get("name") == "Ségur numérique — conformité"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("5", "1", "1", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert {name: c.get("classname") for name, c in cases.items()} == {
        "INS/va1.41.01": "INS/va1.41", "INS/va1.41.02": "INS/va1.41", "DOC.01.01": "DOC.01",
        "MSS/CONF.01.01": "MSS/CONF.01", "DMP/CONF.01.01": "DMP/CONF.01"}  # fmt: skip
    assert [s.get("name") for s in root.iter("testsuite")] == ["DMP/CONF.01", "DOC.01", "INS/va1.41", "MSS/CONF.01"]
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "INS/va1.41")
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["criticité"] == "Majeure" and props["énoncé"].startswith("Le matricule INS")


def test_failure_error_and_skipped_carry_french_messages(tmp_path: Path):
    cat = catalogue(tmp_path)
    cases = {c.get("name"): c for c in parse(junit_xml(summary(cat), cat)).iter("testcase")}
    failure = cases["INS/va1.41.02"].find("failure")
    assert failure.get("message") == "Non conforme : AssertionError: le SUT a accepté une clé erronée"
    assert "Exigence INS/va1.41 : Le matricule INS" in failure.text
    error = cases["MSS/CONF.01.01"].find("error")
    assert error.get("message").startswith("Non jugé, erreur du harness (le SUT n'est pas mis en cause) : SUT adapter")
    assert cases["DMP/CONF.01.01"].find("skipped").get("message") == "Non exécuté : no CI-SIS pack"
    assert cases["INS/va1.41.01"].find("failure") is None and cases["INS/va1.41.01"].find("error") is None
    assert float(cases["INS/va1.41.02"].get("time")) > 0


def test_a_run_the_harness_could_not_carry_out_is_one_error_testcase(tmp_path: Path):
    cat = catalogue(tmp_path)
    root = parse(junit_xml({"problems": ["could not start the services: ports already in use"]}, cat))
    case = next(root.iter("testcase"))
    assert (case.get("classname"), root.get("errors")) == ("segur-harness", "1")
    assert "ports already in use" in case.find("error").get("message")


def test_junit_naming_a_folder_is_a_one_line_error_before_anything_starts(isolated_env: dict[str, str],
                                                                           tmp_path: Path):  # fmt: skip
    done = segur("run", "--junit", str(tmp_path), "--out", str(tmp_path / "o"), env=isolated_env)
    assert_one_line_error(done, f"--junit {tmp_path}", "is a folder")
    assert not (tmp_path / "o" / "logs").exists()
