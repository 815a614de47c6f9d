"""Installing the Allure CLI with npm: the machine's npm configuration kept, bounded time, one French line."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from segur_harness.allure_install import (
    READY_MARKER,
    allure_binary,
    install_dir,
    npm_error_code,
    npm_problem,
    run_bounded,
)

FAKE_NPM = """#!/bin/sh
printf '%s\\n' "$(pwd) $*" >> "$FAKE_NPM_LOG"
case "$1" in
  ping)
    if [ "$FAKE_NPM_MODE" = tls ]; then echo "npm error code SELF_SIGNED_CERT_IN_CHAIN" >&2; exit 1; fi
    exit 0 ;;
  install)
    case "$FAKE_NPM_MODE" in
      hang) sleep 60 & sleep 60 ;;
      fail) echo "npm error code E404" >&2; echo "npm error 404 Not Found - GET allure" >&2; exit 1 ;;
      *) mkdir -p node_modules/.bin && printf '#!/bin/sh\\necho 3.18.0\\n' > node_modules/.bin/allure
         chmod +x node_modules/.bin/allure ;;
    esac ;;
esac
"""


@pytest.fixture
def fake_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`npm` and `node` stand-ins on PATH; returns the file where npm writes its cwd and arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text(FAKE_NPM)
    (bin_dir / "node").write_text("#!/bin/sh\necho v20.20.2\n")
    for tool in ("npm", "node"):
        (bin_dir / tool).chmod(0o755)
    log = tmp_path / "npm.log"
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_NPM_LOG", str(log))
    monkeypatch.delenv("SEGUR_CACHE_DIR", raising=False)
    return log


def settings(tmp_path: Path, timeout: float = 30.0) -> dict:
    return {"reports": {"allure_npm_package": "allure@3.18.0", "cache_dir": str(tmp_path / "cache"),
                        "npm_install_timeout_seconds": timeout}}  # fmt: skip


def test_npm_runs_in_a_project_folder_never_with_prefix(fake_npm: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("FAKE_NPM_MODE", "ok")
    binary, reason = allure_binary(settings(tmp_path))
    assert reason == "" and binary is not None and binary.exists()
    calls = fake_npm.read_text().splitlines()
    assert [c.split(" ", 1)[1].split()[0] for c in calls] == ["ping", "install"]
    assert all("--prefix" not in c for c in calls)
    staging = Path(calls[-1].split(" ", 1)[0])
    assert staging.name.startswith(install_dir(settings(tmp_path)).name + ".partial-")
    assert (install_dir(settings(tmp_path)) / READY_MARKER).read_text().strip() == "3.18.0"
    manifest = json.loads((install_dir(settings(tmp_path)) / "package.json").read_text())
    assert manifest["dependencies"] == {"allure": "3.18.0"}
    again, _ = allure_binary(settings(tmp_path))  # installed once: no npm call the second time
    assert again == binary and len(fake_npm.read_text().splitlines()) == 2


def test_a_hanging_install_is_killed_in_bounded_time(fake_npm: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("FAKE_NPM_MODE", "hang")
    started = time.monotonic()
    binary, reason = allure_binary(settings(tmp_path, timeout=1.5))
    assert binary is None and time.monotonic() - started < 10
    assert reason.startswith("npm install allure@3.18.0 inachevé après 2 s : rapport HTML non généré")
    assert "\n" not in reason
    assert not install_dir(settings(tmp_path)).exists()


def test_a_proxy_certificate_problem_is_one_french_line_in_seconds(fake_npm: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("FAKE_NPM_MODE", "tls")
    started = time.monotonic()
    binary, reason = allure_binary(settings(tmp_path))
    assert binary is None and time.monotonic() - started < 10
    assert "SELF_SIGNED_CERT_IN_CHAIN" in reason and "cafile" in reason and "NODE_EXTRA_CA_CERTS" in reason
    assert [c.split(" ", 1)[1].split()[0] for c in fake_npm.read_text().splitlines()] == ["ping"]


def test_a_failed_install_says_why(fake_npm: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("FAKE_NPM_MODE", "fail")
    binary, reason = allure_binary(settings(tmp_path))
    assert binary is None and "paquet introuvable" in reason and "E404" in reason


def test_without_node_the_reason_is_given(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    binary, reason = allure_binary(settings(tmp_path))
    assert binary is None and reason.startswith("Node.js/npm introuvable : rapport HTML non généré")


def test_npm_error_codes_of_old_and_new_npm():
    assert npm_error_code("npm error code ETIMEDOUT\nnpm error network") == "ETIMEDOUT"
    assert npm_error_code("npm ERR! code UNABLE_TO_GET_ISSUER_CERT_LOCALLY") == "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
    assert npm_error_code("nothing") is None
    assert "injoignable" in npm_problem("npm error code ENOTFOUND", "npm ping")
    assert npm_problem("npm error something odd", "npm install x") == \
        "npm install x a échoué (erreur : npm error something odd)"  # fmt: skip


def test_run_bounded_kills_the_whole_process_group(tmp_path: Path):
    marker = tmp_path / "child-survived"
    started = time.monotonic()
    done = run_bounded(["sh", "-c", f"(sleep 3; touch {marker}) & sleep 30"], 0.5)
    assert done.timed_out and time.monotonic() - started < 5
    time.sleep(3.5)
    assert not marker.exists()


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm absent")
def test_the_real_npm_keeps_the_machine_global_config_in_a_project_folder(tmp_path: Path):
    """The cause of the old hang: --prefix moves npm's global config file; a project folder does not."""
    def globalconfig(*args: str, cwd: Path) -> str:
        done = subprocess.run(["npm", "config", "get", "globalconfig", *args], cwd=cwd, capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
        return done.stdout.strip()

    machine = globalconfig(cwd=Path.home())
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text('{"private": true}')
    assert globalconfig(cwd=project) == machine
    assert globalconfig("--prefix", str(project), cwd=project) == str(project / "etc" / "npmrc") != machine
