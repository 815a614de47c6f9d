"""One SQLite file shared by every mock worker process and thread: the exchange store and the mocks' state.

A WAL connection per thread (reopened after a fork), and write transactions
taken with BEGIN IMMEDIATE retried in Python (store_commit.begin_immediate),
so a writer never sleeps in SQLite's growing busy back-off.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .store_commit import LOCK_WAIT, begin_immediate


class SqliteFile:
    """Connections and IMMEDIATE transactions on one SQLite file."""

    def __init__(self, path: str | Path, lock_wait: float = LOCK_WAIT) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock_wait = lock_wait
        self._local = threading.local()

    def new_connection(self) -> sqlite3.Connection:
        """WAL with synchronous=NORMAL: a commit is durable against the death of any process (SIGKILL of a
        worker or of the whole mock: the WAL is in the OS page cache); only an OS crash or power cut could
        lose the last commits, which FULL (an fsync per commit) would cost on every exchange to avoid."""
        conn = sqlite3.connect(self.path, timeout=self.lock_wait, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA busy_timeout={int(self.lock_wait * 1000)}")
        return conn

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened once and reused (statements stay prepared in its cache)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = self.new_connection()
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on exit, rolled back on any exception."""
        conn = self.connection()
        begin_immediate(conn, self.lock_wait)
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
