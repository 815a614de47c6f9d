from pathlib import Path

import pytest

from segur_harness.catalogue import load_catalogue, requirement_tag
from segur_harness.catalogue_check import check, coverage_lines
from segur_harness.features_index import index_features, split_scenario_name

REQ = """
[[requirement]]
id = "{rid}"
section_id = "INS"
section = "Identité"
nature = "EXIGENCE"
criticite = "MAJOR"
vague = "Vague 1"
enonce = "Le LPS vérifie la clé."
source = "ans-draft"
couloirs = ["DPI"]
  [[requirement.scenario]]
  id = "{rid}.01"
  title = "Clé vérifiée"
    [[requirement.scenario.proof]]
    id = "{rid}.01.01"
    text = "Trace de l'appel"
"""

FEATURE = """# language: fr
Fonctionnalité: INS
  {tag}
  Scénario: {sid} — Clé vérifiée
    Soit un patient
"""


def _setup(tmp_path: Path, reqs: list[str], features: list[tuple[str, str]]) -> tuple[Path, Path]:
    cat, feat = tmp_path / "cat", tmp_path / "feat"
    cat.mkdir()
    feat.mkdir()
    (cat / "catalogue.toml").write_text('[catalogue]\nversion = "t1"\n', encoding="utf-8")
    (cat / "ins.toml").write_text("".join(REQ.format(rid=r) for r in reqs), encoding="utf-8")
    for n, (tag, sid) in enumerate(features):
        (feat / f"f{n}.feature").write_text(FEATURE.format(tag=tag, sid=sid), encoding="utf-8")
    return cat, feat


def _problems(cat: Path, feat: Path) -> list[str]:
    scenarios, parse_problems = index_features(feat)
    return check(load_catalogue(cat), scenarios, parse_problems)


def test_consistent_catalogue_has_no_problem(tmp_path: Path):
    cat, feat = _setup(tmp_path, ["INS/va1.41"], [("@REQ_INS_va1_41", "INS/va1.41.01")])
    assert _problems(cat, feat) == []
    assert load_catalogue(cat).version == "t1"


@pytest.mark.parametrize(
    ("reqs", "features", "expected"),
    [
        (["INS/va1.41", "INS/va1.41"], [("@REQ_INS_va1_41", "INS/va1.41.01")], "defined 2 times"),
        (["not an id"], [], "malformed requirement ID"),
        (["INS/va1.41"], [("@REQ_INS_va9_99", "INS/va1.41.01")], "names no requirement"),
        (["INS/va1.41"], [("@REQ_INS_va1_41", "INS/va1.41.07")], "not in the catalogue"),
        (["INS/va1.41", "INS/va1.49"], [("@REQ_INS_va1_41", "INS/va1.41.01")], "INS/va1.49 has no feature scenario"),
        (["INS/va1.41", "INS/va1.49"], [("@REQ_INS_va1_49", "INS/va1.41.01")], "is not tagged @REQ_INS_va1_41"),
        (["INS/va1.41"], [("", "INS/va1.41.01")], "carries no requirement tag"),
    ],
)
def test_each_defect_is_reported(tmp_path: Path, reqs, features, expected):
    cat, feat = _setup(tmp_path, reqs, features)
    problems = _problems(cat, feat)
    assert any(expected in p for p in problems), problems


def test_gherkin_syntax_error_is_a_problem_not_a_crash(tmp_path: Path):
    cat, feat = _setup(tmp_path, ["INS/va1.41"], [])
    bad = "# language: fr\nFonctionnalité: x\n  Scénario: a\n    Soit x\n  @tag_sans_scenario\n"
    (feat / "bad.feature").write_text(bad, encoding="utf-8")
    assert any("Gherkin syntax error" in p for p in _problems(cat, feat))


def test_tag_encoding_and_scenario_names():
    assert requirement_tag("INS/va1.41") == "REQ_INS_va1_41"
    assert requirement_tag("SC.MSS/CONF.01") == "REQ_SC_MSS_CONF_01"
    assert split_scenario_name("INS/va1.41.01 — Clé vérifiée") == ("INS/va1.41.01", "Clé vérifiée")
    assert split_scenario_name("Sans identifiant") == (None, "Sans identifiant")


def test_coverage_shows_last_status(tmp_path: Path):
    cat, feat = _setup(tmp_path, ["INS/va1.41"], [("@REQ_INS_va1_41", "INS/va1.41.01")])
    scenarios, _ = index_features(feat)
    lines = coverage_lines(load_catalogue(cat), scenarios, {"INS/va1.41.01": "passed"})
    assert lines[0].startswith("INS/va1.41 [EXIGENCE MAJOR, ans-draft]")
    assert "passed" in lines[1]


def test_shipped_catalogue_and_features_agree():
    scenarios, parse_problems = index_features()
    catalogue = load_catalogue()
    assert catalogue.requirements, "the shipped catalogue is empty"
    assert check(catalogue, scenarios, parse_problems) == []
