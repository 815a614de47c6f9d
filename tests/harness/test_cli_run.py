"""`segur-harness run` and `selfcheck` through the entry point: honest verdicts and nothing left running.

Every harness subprocess gets a marker variable; after the command ends, no live
process may still carry it (mocks, gunicorn workers, reference SUT, validation
service, the pytest run).
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from segur_harness.processes import free_port
from segur_harness.services import MOCK_NAMES
from tests.harness.http_stub import serving
from tests.harness.test_cli import assert_one_line_error, entry_point

MARKER = "SEGUR_TEST_MARKER"


@pytest.fixture
def env(isolated_env: dict[str, str]) -> dict[str, str]:
    """isolated_env, a free port for every mock a run starts, and the marker."""
    ports = {f"SEGUR__MOCKS__{name.upper()}__PORT": str(free_port()) for name in MOCK_NAMES}
    return {**ports, **isolated_env, MARKER: uuid.uuid4().hex, "SEGUR__REPORTS__HTML": "false"}


def segur(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*entry_point(), *args], env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def marked_processes(marker: str) -> list[str]:
    """Live (non-zombie) processes whose environment carries `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if f"{MARKER}={marker}".encode() not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if state != "Z":
            found.append(f"{entry.name} {cmdline[:200]}")
    return found


def assert_nothing_left(env: dict[str, str], grace: float = 10.0) -> None:
    deadline = time.monotonic() + grace
    while (left := marked_processes(env[MARKER])) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"processes left running: {left}"
    for key in [k for k in env if k.startswith("SEGUR__") and k.endswith("__PORT")]:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", int(env[key]))) != 0, f"something still listens on {key}"


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


class _GarbageSut(BaseHTTPRequestHandler):
    """Answers /adapter/v1/info properly and everything else with HTML: an adapter that is broken, not a SUT."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/adapter/v1/info"):
            body, kind = b'{"product": "garbage adapter", "version": "0"}', "application/json"
        else:
            body, kind = b"<html>proxy error</html>", "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def garbage_sut() -> Iterator[str]:
    with serving(_GarbageSut) as url:
        yield url


def test_an_adapter_answering_garbage_makes_scenarios_broken_not_failed(env, garbage_sut: str, tmp_path: Path):
    out = tmp_path / "o"
    done = segur("run", "--sut", garbage_sut, "--requirement", "INS/va1.49", "--out", str(out), env=env)
    assert done.returncode == 2, done.stderr[-3000:]
    result = summary(out)
    assert result["verdict"] == "broken" and result["exit_code"] == 2
    assert result["counts"]["failed"] == 0 and result["counts"]["broken"] == result["counts"]["total"] >= 1
    assert result["problems"] and all("pas du JSON" in p for p in result["problems"]), result["problems"]
    assert "Traceback" not in done.stderr and "verdict: broken" in done.stderr
    assert_nothing_left(env)


def test_a_run_without_the_pack_is_passed_but_incomplete(env, tmp_path: Path):
    empty = tmp_path / "reference"
    empty.mkdir()
    closed = f"http://127.0.0.1:{free_port()}/pack.zip"  # the pinned pack cannot be fetched (offline)
    env = {**env, "SEGUR_REFERENCE_DIR": str(empty), "SEGUR_CACHE_DIR": str(tmp_path / "cache"),
           "SEGUR__PACK__URL": closed}
    out = tmp_path / "o"
    done = segur("run", "--requirement", "CDA/GEN.90", "--out", str(out), env=env)
    assert done.returncode == 4, done.stderr[-3000:]
    result = summary(out)
    assert result["verdict"] == "incomplete" and result["counts"]["skipped"] >= 1
    assert result["counts"]["failed"] == result["counts"]["broken"] == 0
    said = [line for line in done.stderr.splitlines() if "CI-SIS pack not installed" in line]
    assert len(said) == 1 and "segur-harness pack install" in said[0] and "SEGUR_CISIS_PACK" in said[0], said
    assert "Traceback" not in done.stderr


def test_a_taken_port_is_named_and_nothing_is_left(env, tmp_path: Path):
    port = int(env["SEGUR__MOCKS__DMP__PORT"])
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        done = segur("run", "--out", str(tmp_path / "o"), env=env)
        assert_one_line_error(done, f"port {port}", "SEGUR__MOCKS__DMP__PORT")
    assert_nothing_left(env)


def test_a_service_failing_to_start_stops_those_started(env, tmp_path: Path):
    env = {**env, "SEGUR__MOCKS__DMP__PATIENTS_FILE": str(tmp_path / "absent.toml")}  # the DMP mock starts last
    done = segur("run", "--out", str(tmp_path / "o"), env=env)
    assert_one_line_error(done, "could not start the services", "dmp mock", "absent.toml")
    assert (tmp_path / "o" / "logs" / "mock-insi.log").exists()  # it had started
    assert_nothing_left(env)


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else proc.returncode
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"port {port} never opened")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_run_stops_everything(env, tmp_path: Path, signum: int, code: int):
    proc = subprocess.Popen([*entry_point(), "run", "--out", str(tmp_path / "o")], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        _wait_for_port(int(env["SEGUR__SUT__PORT"]), proc)  # the SUT starts after the mocks
        time.sleep(1.0)  # the scenario process is running
        assert len(marked_processes(env[MARKER])) >= 5  # CLI, validator, 2 mocks, SUT (and workers, pytest)
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err[-3000:]
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(f"segur-harness: interrupted ({signal.Signals(signum).name})")
    assert_nothing_left(env)


def test_sigkill_of_the_run_leaves_nothing_running(env, tmp_path: Path):
    """A CI job killed at its timeout (SIGKILL: no handler runs): every service dies with the run."""
    proc = subprocess.Popen([*entry_point(), "run", "--out", str(tmp_path / "o")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        _wait_for_port(int(env["SEGUR__SUT__PORT"]), proc)  # every service is up once the SUT is
        time.sleep(1.0)  # the scenario process is running
        assert len(marked_processes(env[MARKER])) >= 5
        proc.kill()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert_nothing_left(env)


def test_sigterm_during_selfcheck_stops_every_lane(env, tmp_path: Path):
    args = ["selfcheck", "--defect", "key-not-checked", "--requirement", "INS/va1.49"]
    proc = subprocess.Popen([*entry_point(), *args], env={**env, "SEGUR__SELFCHECK__LANES": "2"}, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)  # fmt: skip
    lines = []
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("lane 1" in line for line in lines):
            line = proc.stderr.readline()
            assert line, "".join(lines)
            lines.append(line)
        time.sleep(0.5)
        assert len(marked_processes(env[MARKER])) >= 8  # two lanes of mocks and SUT, one validator
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, "".join(lines) + err
    assert "Traceback" not in err
    assert "the lanes' logs, stores and reports are kept in" in err  # interrupted: kept for whoever looks
    assert_nothing_left(env)
