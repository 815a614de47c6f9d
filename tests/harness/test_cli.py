"""The command tree through the real `segur-harness` entry point: help everywhere, one-line usage and config errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def entry_point() -> list[str]:
    """The installed console script next to this interpreter (so its wiring is tested), else `-m`."""
    script = Path(sys.executable).with_name("segur-harness")
    return [str(script)] if script.exists() else [sys.executable, "-m", "segur_harness.cli"]


def segur(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*entry_point(), *args], env=env or dict(os.environ), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)  # fmt: skip


def assert_one_line_error(done: subprocess.CompletedProcess, *fragments: str, code: int = 2) -> None:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("command", [
    [], ["run"], ["mocks"], ["mocks", "serve"], ["catalogue"], ["selfcheck"], ["validate"], ["pack"],
    ["pack", "install"], ["catalogue", "import"], ["evidence"], ["evidence", "verify"], ["evidence", "export"],
])  # fmt: skip
def test_every_command_has_help(command: list[str]) -> None:
    done = segur(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: segur-harness"), done.stdout


def test_version() -> None:
    from segur_harness import __version__

    done = segur("--version")
    assert done.returncode == 0 and done.stdout.strip() == __version__


@pytest.mark.parametrize(("args", "fragment"), [
    ([], "COMMAND"),
    (["mocks"], "ACTION"),
    (["pack"], "ACTION"),
    (["bogus"], "invalid choice"),
    (["validate"], "PATH"),
    (["validate", "x.xml", "--format", "pdf"], "invalid choice"),
    (["run", "--sut", "refrence"], "'refrence'"),
    (["run", "--sut", "http://127.0.0.1:abc"], "port"),
    (["selfcheck", "--sut", "http://127.0.0.1:9000"], "unrecognized arguments: --sut"),
    (["catalogue", "--nope"], "unrecognized arguments: --nope"),
    (["evidence"], "ACTION"),
    (["evidence", "verify"], "BUNDLE"),
    (["evidence", "export", "e.zip"], "--xlsx"),
    (["catalogue", "import"], "FILE.xlsx"),
])  # fmt: skip
def test_usage_errors_are_one_line_and_exit_2(args: list[str], fragment: str) -> None:
    done = segur(*args)
    assert_one_line_error(done, fragment)
    assert "--help" in done.stderr  # says where the usage is


@pytest.mark.parametrize(("args", "fragment"), [
    (["run", "--tags", "REQ_X and ("], "--tags 'REQ_X and (': not a valid expression"),
    (["run", "--requirement", "NOPE/x.01"], "unknown requirement ID(s): NOPE/x.01"),
    (["selfcheck", "--defect", "no-such-defect"], "unknown defect(s): no-such-defect"),
])  # fmt: skip
def test_selection_mistakes_are_one_line_and_start_nothing(args: list[str], fragment: str,
                                                           isolated_env: dict[str, str], tmp_path: Path) -> None:
    extra = ["--out", str(tmp_path / "o")] if args[0] == "run" else []
    assert_one_line_error(segur(*args, *extra, env=isolated_env), fragment)


def test_bare_pack_does_not_download(tmp_path: Path) -> None:
    env = {**os.environ, "SEGUR_CACHE_DIR": str(tmp_path / "cache")}
    assert_one_line_error(segur("pack", env=env), "ACTION")
    assert not (tmp_path / "cache").exists()


def test_pack_install_failure_is_one_line_exit_1(tmp_path: Path) -> None:
    env = {**os.environ, "SEGUR_CACHE_DIR": str(tmp_path / "cache")}
    done = segur("pack", "install", "--ref", "abc123", "--url", (tmp_path / "absent.zip").as_uri(), env=env)
    assert done.returncode == 1, done.stderr
    assert "cannot download" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("variables", "fragments"), [
    ({"SEGUR__MOCKS__INSI__PORT": "abc"}, ["SEGUR__MOCKS__INSI__PORT", "integer from 1 to 65535", "'abc'"]),
    ({"SEGUR__SUT__PORT": "70000"}, ["SEGUR__SUT__PORT", "1 to 65535", "70000"]),
    ({"SEGUR__MOKS__INSI__PORT": "1"}, ["unknown section [moks]"]),
    ({"SEGUR__REPORTS__HTML": "maybe"}, ["SEGUR__REPORTS__HTML", "true or false"]),
    ({"SEGUR_CONFIG": "/nonexistent/segur.toml"}, ["SEGUR_CONFIG=/nonexistent/segur.toml", "no such file"]),
    ({"SEGUR_REFERENCE_DIR": "/nonexistent"}, ["SEGUR_REFERENCE_DIR=/nonexistent", "no such folder"]),
    ({"SEGUR_INSI_WSDL_DIR": "/nonexistent"}, ["SEGUR_INSI_WSDL_DIR=/nonexistent", "no such folder"]),
])  # fmt: skip
@pytest.mark.parametrize("command", [["run", "--no-html"], ["selfcheck"], ["mocks", "serve"]])
def test_configuration_mistakes_are_one_line(variables: dict[str, str], fragments: list[str], command: list[str],
                                             isolated_env: dict[str, str], tmp_path: Path) -> None:
    env = {**isolated_env, **variables}
    done = segur(*command, "--out", str(tmp_path / "o"), env=env) if command[0] == "run" else segur(*command, env=env)
    assert_one_line_error(done, "configuration error", *fragments)
    assert not (tmp_path / "o").exists()


def test_bad_toml_file_is_one_line(isolated_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[mocks\nport = ", encoding="utf-8")
    assert_one_line_error(segur("run", env={**isolated_env, "SEGUR_CONFIG": str(bad)}), f"SEGUR_CONFIG={bad}",
                          "not valid TOML")  # fmt: skip
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[mocks.insi]\nport = "eighteen"\n', encoding="utf-8")
    assert_one_line_error(segur("run", env={**isolated_env, "SEGUR_CONFIG": str(wrong)}), "mocks.insi.port",
                          "integer")  # fmt: skip


def test_out_naming_an_existing_file_is_one_line(isolated_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("not a folder", encoding="utf-8")
    assert_one_line_error(segur("run", "--no-html", "--out", str(target), env=isolated_env), f"--out {target}",
                          "not a folder")  # fmt: skip


def test_unreachable_sut_is_one_line_naming_the_url(isolated_env: dict[str, str], tmp_path: Path) -> None:
    done = segur("run", "--sut", "http://127.0.0.1:1", "--out", str(tmp_path / "o"), env=isolated_env)
    assert_one_line_error(done, "http://127.0.0.1:1", "does not answer", "connection refused")
