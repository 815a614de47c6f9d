"""Per-document budgets: a document over size or time gets its own finding, the rest of the folder goes on, streamed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from segur_harness.validation import Engine, Layer, LayerStatus
from segur_harness.validation.budget import Budget
from segur_harness.validation.pack import open_pack
from tests.validation.test_validation_cli import validate
from tests.validation.validation_helpers import MINIMAL_CDA

ROOT = Path(__file__).resolve().parents[2]
N1 = ROOT / "fixtures" / "documents" / "received" / "cr-consultation-n1.xml"


def slow_strucmin_document(repeats: int = 2000) -> str:
    """An N1 document StrucMin takes seconds on: it is quadratic in repeated siblings (2,000: ~10-20 s)."""
    sibling = '<functionCode code="x" codeSystem="1.2.3"/>'
    return N1.read_text(encoding="utf-8").replace("<author>", "<author>" + sibling * repeats, 1)


def test_document_over_the_size_budget(bare_engine: Engine, tmp_path: Path) -> None:
    engine = Engine(None, budget=Budget(max_document_bytes=2000))
    [result] = engine.validate_bytes(MINIMAL_CDA.encode() + b" " * 2000, "big.xml").files
    [finding] = result.errors
    assert finding.rule_id == "BUDGET-001" and "budget de taille" in finding.message
    assert "max_document_bytes" in finding.message and not result.valid
    assert result.layer(Layer.PARSE).status == LayerStatus.COULD_NOT_RUN
    small = tmp_path / "small.xml"
    small.write_text(MINIMAL_CDA)
    assert "BUDGET-001" not in {f.rule_id for f in engine.validate_path(small).findings}


def test_size_budget_from_the_environment_through_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a-big.xml").write_text(MINIMAL_CDA + " " * 5000)
    (folder / "b-small.xml").write_text(MINIMAL_CDA)
    env = {**os.environ, "SEGUR__VALIDATION__MAX_DOCUMENT_BYTES": "4000"}
    done = validate(str(folder), "--format", "json", "--allow-partial", env=env)
    files = {Path(f["name"]).name: f for f in json.loads(done.stdout)["files"]}
    assert [f["rule_id"] for f in files["a-big.xml"]["findings"]] == ["BUDGET-001"]
    assert "BUDGET-001" not in {f["rule_id"] for f in files["b-small.xml"]["findings"]}
    assert done.returncode == 1


def test_time_budget_stops_the_evaluation_and_the_folder_goes_on(pack_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a-slow.xml").write_text(slow_strucmin_document())
    (folder / "b-ldl-ses.xml").write_bytes((pack_dir / "ExemplesCDA" / "LDL-SES_2022.01.xml").read_bytes())
    (folder / "c-n1.xml").write_bytes(N1.read_bytes())
    report = tmp_path / "report.json"
    env = {**os.environ, "SEGUR__VALIDATION__TIME_BUDGET_SECONDS": "3", "SEGUR__VALIDATION__SAXON_WORKERS": "1"}
    started = time.monotonic()
    done = validate(str(folder), "--pack", str(pack_dir), "--format", "json", "--output", str(report), env=env)
    elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    files = {Path(f["name"]).name: f for f in json.loads(report.read_text())["files"]}
    slow = files["a-slow.xml"]
    budgets = [f for f in slow["findings"] if f["rule_id"] == "BUDGET-002"]
    assert len(budgets) == 1, (slow["layers"], slow["findings"])
    budget = budgets[0]
    assert budget["severity"] == "error" and "budget de temps" in budget["message"] and not slow["valid"]
    layer = next(lr for lr in slow["layers"] if lr["layer"] == "schematron")
    assert layer["status"] == "could_not_run" and "time budget" in layer["reason"]
    assert files["b-ldl-ses.xml"]["valid"], files["b-ldl-ses.xml"]["findings"]
    n1 = next(lr for lr in files["c-n1.xml"]["layers"] if lr["layer"] == "schematron")
    assert n1["status"] == "ran"  # the worker killed for a-slow.xml was replaced (and re-warmed)
    # streamed: one line per file as it finishes, on stderr (stdout is the report)
    lines = [line for line in done.stderr.splitlines() if line.split(" ", 1)[0] in ("VALID", "INVALID", "PARTIAL")]
    assert sorted(Path(line.split()[1]).name for line in lines) == ["a-slow.xml", "b-ldl-ses.xml", "c-n1.xml"]
    assert elapsed < 150, f"{elapsed:.0f} s"  # StrucMin compiles (twice at most) + a 3 s budget, not its ~20 s


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs SIGINT")
def test_interrupted_folder_writes_the_report_of_the_files_done(pack_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a-ldl-ses.xml").write_bytes((pack_dir / "ExemplesCDA" / "LDL-SES_2022.01.xml").read_bytes())
    for index in range(3):
        (folder / f"b-slow-{index}.xml").write_text(slow_strucmin_document())
    report = tmp_path / "report.json"
    env = {**os.environ, "SEGUR__VALIDATION__SAXON_WORKERS": "1"}
    script = Path(sys.executable).with_name("segur-harness")
    process = subprocess.Popen([str(script), "validate", str(folder), "--pack", str(pack_dir), "--format", "json",
                                "--output", str(report)], env=env, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        first = process.stderr.readline()  # the first file done
        assert "a-ldl-ses.xml" in first, first
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 128 + signal.SIGINT, rest
    out = json.loads(report.read_text())
    assert out["interrupted"] is True and out["partial"] is True
    assert [Path(f["name"]).name for f in out["files"]] == ["a-ldl-ses.xml"]


def test_each_worker_killed_for_a_budget_is_replaced(pack_dir: Path, tmp_path: Path) -> None:
    """Two workers, two slow documents in flight at once: both stopped, both workers replaced."""
    engine = Engine(open_pack(pack_dir), budget=Budget(time_seconds=2, workers=2))
    try:
        from segur_harness.validation.streaming import validate_all

        for index in range(2):
            (tmp_path / f"slow-{index}.xml").write_text(slow_strucmin_document())
        engine.validate_bytes(N1.read_bytes(), "warm.xml")  # StrucMin compiled in one worker
        results = validate_all(engine, [tmp_path])
        assert [f.rule_id for r in results for f in r.findings if f.rule_id.startswith("BUDGET")] == [
            "BUDGET-002", "BUDGET-002"]
        assert engine.schematron.pool.replaced == 2
    finally:
        engine.close()
