import threading
from pathlib import Path

from segur_harness.store import Behaviour, Exchange, Finding, Store


def _exchange(n: int, scenario: str | None = None) -> Exchange:
    return Exchange(
        service="insi", operation=f"op{n % 2}", started_at=1.0, ended_at=2.0,
        request_body=f"<r{n}/>".encode(), response_body=b"\xff\x00binary", status=200,
        scenario_id=scenario, findings=[Finding("error", "R1", "boom", "/a")],
    )  # fmt: skip


def test_record_and_read_back_everything(tmp_path: Path):
    store = Store(tmp_path / "s.sqlite")
    ex = _exchange(1, "INS/va1.41.01")
    store.record(ex)
    (back,) = Store(tmp_path / "s.sqlite").exchanges(scenario_id="INS/va1.41.01")  # a second process's view
    assert back.request_body == b"<r1/>"
    assert back.response_body == b"\xff\x00binary"
    assert back.findings == [Finding("error", "R1", "boom", "/a")]
    assert back.id == ex.id


def test_concurrent_writers_lose_nothing(tmp_path: Path):
    store = Store(tmp_path / "s.sqlite")
    threads = [threading.Thread(target=lambda i=i: [store.record(_exchange(i * 100 + k)) for k in range(20)])
               for i in range(5)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count() == 100
    assert len({e.request_body for e in store.exchanges()}) == 100


def test_filters_and_since_id(tmp_path: Path):
    store = Store(tmp_path / "s.sqlite")
    ids = [store.record(_exchange(n, "A" if n < 3 else "B")) for n in range(5)]
    assert [e.id for e in store.exchanges(scenario_id="B")] == ids[3:]
    assert [e.id for e in store.exchanges(operation="op1")] == [ids[1], ids[3]]
    assert [e.id for e in store.exchanges(since_id=ids[2])] == ids[3:]


def test_behaviours_are_consumed_then_gone(tmp_path: Path):
    store = Store(tmp_path / "s.sqlite")
    store.add_behaviour("insi", Behaviour(kind="outage", operation="op1", params={}, remaining=2))
    assert store.take_behaviour("insi", "op0") is None
    assert store.take_behaviour("insi", "op1").kind == "outage"
    assert store.take_behaviour("insi", "op1").kind == "outage"
    assert store.take_behaviour("insi", "op1") is None
    store.add_behaviour("insi", Behaviour(kind="delay", operation=None, params={"seconds": 0}, remaining=None))
    assert store.take_behaviour("insi", "anything").kind == "delay"
    store.clear_behaviours("insi")
    assert store.behaviours("insi") == []


def test_scenario_and_behaviour_in_one_read_as_the_two_calls(tmp_path: Path):
    """One read gives what scenario() and take_behaviour() give, and consumes a use the same way."""
    store, other = Store(tmp_path / "s.sqlite"), Store(tmp_path / "s.sqlite")
    assert store.scenario_and_behaviour("insi", "op1") == (None, None)
    other.set_scenario("insi", "X.01.01")
    other.add_behaviour("insi", Behaviour(kind="outage", operation="op1", params={"status": 503}, remaining=1))
    other.add_behaviour("dmp", Behaviour(kind="delay", operation=None, params={}, remaining=None))
    assert store.scenario_and_behaviour("insi", "op0") == ("X.01.01", None)
    scenario, behaviour = store.scenario_and_behaviour("insi", "op1")
    assert scenario == "X.01.01"
    assert (behaviour.kind, behaviour.params, behaviour.remaining) == ("outage", {"status": 503}, 1)
    assert store.scenario_and_behaviour("insi", "op1") == ("X.01.01", None)  # its one use is taken
    assert store.scenario_and_behaviour("dmp", "x")[1].kind == "delay"
    other.set_scenario("insi", None)
    assert store.scenario_and_behaviour("insi", "op1") == (None, None)


def test_current_scenario_is_shared(tmp_path: Path):
    Store(tmp_path / "s.sqlite").set_scenario("insi", "X.01.01")
    assert Store(tmp_path / "s.sqlite").scenario("insi") == "X.01.01"
    assert Store(tmp_path / "s.sqlite").scenario("dmp") is None


def _record_many(path: str, start: int, count: int) -> None:
    store = Store(path)
    for k in range(count):
        store.record(_exchange(start + k))


def test_group_commit_across_processes_and_threads_loses_nothing(tmp_path: Path):
    """Two processes of four threads each, like two gunicorn workers: every record committed, ids unique."""
    import multiprocessing

    path = str(tmp_path / "s.sqlite")
    Store(path)
    ctx = multiprocessing.get_context("fork")

    def worker(offset: int) -> None:
        store = Store(path)
        errors: list[BaseException] = []

        def record(i: int) -> None:
            try:
                for k in range(50):
                    store.record(_exchange(offset + i * 100 + k))
            except BaseException as exc:  # a lost record must fail the test, not end a thread quietly
                errors.append(exc)

        threads = [threading.Thread(target=record, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise SystemExit(f"{len(errors)} thread(s) failed: {errors[0]!r}")

    procs = [ctx.Process(target=worker, args=(n * 10_000,)) for n in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    store = Store(path)
    assert store.count() == 400
    assert len({e.id for e in store.exchanges()}) == 400


def test_a_store_used_before_fork_still_records_in_the_child(tmp_path: Path):
    import multiprocessing

    store = Store(tmp_path / "s.sqlite")
    store.record(_exchange(1))  # writer thread started in the parent
    child = multiprocessing.get_context("fork").Process(target=lambda: store.record(_exchange(2)))
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 0
    assert store.count() == 2


def test_record_returns_only_once_committed_and_seen_by_another_connection(tmp_path: Path):
    store = Store(tmp_path / "s.sqlite")
    new_id = store.record(_exchange(7))
    import sqlite3

    with sqlite3.connect(tmp_path / "s.sqlite") as other:
        assert other.execute("SELECT COUNT(*) FROM exchanges WHERE id = ?", (new_id,)).fetchone()[0] == 1


def test_a_failed_batch_is_reported_to_every_waiter(tmp_path: Path):
    import pytest

    store = Store(tmp_path / "s.sqlite")
    bad = _exchange(1)
    bad.status = None  # NOT NULL constraint: the transaction fails
    with pytest.raises(Exception, match="NOT NULL"):
        store.record(bad)
    assert store.record(_exchange(2)) > 0  # the writer goes on


def test_plain_commit_mode_still_works(tmp_path: Path):
    store = Store(tmp_path / "s.sqlite", group_commit=False)
    assert store.record(_exchange(1)) == 1
    assert store.count() == 1
