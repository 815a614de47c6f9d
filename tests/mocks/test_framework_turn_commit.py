"""The records of one event-loop turn are committed together, and no answer leaves before its record.

The mock worker holds the records of the requests a loop turn runs
(Store.holding) and commits them in one transaction (flush_records) before it
sends any of their answers. These tests check the contract at each level: the
group commit's hold and flush, a live mock whose every answer is already in the
store when the client reads it, and a commit the store refuses answered as a
technical SOAP fault (never the normal answer), the connection closed.
"""

from __future__ import annotations

import http.client
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from insi_mock_support import CT, Envelope, traits_request
from test_framework_gunicorn import Mock, running_mock

from segur_harness.store import Exchange, Store
from segur_harness.store_commit import GroupCommit

VALID = ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")


def _exchange(message_id: str) -> Exchange:
    return Exchange("insi", "op", 1.0, 2.0, b"<q/>", b"<a/>", 200, message_id=message_id)


def _stored(path: Path) -> list[str]:
    with sqlite3.connect(path, timeout=30) as conn:
        return [row[0] for row in conn.execute("SELECT message_id FROM exchanges ORDER BY id")]


def test_held_records_are_committed_together_by_flush_in_order(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    with store.holding():
        ids = [store.record(_exchange(f"m{i}")) for i in range(5)]
    assert ids == [None] * 5 and _stored(store.path) == []
    assert store.flush_records() is None
    assert _stored(store.path) == [f"m{i}" for i in range(5)]
    assert store.flush_records() is None  # nothing held: nothing to do


def test_only_the_holding_thread_holds(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    with store.holding():
        store.record(_exchange("held"))
        other = threading.Thread(target=store.record, args=(_exchange("other thread"),))
        other.start()
        other.join(timeout=30)
        assert _stored(store.path) == ["other thread"]
    store.record(_exchange("after"))  # outside holding(): committed at once, the held one still waits
    assert _stored(store.path) == ["other thread", "after"]
    store.flush_records()
    assert _stored(store.path) == ["other thread", "after", "held"]


def test_a_refused_flush_commits_none_and_says_why(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    with sqlite3.connect(store.path) as conn:
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON exchanges WHEN NEW.message_id = 'bad'"
                     " BEGIN SELECT RAISE(ABORT, 'refused for the test'); END")
    with store.holding():
        for message_id in ("good", "bad", "good too"):
            store.record(_exchange(message_id))
    error = store.flush_records()
    assert isinstance(error, sqlite3.Error) and "refused for the test" in str(error)
    assert _stored(store.path) == []


def test_without_group_commit_records_commit_at_once_even_when_held(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite", group_commit=False)
    with store.holding():
        store.record(_exchange("m"))
    assert _stored(store.path) == ["m"] and store.flush_records() is None


def test_flush_after_fork_is_a_fresh_start(tmp_path: Path) -> None:
    writer = GroupCommit(lambda: sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None))
    with writer.holding():
        writer.insert("SELECT 1", ())
    writer._pid = -1  # as in a forked child: what the parent held is not the child's to commit
    assert writer.flush() is None


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mock]:
    with running_mock(tmp_path_factory.mktemp("turn-commit"), workers=1) as running:
        yield running


def _post(conn: http.client.HTTPConnection, message_id: str) -> http.client.HTTPResponse:
    conn.request("POST", "/lps", body=traits_request(*VALID, env=Envelope(message_id=message_id)),
                 headers={"Content-Type": CT})
    response = conn.getresponse()
    response.read()
    return response


def test_every_answer_is_in_the_store_when_the_client_reads_it(mock: Mock) -> None:
    """30 kept-alive clients at once (so loop turns run several requests): each answer already recorded."""
    late: list[str] = []
    errors: list[BaseException] = []

    def client(index: int) -> None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=30)
            with sqlite3.connect(mock.store, timeout=30) as db:
                for n in range(15):
                    message_id = f"urn:uuid:00000000-0000-4000-8000-{index:06d}{n:06d}"
                    assert _post(conn, message_id).status == 200
                    if db.execute("SELECT 1 FROM exchanges WHERE message_id = ?", (message_id,)).fetchone() is None:
                        late.append(message_id)
            conn.close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and not late


def test_a_turn_the_store_refuses_is_answered_as_a_technical_fault_and_closed(mock: Mock) -> None:
    refused = "urn:uuid:00000000-0000-4000-8000-0000000bad00"
    with sqlite3.connect(mock.store, timeout=30) as db:
        db.execute("CREATE TRIGGER refuse BEFORE INSERT ON exchanges WHEN NEW.message_id = "
                   f"'{refused}' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END")
    try:
        conn = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=30)
        conn.request("POST", "/lps", body=traits_request(*VALID, env=Envelope(message_id=refused)),
                     headers={"Content-Type": CT})
        response = conn.getresponse()
        body = response.read()
        assert response.status == 500 and response.getheader("Connection") == "close"
        assert b"env:Receiver" in body or b"Receiver" in body
        assert b"CodeCR" not in body and b"refused for the test" not in body
        assert refused not in _stored(mock.store)
    finally:
        with sqlite3.connect(mock.store, timeout=30) as db:
            db.execute("DROP TRIGGER refuse")
    conn = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=30)
    assert _post(conn, "urn:uuid:00000000-0000-4000-8000-000000000a11").status == 200
    assert "urn:uuid:00000000-0000-4000-8000-000000000a11" in _stored(mock.store)


def test_a_nested_hold_keeps_the_outer_one(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    with store.holding():
        with store.holding():
            store.record(_exchange("inner"))
        store.record(_exchange("outer"))
    assert _stored(store.path) == []
    store.flush_records()
    assert _stored(store.path) == ["inner", "outer"]


def test_a_store_that_cannot_be_opened_is_a_refused_flush_not_an_exception(tmp_path: Path) -> None:
    def unopenable() -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    writer = GroupCommit(unopenable)
    with writer.holding():
        writer.insert("INSERT INTO x VALUES (1)", ())
    error = writer.flush()
    assert isinstance(error, sqlite3.OperationalError) and "unable to open" in str(error)
