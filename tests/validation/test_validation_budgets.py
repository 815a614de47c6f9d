"""Per-document budgets: a document over size or time gets its own finding, the rest of the folder goes on, streamed."""

from __future__ import annotations

import json
import os
import shutil
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


SLOW_SCH = """<?xml version="1.0" encoding="UTF-8"?>
<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2" schemaVersion="SLOW_2024.01">
  <ns prefix="cda" uri="urn:hl7-org:v3"/>
  <pattern id="slow">
    <rule context="cda:ClinicalDocument[cda:templateId/@root = '1.2.250.1.213.1.1.1.77']">
      <let name="n" value="200000"/>
      <assert id="slow-title"
              test="cda:title != 'SLOW' or sum(for $i in 1 to $n, $j in 1 to $n return ($i * $j) mod 7) ge 0"
      >[SLOW] never reached in time.</assert>
    </rule>
  </pattern>
</schema>
"""
"""A schematron that takes minutes on a document titled SLOW and milliseconds on any other."""


def slow_pack(real: Path, root: Path) -> Path:
    """A pack with the real skeleton, XSD and value sets, and the one volet schematron above (template .77)."""
    shutil.copytree(real / "schematrons" / "moteur", root / "schematrons" / "moteur")
    shutil.copytree(real / "infrastructure", root / "infrastructure")
    shutil.copytree(real / "jeuxDeValeurs", root / "jeuxDeValeurs")
    (root / "schematrons" / "CI-SIS_SLOW_2024.01.sch").write_text(SLOW_SCH)
    return root


def volet_77(title: str) -> str:
    return MINIMAL_CDA.replace("1.2.250.1.213.1.1.1.29", "1.2.250.1.213.1.1.1.77").replace(
        "<title>Lettre de liaison</title>", f"<title>{title}</title>")


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
    pack = slow_pack(pack_dir, tmp_path / "pack")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a-slow.xml").write_text(volet_77("SLOW"))
    (folder / "b-quick.xml").write_text(volet_77("Lettre de liaison"))
    (folder / "c-quick.xml").write_text(volet_77("Autre"))
    report = tmp_path / "report.json"
    env = {**os.environ, "SEGUR__VALIDATION__TIME_BUDGET_SECONDS": "2", "SEGUR__VALIDATION__SAXON_WORKERS": "1",
           "SEGUR_CACHE_DIR": str(tmp_path / "cache")}
    started = time.monotonic()
    done = validate(str(folder), "--pack", str(pack), "--format", "json", "--output", str(report), env=env)
    elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    files = {Path(f["name"]).name: f for f in json.loads(report.read_text())["files"]}
    slow = files["a-slow.xml"]
    budgets = [f for f in slow["findings"] if f["rule_id"] == "BUDGET-002"]
    assert len(budgets) == 1, (slow["layers"], slow["findings"])
    assert budgets[0]["severity"] == "error" and "budget de temps" in budgets[0]["message"] and not slow["valid"]
    layer = next(lr for lr in slow["layers"] if lr["layer"] == "schematron")
    assert layer["status"] == "could_not_run" and "time budget" in layer["reason"]
    for quick in ("b-quick.xml", "c-quick.xml"):  # judged, the second by the worker that replaced the killed one
        schematron = next(lr for lr in files[quick]["layers"] if lr["layer"] == "schematron")
        assert schematron["status"] == "ran", schematron
        assert "BUDGET-002" not in {f["rule_id"] for f in files[quick]["findings"]}
    # streamed: one line per file as it finishes, on stderr (stdout is the report)
    lines = [line for line in done.stderr.splitlines() if line.split(" ", 1)[0] in ("VALID", "INVALID", "PARTIAL")]
    assert sorted(Path(line.split()[1]).name for line in lines) == ["a-slow.xml", "b-quick.xml", "c-quick.xml"]
    assert elapsed < 60, f"{elapsed:.0f} s"  # a 2 s budget, not the minutes the schematron would take


def test_a_real_strucmin_slow_document_is_stopped(engine: Engine) -> None:
    """StrucMin is quadratic in repeated siblings: with a 1 s budget such a document ends as a budget finding."""
    bounded = Engine(engine.pack, budget=Budget(time_seconds=1, workers=1))
    try:
        bounded.validate_bytes(N1.read_bytes(), "warm.xml")
        [result] = bounded.validate_bytes(slow_strucmin_document(6000).encode(), "slow.xml").files
        assert "BUDGET-002" in {f.rule_id for f in result.errors}
    finally:
        bounded.close()


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs SIGINT")
def test_interrupted_folder_writes_the_report_of_the_files_done(pack_dir: Path, tmp_path: Path) -> None:
    pack = slow_pack(pack_dir, tmp_path / "pack")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a-quick.xml").write_text(volet_77("Autre"))
    for index in range(3):
        (folder / f"b-slow-{index}.xml").write_text(volet_77("SLOW"))
    report = tmp_path / "report.json"
    env = {**os.environ, "SEGUR__VALIDATION__SAXON_WORKERS": "1", "SEGUR_CACHE_DIR": str(tmp_path / "cache")}
    script = Path(sys.executable).with_name("segur-harness")
    process = subprocess.Popen([str(script), "validate", str(folder), "--pack", str(pack), "--format", "json",
                                "--output", str(report)], env=env, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        first = process.stderr.readline()  # the first file done
        assert "a-quick.xml" in first, first
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 128 + signal.SIGINT, rest
    out = json.loads(report.read_text())
    assert out["interrupted"] is True and out["partial"] is True
    assert [Path(f["name"]).name for f in out["files"]] == ["a-quick.xml"]


def test_each_worker_killed_for_a_budget_is_replaced(pack_dir: Path, tmp_path: Path) -> None:
    """Two workers, two slow documents in flight at once: both stopped, both workers replaced, then judged again."""
    engine = Engine(open_pack(slow_pack(pack_dir, tmp_path / "pack")), cache_root=tmp_path / "cache",
                    budget=Budget(time_seconds=2, workers=2))
    try:
        from segur_harness.validation.streaming import validate_all

        for index in range(2):
            (tmp_path / "docs").mkdir(exist_ok=True)
            (tmp_path / "docs" / f"slow-{index}.xml").write_text(volet_77("SLOW"))
        results = validate_all(engine, [tmp_path / "docs"])
        assert [f.rule_id for r in results for f in r.findings if f.rule_id.startswith("BUDGET")] == [
            "BUDGET-002", "BUDGET-002"]
        assert engine.schematron.pool.replaced == 2
        [after] = engine.validate_bytes(volet_77("Autre").encode(), "after.xml").files
        assert after.layer(Layer.SCHEMATRON).status == LayerStatus.RAN
    finally:
        engine.close()
