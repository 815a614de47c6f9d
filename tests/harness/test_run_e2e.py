"""The CLI contract end to end: real mock and reference SUT processes on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from segur_harness.evidence import verify_evidence

pytestmark = pytest.mark.usefixtures("insi_wsdl")  # the INSi mock validates against the official XSDs


def harness(args: list[str], env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "segur_harness.cli", *args],
        env={**env, "SEGUR__REPORTS__HTML": "false"}, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    from segur_harness.processes import free_port

    tmp = tmp_path_factory.mktemp("run")
    env = {
        **__import__("os").environ,
        "SEGUR__MOCKS__INSI__PORT": str(free_port()),
        "SEGUR__MOCKS__DMP__PORT": str(free_port()),
        "SEGUR__MOCKS__PSC__PORT": str(free_port()),
        "SEGUR__MOCKS__DMP__PKI_DIR": str(tmp / "pki"),
        "SEGUR__SUT__PORT": str(free_port()),
        "SEGUR__VALIDATOR__PORT": str(free_port()),
    }
    done = harness(["run", "--out", str(tmp / "out")], env)
    return done, tmp / "out"


def test_full_run_passes_and_writes_the_three_outputs(full_run):
    done, out = full_run
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["total"] >= 15
    assert summary["counts"]["passed"] == summary["counts"]["total"]
    for scenario in summary["scenarios"]:
        assert scenario["scenario_id"] and scenario["title"] and scenario["requirement_ids"]
        assert scenario["status"] == "passed" and scenario["duration"] >= 0
    assert any((out / "allure-results").glob("*-result.json"))


def test_evidence_bundle_is_intact_and_complete(full_run):
    _done, out = full_run
    bundle = out / "evidence.zip"
    assert verify_evidence(bundle) == []
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        metadata = json.loads(archive.read("metadata.json"))
    assert {"manifest.json", "metadata.json", "summary.json"} <= set(names)
    assert any(n.startswith("scenarios/INS_") and "/exchanges/" in n and n.endswith("request.xml") for n in names)
    for transaction in ("TD0.2", "ITI-41", "ITI-18", "ITI-43", "ITI-57"):
        assert any(n.startswith("scenarios/DMP_") and f"-dmp-{transaction}/" in n for n in names), transaction
    with zipfile.ZipFile(bundle) as archive:
        index = json.loads(archive.read("requirements.json"))
        validations = [json.loads(archive.read(n)) for n in names if n.endswith("/validation.json")]
    proofs = [p for r in index["requirements"] for s in r["scenarios"] for p in s["proofs"]]
    assert proofs and all(p["path"] in names for p in proofs)
    assert validations and all(v["verdict"] != "not-validated" for v in validations)
    assert not [r["id"] for r in index["requirements"] if r["verdict"] in ("failed", "broken")]
    for key in ("harness_version", "sut", "catalogue_version", "rule_packs", "started_at", "ended_at"):
        assert metadata[key], key
    assert metadata["rule_packs"]["insi_wsdl"]["version"] == "1.5.0"
    assert metadata["sut"]["info"]["product"]


def test_selection_by_requirement_runs_only_its_scenarios(isolated_env, tmp_path: Path):
    done = harness(["run", "--requirement", "INS/va1.49", "--out", str(tmp_path / "o")], isolated_env)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["total"] >= 1
    assert all(s["requirement_ids"] == ["INS/va1.49"] for s in summary["scenarios"])


def test_unknown_requirement_is_a_clear_error(isolated_env, tmp_path: Path):
    done = harness(["run", "--requirement", "NOPE/x.01", "--out", str(tmp_path / "o")], isolated_env)
    assert done.returncode == 2
    assert "unknown requirement ID(s): NOPE/x.01" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_defective_sut_fails_the_run(isolated_env, tmp_path: Path):
    done = harness(["run", "--defect", "key-not-checked", "--requirement", "INS/va1.41", "--out", str(tmp_path / "o")],
                   isolated_env)  # one requirement the defect breaks: the exit code is what is tested
    assert done.returncode == 1
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["failed"] >= 1


def test_catalogue_check_passes_on_the_shipped_catalogue(isolated_env):
    done = harness(["catalogue", "--check"], isolated_env)
    assert done.returncode == 0, done.stdout


def test_selfcheck_every_scenario_is_caught_by_a_defect(isolated_env, tmp_path: Path):
    scratch = tmp_path / "tmp"  # the selfcheck's own temporary folder: removed once it passed
    scratch.mkdir()
    done = harness(["selfcheck", "--json", str(tmp_path / "m.json")], {**isolated_env, "TMPDIR": str(scratch)},
                   timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert not list(scratch.glob("segur-selfcheck-*")), "a passing selfcheck left its lanes' folder behind"
    matrix = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert matrix["problems"] == []
    assert all(row["failing_defects"] for row in matrix["scenarios"])
    assert "WARNING: defect" not in done.stdout, "a defect is caught by no scenario"
