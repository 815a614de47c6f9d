"""Group commit for the exchange store: concurrent records of one process share one transaction.

Each request thread queues its row, then takes the commit lock: the thread
that gets it first (the leader) commits every queued row in one transaction;
the others find theirs already committed when they get the lock in turn.
Nothing is answered before its record is durable, but concurrent requests
share one write lock and one WAL commit instead of queueing on SQLite's lock
one by one, and no thread hand-off is paid when there is no concurrency. A batch
of one is a single INSERT in autocommit mode (its own transaction: one statement
instead of BEGIN, INSERT, COMMIT).
The write lock is taken with a short Python retry instead of SQLite's busy
handler, whose sleeps grow to 100 ms and made the tail latency under load.

A thread that answers several requests in a row (the mock worker's event
loop) can hold its inserts instead (`holding()`) and commit them together
with `flush()` before it sends any of their answers: one transaction, one
write lock and a few shared WAL pages for all of them instead of ~5 pages and
a lock round each (bench_mocks: the record cost ~0.13 ms a request under load
with two workers writing the same file).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

LOCK_WAIT = 30.0
"""Seconds a batch may wait for the write lock held by another process before failing."""
RETRY_SLEEP = 0.0002


@dataclass
class _Pending:
    sql: str
    params: Sequence[Any]
    done: bool = False
    rowid: int | None = None
    error: BaseException | None = None


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def begin_immediate(conn: sqlite3.Connection, wait: float = LOCK_WAIT) -> None:
    """BEGIN IMMEDIATE, retried every RETRY_SLEEP while another connection holds the write lock."""
    deadline = time.monotonic() + wait
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(RETRY_SLEEP)


class GroupCommit:
    """Leader/follower group commit of inserts (see the module docstring); fork-safe."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._open = connect
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._queue_lock = threading.Lock()
        self._commit_lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._conn: sqlite3.Connection | None = None
        self._held: list[_Pending] = []
        self._holding = threading.local()

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Inserts this thread makes meanwhile are held for flush() instead of committed (module docstring)."""
        if self._pid != os.getpid():
            self._reset()
        before = getattr(self._holding, "on", False)
        self._holding.on = True
        try:
            yield
        finally:
            self._holding.on = before  # nested holds keep the outer one's

    def flush(self, timeout: float = LOCK_WAIT + 30) -> BaseException | None:
        """Commit every held insert in one transaction; the error when they could not be (then none is)."""
        if self._pid != os.getpid():
            self._reset()
        held, self._held = self._held, []
        if not held:
            return None
        if not self._commit_lock.acquire(timeout=timeout):
            return TimeoutError("the exchange store did not commit in time")
        try:
            self._commit(held)
        except Exception as exc:  # the connection could not even be opened: nothing was committed
            return exc
        finally:
            self._commit_lock.release()
        return next((item.error for item in held if item.error is not None), None)

    def insert(self, sql: str, params: Sequence[Any], timeout: float = LOCK_WAIT + 30) -> int | None:
        """Insert one row; returns its rowid once the transaction holding it is committed.

        Inside holding() the row is only queued for flush(): None is returned.
        """
        if self._pid != os.getpid():  # a forked child inherits neither the connection nor the locks' state
            self._reset()
        item = _Pending(sql, params)
        if getattr(self._holding, "on", False):
            self._held.append(item)
            return None
        with self._queue_lock:
            self._queue.append(item)
        if not self._commit_lock.acquire(timeout=timeout):
            raise TimeoutError("the exchange store did not commit in time")
        try:
            if not item.done:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._commit(batch)
        finally:
            self._commit_lock.release()
        if item.error is not None:
            raise item.error
        assert item.rowid is not None
        return item.rowid

    def _commit(self, batch: list[_Pending]) -> None:
        """Commit `batch` in one transaction (the caller holds the commit lock)."""
        if self._conn is None:
            self._conn = self._open()
            self._conn.execute("PRAGMA busy_timeout=0")  # waiting is begin_immediate's job
        conn = self._conn
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                self._transaction(conn, batch, deadline)
                break
            except sqlite3.OperationalError as exc:
                if _busy(exc) and time.monotonic() < deadline:
                    time.sleep(RETRY_SLEEP)  # busy_timeout is 0: a COMMIT meeting a checkpoint is retried here
                    continue
                self._fail(batch, exc)
                break
            except BaseException as exc:  # every waiter learns the batch failed; none is answered as recorded
                self._fail(batch, exc)
                break
        for item in batch:
            item.done = True

    @staticmethod
    def _transaction(conn: sqlite3.Connection, batch: list[_Pending], deadline: float) -> None:
        if len(batch) == 1:  # one statement in autocommit mode: its own transaction, committed when it returns
            item = batch[0]
            item.rowid = conn.execute(item.sql, item.params).lastrowid  # busy: nothing written, _commit retries
            return
        begin_immediate(conn, max(0.0, deadline - time.monotonic()))
        try:
            for item in batch:
                item.rowid = conn.execute(item.sql, item.params).lastrowid
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):  # a failed ROLLBACK leaves SQLite's own clean-up
                    conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _fail(batch: list[_Pending], exc: BaseException) -> None:
        for item in batch:
            item.error, item.rowid = exc, None
