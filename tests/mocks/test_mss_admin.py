"""The MSSanté SMTP mock's admin API (the framework's, shared with HTTP mocks) and its TCP behaviours."""

from __future__ import annotations

import smtplib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from mss_support import DOCTOR_MAILBOX, Mss, T, authenticate, connect, message, running, token_for


@pytest.fixture
def mss(tmp_path: Path) -> Iterator[Mss]:
    with running(tmp_path) as served:
        yield served


def _behaviour(mss: Mss, kind: str, operation: str | None = None, times: int | None = 1, **params: object) -> None:
    reply = requests.post(mss.admin + "/behaviours", json={"kind": kind, "operation": operation, "params": params,
                                                           "times": times}, timeout=T)
    assert reply.status_code == 201, reply.text


def _sessions(mss: Mss, count: int) -> list:
    deadline = time.monotonic() + T
    while len(mss.sessions()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return mss.sessions()


def test_health_and_unknown_kind(mss: Mss) -> None:
    assert requests.get(mss.admin + "/health", timeout=T).json() == {"service": "mss-smtp", "status": "up"}
    bad = requests.post(mss.admin + "/behaviours", json={"kind": "outage"}, timeout=T)
    assert bad.status_code == 400 and "refuse" in bad.json()["error"]


def test_scenario_tagging_exchanges_and_reset(mss: Mss) -> None:
    assert requests.put(mss.admin + "/scenario", json={"scenario_id": "MSS-01"}, timeout=T).ok
    client = connect(mss)
    assert authenticate(client, DOCTOR_MAILBOX, token_for(mss.psc))[0] == 235
    client.send_message(message())
    client.quit()
    _sessions(mss, 1)
    found = requests.get(mss.admin + "/exchanges", params={"scenario_id": "MSS-01"}, timeout=T).json()
    assert [e["operation"] for e in found] == ["SMTP-MESSAGE", "SMTP-SESSION"]
    assert "Bonjour, document de test." in found[0]["request_body"]
    light = requests.get(mss.admin + "/exchanges", params={"operation": "SMTP-SESSION", "bodies": "0"}, timeout=T)
    assert "request_body" not in light.json()[0]
    _behaviour(mss, "drop", times=None)
    assert requests.post(mss.admin + "/reset", timeout=T).json() == {"reset": True}
    assert requests.get(mss.admin + "/behaviours", timeout=T).json() == []
    connect(mss, starttls=False).quit()
    last = _sessions(mss, 2)[-1]
    assert last.scenario_id is None and last.status == 221


def test_refuse_resets_the_connection(mss: Mss) -> None:
    _behaviour(mss, "refuse")
    with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionResetError)):
        smtplib.SMTP("127.0.0.1", mss.port, timeout=T)
    [session] = _sessions(mss, 1)
    assert session.response_body == b"" and session.findings[0].rule == "INJECTED"
    connect(mss, starttls=False).quit()  # once only


def test_drop_on_a_command(mss: Mss) -> None:
    _behaviour(mss, "drop", operation="MAIL")
    client = connect(mss)
    assert authenticate(client, DOCTOR_MAILBOX, token_for(mss.psc))[0] == 235
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.send_message(message())
    assert mss.messages() == []


def test_reply_4xx_at_connection_and_on_rcpt(mss: Mss) -> None:
    _behaviour(mss, "reply", line="421 4.3.2 Service en maintenance")
    with pytest.raises(smtplib.SMTPConnectError) as refused:
        smtplib.SMTP("127.0.0.1", mss.port, timeout=T)
    assert refused.value.smtp_code == 421
    _behaviour(mss, "reply", operation="RCPT", line="452 4.2.2 Boite pleine")
    client = connect(mss)
    assert authenticate(client, DOCTOR_MAILBOX, token_for(mss.psc))[0] == 235
    with pytest.raises(smtplib.SMTPRecipientsRefused) as full:
        client.send_message(message())
    assert list(full.value.recipients.values())[0][0] == 452
    client.quit()


def test_delay_before_the_greeting(mss: Mss) -> None:
    _behaviour(mss, "delay", seconds=0.6)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", mss.port), timeout=T) as sock:
        assert sock.recv(100).startswith(b"220 ")
    assert time.monotonic() - started >= 0.55
