"""`segur-harness mocks serve` prints one line per endpoint, serves, and stops cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import requests


def test_mocks_serve_prints_endpoints_and_stops_on_interrupt(isolated_env, tmp_path: Path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "segur_harness.cli", "mocks", "serve"],
        env=isolated_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = proc.stdout.readline().split()
        assert first[0] == "insi"
        assert first[1] == f"http://127.0.0.1:{isolated_env['SEGUR__MOCKS__INSI__PORT']}/lps"
        admin = proc.stdout.readline().split()
        assert admin[0] == "insi-admin"
        assert requests.get(admin[1] + "/health", timeout=5).json()["service"] == "insi"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr.read()
