"""`segur-harness validate` through the real entry point: exit codes, formats, options anywhere, partial verdicts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from tests.validation.validation_helpers import MINIMAL_CDA


def validate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("segur-harness")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "segur_harness.cli"]
    return subprocess.run([*command, "validate", *args], env=env or dict(os.environ), capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip


@pytest.fixture
def no_pack_env(tmp_path: Path) -> dict[str, str]:
    """No pack anywhere: a named reference folder that exists but holds none, an empty cache."""
    (tmp_path / "reference").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("SEGUR_CISIS_PACK", "SEGUR_CONFIG")}
    return {**env, "SEGUR_REFERENCE_DIR": str(tmp_path / "reference"), "SEGUR_CACHE_DIR": str(tmp_path / "cache")}


@pytest.mark.parametrize("order", ["options-first", "options-last"])
def test_valid_example_exits_0_and_json_is_stable(pack_dir: Path, order: str) -> None:
    example = str(pack_dir / "ExemplesCDA" / "LDL-SES_2022.01.xml")
    options = ["--format", "json", "--pack", str(pack_dir)]
    done = validate(*options, example) if order == "options-first" else validate(example, *options)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["format_version"] == "1.0" and out["valid"] is True and out["partial"] is False
    assert set(out) == {"format_version", "valid", "partial", "engine", "summary", "files"}
    layer = next(lr for lr in out["files"][0]["layers"] if lr["layer"] == "schematron")
    assert layer["rules_version"]["schematron"] == "CI-SIS_LDL-SES_2022.01.sch"
    assert out["engine"]["pack_commit"].startswith("61e148b")


def test_options_between_paths(tmp_path: Path, no_pack_env: dict[str, str]) -> None:
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_text(MINIMAL_CDA)
    second.write_text("<ClinicalDocument xmlns='urn:hl7-org:v3'/>")
    done = validate(str(first), "--format", "json", str(second), env=no_pack_env)
    assert done.returncode == 1, done.stderr
    assert [Path(f["name"]).name for f in json.loads(done.stdout)["files"]] == ["a.xml", "b.xml"]


def test_invalid_document_exits_1_with_junit(tmp_path: Path, no_pack_env: dict[str, str]) -> None:
    bad = tmp_path / "bad.xml"  # invalid by the harness's header rules alone: no schematron to compile (~10 s)
    bad.write_text(MINIMAL_CDA.replace('code="fr-FR"', 'code="en"'))
    done = validate(str(bad), "--format", "junit", env=no_pack_env)
    assert done.returncode == 1, done.stderr
    suites = etree.fromstring(done.stdout.encode())
    assert int(suites.find("testsuite").get("failures")) >= 1


def test_folder_is_walked(tmp_path: Path, no_pack_env: dict[str, str]) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "doc.xml").write_text(MINIMAL_CDA.replace('code="fr-FR"', 'code="en"'))
    (tmp_path / "notes.txt").write_text("ignored")
    done = validate(str(tmp_path / "sub"), "--format", "json", env=no_pack_env)
    assert done.returncode == 1
    names = [f["name"] for f in json.loads(done.stdout)["files"]]
    assert names == [str(tmp_path / "sub" / "doc.xml")]


def test_partial_verdict_is_not_a_pass(tmp_path: Path, no_pack_env: dict[str, str]) -> None:
    doc = tmp_path / "doc.xml"
    doc.write_text(MINIMAL_CDA)
    done = validate(str(doc), env=no_pack_env)
    assert done.returncode == 4, (done.stdout, done.stderr)
    assert "partial" in done.stdout and "--allow-partial" in done.stderr and "pack install" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    accepted = validate(str(doc), "--allow-partial", "--format", "json", env=no_pack_env)
    assert accepted.returncode == 0, accepted.stderr
    assert json.loads(accepted.stdout)["partial"] is True


@pytest.mark.parametrize(("variable", "value"), [
    ("SEGUR_CISIS_PACK", "/nonexistent/pack"),
    ("SEGUR_REFERENCE_DIR", "/nonexistent"),
])  # fmt: skip
def test_a_named_location_that_does_not_exist_is_an_error(tmp_path: Path, variable: str, value: str) -> None:
    doc = tmp_path / "doc.xml"
    doc.write_text(MINIMAL_CDA)
    done = validate(str(doc), env={**os.environ, variable: value})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert f"{variable}={value}: no such folder" in done.stderr and done.stdout == ""


def test_usage_errors_exit_2_in_one_line(tmp_path: Path) -> None:
    cases = [
        ([str(tmp_path / "missing.xml")], "no such file or folder"),
        (["x.xml", "--format", "pdf"], "invalid choice"),
        ([str(tmp_path), "--pack", str(tmp_path / "nowhere")], "pack folder not found"),
        ([str(tmp_path), "--pack", str(tmp_path)], "not a CI-SIS TestContenuCDA pack"),
        ([str(tmp_path), "--bogus"], "unrecognized arguments: --bogus"),
    ]
    for args, fragment in cases:
        done = validate(*args)
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in done.stderr, (args, done.stderr)


def test_text_output(tmp_path: Path, no_pack_env: dict[str, str]) -> None:
    doc = tmp_path / "doc.xml"
    doc.write_text(MINIMAL_CDA.replace('code="fr-FR"', 'code="en"'))
    out = validate(str(doc), env=no_pack_env).stdout
    assert "CISIS-HDR-008" in out and "INVALID" in out
