"""SEGUR_FEATURES_DIR / SEGUR_CATALOGUE_DIR: `segur-harness run` judges another catalogue, and only it.

benchmarks/bench_scale.py relies on this to time a scaled catalogue; a user
naming a folder that is missing gets one line, never the installed scenarios.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from segur_harness.catalogue import load_catalogue
from segur_harness.catalogue_check import check
from segur_harness.config import CATALOGUE_DIR, FEATURES_DIR, named_location_problems
from segur_harness.features_index import index_features
from segur_harness.selfcheck_plan import load_recorded
from tests.harness.test_cli import assert_one_line_error
from tests.harness.test_cli_run import (
    assert_nothing_left,
    env,  # noqa: F401 - fixture: free ports, marker, no HTML
    segur,
)

TINY = "ins/cle_matricule.feature"
"""Three INS scenarios: the INSi mock and the reference SUT, no document, quick."""


def _tiny_catalogue(root: Path) -> tuple[Path, list[str]]:
    features = root / "features"
    (features / "ins").mkdir(parents=True)
    shutil.copy(FEATURES_DIR / TINY, features / TINY)
    ids = [line.split("Scénario:", 1)[1].split()[0] for line in (features / TINY).read_text().splitlines()
           if "Scénario:" in line]  # fmt: skip
    return features, ids


def test_run_judges_only_the_named_features(tmp_path: Path, env: dict[str, str]) -> None:  # noqa: F811
    features, ids = _tiny_catalogue(tmp_path)
    catalogue = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, catalogue)
    out = tmp_path / "out"
    done = segur("run", "--no-html", "--out", str(out), timeout=240,
                 env={**env, "SEGUR_FEATURES_DIR": str(features), "SEGUR_CATALOGUE_DIR": str(catalogue)})
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert sorted(s["scenario_id"] for s in summary["scenarios"]) == sorted(ids) and len(ids) == 3
    assert {s["feature_file"] for s in summary["scenarios"]} == {TINY}
    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert f"features/{TINY}" in metadata["data_files"] and len([k for k in metadata["data_files"]
                                                                if k.startswith("features/")]) == 1  # fmt: skip
    assert "catalogue/ins.toml" in metadata["data_files"]
    assert_nothing_left(env)


def test_a_missing_features_dir_is_refused(tmp_path: Path, env: dict[str, str]) -> None:  # noqa: F811
    done = segur("run", "--no-html", "--out", str(tmp_path / "out"),
                 env={**env, "SEGUR_FEATURES_DIR": str(tmp_path / "absent")})
    assert_one_line_error(done, "SEGUR_FEATURES_DIR=", "no such folder")


def test_a_named_catalogue_dir_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGUR_CATALOGUE_DIR", str(tmp_path / "absent"))
    assert named_location_problems() == [f"SEGUR_CATALOGUE_DIR={tmp_path / 'absent'}: no such folder"]
    assert named_location_problems(which=("SEGUR_CISIS_PACK",)) == []


def _bench_scale() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_scale.py"
    spec = importlib.util.spec_from_file_location("bench_scale", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scale"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_scaled_catalogue_replicates_real_scenarios(tmp_path: Path) -> None:
    """benchmarks/bench_scale.py: new IDs and proofs, the original's REM tag, steps and recorded defects."""
    scaled = _bench_scale().build(tmp_path, 150)
    scenarios, parse_problems = index_features(Path(scaled["SEGUR_FEATURES_DIR"]))
    catalogue = load_catalogue(Path(scaled["SEGUR_CATALOGUE_DIR"]))
    assert len({s.scenario_id for s in scenarios}) == 150 and check(catalogue, scenarios, parse_problems) == []
    originals = {s.scenario_id: s for s in index_features()[0]}
    kills = load_recorded(Path(scaled["SEGUR_SELFCHECK_RECORD"]))
    recorded = load_recorded()
    replicas = [s for s in scenarios if s.scenario_id not in originals]
    assert len(replicas) == 61
    for replica in replicas:
        original = originals[replica.title.rsplit("(réplique de ", 1)[1].rstrip(")")]
        assert replica.tags == original.tags and replica.scenario_id.startswith(original.scenario_id[:-2])
        assert kills[replica.scenario_id] == recorded[original.scenario_id]
        proofs = [p.id for r in catalogue.requirements for sc in r.scenarios if sc.id == replica.scenario_id
                  for p in sc.proofs]  # fmt: skip
        assert proofs and all(p.startswith(replica.scenario_id + ".") for p in proofs)
