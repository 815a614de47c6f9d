"""`segur-harness validate` exit codes and output formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from segur_harness.validation.cli import main
from tests.validation.validation_helpers import MINIMAL_CDA


def test_valid_example_exits_0_and_json_is_stable(pack_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = pack_dir / "ExemplesCDA" / "LDL-SES_2022.01.xml"
    assert main([str(example), "--format", "json", "--pack", str(pack_dir)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["format_version"] == "1.0" and out["valid"] is True
    assert set(out) == {"format_version", "valid", "partial", "engine", "summary", "files"}
    layer = next(lr for lr in out["files"][0]["layers"] if lr["layer"] == "schematron")
    assert layer["rules_version"]["schematron"] == "CI-SIS_LDL-SES_2022.01.sch"
    assert out["engine"]["pack_commit"].startswith("61e148b")


def test_invalid_document_exits_1_with_junit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<ClinicalDocument xmlns='urn:hl7-org:v3'/>")
    assert main([str(bad), "--format", "junit"]) == 1
    suites = etree.fromstring(capsys.readouterr().out.encode())
    assert int(suites.find("testsuite").get("failures")) >= 1


def test_folder_and_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "doc.xml").write_text(MINIMAL_CDA)
    (tmp_path / "notes.txt").write_text("ignored")
    code = main([str(tmp_path), str(tmp_path / "absent.xml"), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    names = [f["name"] for f in out["files"]]
    assert names[0].endswith("sub/doc.xml") and out["files"][1]["findings"][0]["rule_id"] == "INPUT-001"


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["x.xml", "--format", "pdf"]) == 2
    assert main([str(tmp_path), "--pack", str(tmp_path / "nowhere")]) == 2
    assert main([str(tmp_path), "--pack", str(tmp_path)]) == 2  # exists but is not a pack
    err = capsys.readouterr().err
    assert "not a CI-SIS TestContenuCDA pack" in err and "Traceback" not in err


def test_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "doc.xml"
    doc.write_text(MINIMAL_CDA.replace('code="fr-FR"', 'code="en"'))
    main([str(doc)])
    out = capsys.readouterr().out
    assert "CISIS-HDR-008" in out and "INVALID" in out
