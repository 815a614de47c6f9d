"""The MSSanté SMTP mock as the harness starts it: its own process, health URL, `mocks serve` endpoint."""

from __future__ import annotations

import smtplib
from pathlib import Path

import requests

from segur_harness.config import load_config
from segur_harness.services import mock_endpoints, mock_processes, shared_env


def test_started_and_stopped_like_the_http_mocks(tmp_path: Path, isolated_env: dict[str, str]) -> None:
    cfg = load_config(isolated_env)
    env = shared_env(cfg)
    [endpoint] = [e for e in mock_endpoints(cfg) if e.service == "mss-smtp"]
    assert endpoint.url == f"smtp://127.0.0.1:{isolated_env['SEGUR__MOCKS__MSS__PORT']}"
    [proc] = [p for p in mock_processes(cfg, tmp_path / "store.sqlite", tmp_path / "logs") if p.name == "mss mock"]
    proc.env.update(env)
    proc.start(timeout=20)
    try:
        assert requests.get(endpoint.admin + "/health", timeout=5).json()["service"] == "mss-smtp"
        client = smtplib.SMTP("127.0.0.1", int(isolated_env["SEGUR__MOCKS__MSS__PORT"]), timeout=10)
        assert "starttls" in client.ehlo()[1].decode().lower()
        client.quit()
    finally:
        proc.stop()
    assert proc.process is not None and proc.process.returncode is not None
