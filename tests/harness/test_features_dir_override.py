"""SEGUR_FEATURES_DIR / SEGUR_CATALOGUE_DIR: `segur-harness run` judges another catalogue, and only it.

benchmarks/bench_scale.py relies on this to time a scaled catalogue; a user
naming a folder that is missing gets one line, never the installed scenarios.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from segur_harness.config import CATALOGUE_DIR, FEATURES_DIR, named_location_problems
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
