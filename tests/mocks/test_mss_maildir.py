"""The MSSanté IMAP side without dovecot: maildirs, delivery and its recording, the bridge, the run's wiring.

These run everywhere (dovecot or not); test_mss_imap.py runs the real dovecot.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import shutil
import socket
import time
from pathlib import Path

import pytest
from flask import Flask
from mss_support import DOCTOR_MAILBOX, ORGANISATION, PATIENT, Mss, authenticate, connect, message, running, token_for

from segur_harness.config import load_config
from segur_harness.mocks.framework.tcp import TcpRecorder
from segur_harness.mocks.mss import imap as imap_module
from segur_harness.mocks.mss.delivery import Delivery
from segur_harness.mocks.mss.directory import Directory
from segur_harness.mocks.mss.imap_bridge import IntrospectionBridge, mailbox_regex
from segur_harness.mocks.mss.imap_process import DovecotError
from segur_harness.mocks.mss.maildir import Maildirs, mailbox_folder
from segur_harness.mocks.mss.settings import FIXTURES, MssSettings, imap_mode
from segur_harness.mocks.mss.xoauth2 import TokenCheck
from segur_harness.services import mock_endpoints, mock_processes, taken_ports
from segur_harness.store import Exchange, Store

RAW = b"From: a@test.mssante.fr\r\nTo: b@test.mssante.fr\r\nSubject: =?utf-8?q?R=C3=A9sultat?=\r\n" \
      b"Message-ID: <m-1@sut.test>\r\n\r\nCorps\r\n"


def test_maildir_delivery_is_atomic_unique_and_listed(tmp_path: Path) -> None:
    boxes = Maildirs(tmp_path / "mail")
    first, second = boxes.deliver("Camille.Testeur@test.mssante.fr", RAW), boxes.deliver(DOCTOR_MAILBOX, RAW)
    assert first.parent == tmp_path / "mail" / DOCTOR_MAILBOX / "Maildir" / "new" and first != second
    assert first.read_bytes() == RAW and not any((first.parent.parent / "tmp").iterdir())
    os.rename(second, second.parent.parent / "cur" / (second.name + ":2,SR"))  # as dovecot does on FETCH, reply
    listed = boxes.list(DOCTOR_MAILBOX)
    assert [(m["folder"], m["flags"], m["seen"]) for m in listed] == [("new", "", False), ("cur", "RS", True)]
    assert listed[1]["imap_flags"] == ["\\Answered", "\\Seen"] and listed[0]["subject"] == "Résultat"
    assert listed[0]["message_id"] == "<m-1@sut.test>" and listed[0]["size"] == len(RAW)
    assert boxes.empty() == 2 and boxes.list(DOCTOR_MAILBOX) == []


def test_messages_are_listed_in_delivery_order_across_new_and_cur(tmp_path: Path) -> None:
    """CI once listed a later message first: names sorted as text ("M98765" after "M123456") and new/ before cur/."""
    boxes = Maildirs(tmp_path / "mail")
    inbox = boxes.maildir(DOCTOR_MAILBOX, create=True)
    for folder, name in (("cur", "1796150142.M98765P1Q1.h:2,S"), ("new", "1796150142.M123456P2Q1.h"),
                         ("cur", "1796150143.M5P1Q2.h:2,"), ("new", "odd-name")):
        (inbox / folder / name).write_bytes(RAW)
    assert [m["file"] for m in boxes.list(DOCTOR_MAILBOX)] == [
        "odd-name", "1796150142.M98765P1Q1.h:2,S", "1796150142.M123456P2Q1.h", "1796150143.M5P1Q2.h:2,"]
    delivered = boxes.deliver(DOCTOR_MAILBOX, RAW).name
    assert re.fullmatch(r"\d+\.M\d{6}P\d+Q\d+\..+", delivered) and boxes.list(DOCTOR_MAILBOX)[-1]["file"] == delivered


@pytest.mark.parametrize("address", ["", "../etc@x", ".cache", "a/b@test.mssante.fr"])
def test_mailbox_folder_refuses_paths(address: str) -> None:
    with pytest.raises(ValueError):
        mailbox_folder(address)


def _delivery(tmp_path: Path, root: Path | None = None) -> tuple[Delivery, Store]:
    store = Store(tmp_path / "store.sqlite")
    return Delivery(Maildirs(root or tmp_path / "mail"), Directory.load(FIXTURES / "directory.toml"),
                    TcpRecorder(store, "mss-imap")), store


def test_delivery_records_each_directory_mailbox_once(tmp_path: Path) -> None:
    delivery, store = _delivery(tmp_path)
    done = delivery.deliver([DOCTOR_MAILBOX, DOCTOR_MAILBOX.upper(), "inconnu@test.mssante.fr", PATIENT], RAW,
                            source="smtp", queue_id="ABC123")
    assert [d.address for d in done] == [DOCTOR_MAILBOX, PATIENT] and not any(d.error for d in done)
    [first, second] = store.exchanges(service="mss-imap", operation="IMAP-DELIVERY")
    assert first.request_headers == {"mailbox": DOCTOR_MAILBOX, "message_id": "<m-1@sut.test>", "source": "smtp",
                                     "queue_id": "ABC123", "file": done[0].file.name}
    assert first.status == 200 and first.request_body == RAW and first.message_id == "<m-1@sut.test>"
    assert first.findings[0].severity == "info" and "déposé" in first.findings[0].message
    assert second.request_headers["mailbox"] == PATIENT


def test_failed_delivery_is_recorded_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    delivery, store = _delivery(tmp_path, blocker)
    [done] = delivery.deliver([ORGANISATION], RAW, source="admin")
    assert done.error and done.file is None
    [recorded] = store.exchanges(service="mss-imap")
    assert recorded.status == 500 and recorded.findings[0].severity == "error" and recorded.id == done.exchange_id


def test_smtp_message_kept_when_delivery_fails(tmp_path: Path) -> None:
    with running(tmp_path) as mss:
        blocker = tmp_path / "blocker"
        blocker.write_text("x")
        mss.mock.handler.delivery = Delivery(Maildirs(blocker), mss.mock.handler.directory,
                                             TcpRecorder(mss.store, "mss-imap"))
        client = connect(mss)
        assert authenticate(client, DOCTOR_MAILBOX, token_for(mss.psc))[0] == 235
        assert client.send_message(message()) == {}
        client.quit()
        assert len(mss.messages()) == 1
        [failed] = mss.store.exchanges(service="mss-imap", operation="IMAP-DELIVERY")
        assert failed.status == 500 and failed.request_headers["source"] == "smtp"
        assert failed.request_headers["queue_id"] == mss.messages()[0].request_headers["queue_id"]
        session = _session(mss)
        assert any(f.rule == "MSS-DEPOT" and f.severity == "error" for f in session.findings)


def _session(mss: Mss) -> Exchange:
    deadline = time.monotonic() + 5
    while not mss.sessions() and time.monotonic() < deadline:
        time.sleep(0.05)
    return mss.sessions()[0]


def test_mailbox_regex_is_exact() -> None:
    pattern = mailbox_regex([DOCTOR_MAILBOX, ORGANISATION])
    assert pattern == "^(camille[.]testeur[@]test[.]mssante[.]fr|secretariat[.]ch[-]test[@]test[.]mssante[.]fr)$"
    assert re.match(pattern, DOCTOR_MAILBOX) and not re.match(pattern, "camilleXtesteur@test.mssante.fr")
    assert not re.match(pattern, DOCTOR_MAILBOX + ".evil") and mailbox_regex([]) == "^$"


def _bridge(monkeypatch: pytest.MonkeyPatch, check: TokenCheck) -> Flask:
    from segur_harness.mocks.mss import imap_bridge

    monkeypatch.setattr(imap_bridge, "introspect", lambda *_args: check)
    settings = MssSettings.from_config({"mocks": {"mss": {}}})
    bridge = IntrospectionBridge(settings, Directory.load(FIXTURES / "directory.toml"))
    app = Flask("bridge-test")
    app.add_url_rule("/i", "i", bridge.view, methods=["POST"])
    app.extensions["bridge"] = bridge
    return app


def test_bridge_answers_active_owner_inactive_and_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _bridge(monkeypatch, TokenCheck(True, rpps="10000000010", detail="jeton actif"))
    reply = app.test_client().post("/i", data={"token": "t"}, headers={"X-Dovecot-Auth-Remote": "127.0.0.1:4242"})
    assert reply.status_code == 200 and reply.json["active"] is True and reply.json["mss_holder"] == "810000000010"
    assert re.match(reply.json["mss_mailboxes"], ORGANISATION)
    assert app.extensions["bridge"].recall("127.0.0.1:4242").check.rpps == "10000000010"
    inactive = _bridge(monkeypatch, TokenCheck(False, detail="jeton inactif")).test_client().post("/i", data={})
    assert inactive.json["active"] is False and inactive.json["mss_mailboxes"] == "^$"
    down = _bridge(monkeypatch, TokenCheck(False, detail="injoignable", unavailable=True)).test_client()
    assert down.post("/i", data={"token": "t"}).status_code == 503


def _settings(**mss: object) -> MssSettings:
    return MssSettings.from_config({"mocks": {"host": "127.0.0.1", "mss": dict(mss)}})


def test_imap_mode_absent_is_off_and_bad_value_refused() -> None:
    assert _settings().imap == "off" and _settings(imap="AUTO").imap == "auto"
    with pytest.raises(ValueError):
        imap_mode({"imap": "yes"})
    assert _settings(imap_port=18143).imap_admin_port == 18144
    assert _settings(imap_port=18143, imap_admin_port=9).imap_admin_port == 9


def test_without_dovecot_auto_is_smtp_only_and_on_fails(monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(imap_module, "dovecot_binary", lambda: None)
    args = (None, None, None, None, None)
    assert imap_module.imap_for(_settings(imap="off"), *args) is None
    with caplog.at_level(logging.WARNING):
        assert imap_module.imap_for(_settings(imap="auto"), *args) is None
    assert "dovecot (paquet dovecot-imapd) absent" in caplog.text
    with pytest.raises(DovecotError, match="dovecot-imapd"):
        imap_module.imap_for(_settings(imap="on"), *args)


def _cfg(tmp_path: Path, imap: str) -> dict:
    """The default configuration on free ports (a run of someone else may hold the defaults)."""
    from segur_harness.processes import free_port

    cfg = copy.deepcopy(load_config({}))
    for name in ("insi", "dmp", "psc", "mss"):
        cfg["mocks"][name]["port"] = free_port()
    cfg["mocks"]["mss"].update(admin_port=free_port(), imap=imap, imap_port=28143, imap_admin_port=0)
    return cfg


def test_run_endpoints_and_command_follow_the_imap_rule(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, "on")
    [imap] = [e for e in mock_endpoints(cfg) if e.service == "mss-imap"]
    assert (imap.url, imap.admin) == ("imap://127.0.0.1:28143", "http://127.0.0.1:28144/_admin")
    [proc] = [p for p in mock_processes(cfg, tmp_path / "s.sqlite", tmp_path) if p.name == "mss mock"]
    assert proc.command[-6:] == ["--imap", "on", "--imap-port", "28143", "--imap-admin-port", "28144"]
    off = _cfg(tmp_path, "off")
    assert "mss-imap" not in [e.service for e in mock_endpoints(off)]
    [proc] = [p for p in mock_processes(off, tmp_path / "s.sqlite", tmp_path) if p.name == "mss mock"]
    assert proc.command[-2:] == ["--imap", "off"]


def test_taken_imap_port_is_named(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, "on")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        cfg["mocks"]["mss"]["imap_port"] = sock.getsockname()[1]
        taken = taken_ports(cfg, with_sut=False, with_validator=False)
    assert any("SEGUR__MOCKS__MSS__IMAP_PORT" in t for t in taken)
    cfg["mocks"]["mss"]["imap"] = "off"
    assert not any("IMAP" in t for t in taken_ports(cfg, with_sut=False, with_validator=False))


def test_stale_tmp_spools_pruned_live_ones_kept() -> None:
    import tempfile

    from segur_harness.mocks.mss.imap_config import STALE_SPOOL_SECONDS, prune_stale_spools

    dead, live, fresh = (Path(tempfile.mkdtemp(prefix="segur-mss-imap-", dir="/tmp")) for _ in range(3))
    try:
        for spool, pid in ((dead, 2 ** 22 + 1), (live, os.getpid())):
            (spool / "run").mkdir()
            (spool / "run" / "master.pid").write_text(f"{pid}\n")
        old = time.time() - STALE_SPOOL_SECONDS - 60
        for spool in (dead, live):
            os.utime(spool, (old, old))
        prune_stale_spools()
        assert not dead.exists() and live.exists() and fresh.exists()
    finally:
        for spool in (dead, live, fresh):
            shutil.rmtree(spool, ignore_errors=True)
