"""PSC mock state: authorization codes, tokens, CIBA requests and sessions in psc_* tables of the store file.

Every gunicorn worker opens the same SQLite file, so a code issued by one
worker is redeemed by another. Single-use items (codes, refresh tokens) are
claimed with one conditional UPDATE, so two concurrent redemptions cannot both win.
Connections are the store file's own (harness/sqlite_file.py: one per thread,
WAL, write transactions retried in Python); a lookup is one plain SELECT,
without taking the write lock (userinfo and introspection are read-only).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from segur_harness.sqlite_file import SqliteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS psc_items (
    kind TEXT NOT NULL,            -- code | access | refresh | ciba | session
    id TEXT NOT NULL,              -- code, jti, sha256(refresh token), auth_req_id, sid
    client_id TEXT NOT NULL,
    sid TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS psc_items_by_sid ON psc_items(sid);
"""


def digest(secret: str) -> str:
    """Refresh tokens are kept hashed: the store file is evidence, not a credential vault."""
    return hashlib.sha256(secret.encode()).hexdigest()


class PscState:
    """Typed access to psc_items (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db = SqliteFile(self.path)
        self._db.connection().executescript(SCHEMA)

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on any exception)."""
        with self._db.transaction() as conn:
            yield conn

    def put(self, kind: str, item_id: str, client_id: str, sid: str, data: dict[str, Any], lifetime: float) -> None:
        with self._conn() as conn:
            conn.execute("INSERT OR REPLACE INTO psc_items(kind, id, client_id, sid, data, expires_at, revoked) "
                         "VALUES (?, ?, ?, ?, ?, ?, 0)",
                         (kind, item_id, client_id, sid, json.dumps(data), time.time() + lifetime))

    def get(self, kind: str, item_id: str) -> dict[str, Any] | None:
        """The item with its bookkeeping (expired, revoked), or None when unknown."""
        row = self._db.connection().execute("SELECT client_id, sid, data, expires_at, revoked FROM psc_items "
                                            "WHERE kind = ? AND id = ?", (kind, item_id)).fetchone()
        if row is None:
            return None
        return {**json.loads(row[2]), "client_id": row[0], "sid": row[1], "expires_at": row[3],
                "revoked": bool(row[4]), "expired": row[3] <= time.time()}

    def claim(self, kind: str, item_id: str) -> dict[str, Any] | None:
        """Revoke a live single-use item and return it; None when unknown, expired or already used."""
        with self._conn() as conn:
            row = conn.execute("UPDATE psc_items SET revoked = 1 WHERE kind = ? AND id = ? AND revoked = 0 "
                               "AND expires_at > ? RETURNING client_id, sid, data, expires_at",
                               (kind, item_id, time.time())).fetchone()
        if row is None:
            return None
        return {**json.loads(row[2]), "client_id": row[0], "sid": row[1], "expires_at": row[3]}

    def update(self, kind: str, item_id: str, data: dict[str, Any]) -> None:
        with self._conn() as conn:
            conn.execute("UPDATE psc_items SET data = ? WHERE kind = ? AND id = ?", (json.dumps(data), kind, item_id))

    def revoke(self, kind: str, item_id: str) -> None:
        with self._conn() as conn:
            conn.execute("UPDATE psc_items SET revoked = 1 WHERE kind = ? AND id = ?", (kind, item_id))

    def revoke_session(self, sid: str) -> int:
        """Revoke every token and code of session `sid` (logout); the count revoked."""
        with self._conn() as conn:
            return conn.execute("UPDATE psc_items SET revoked = 1 WHERE sid = ? AND revoked = 0 "
                                "AND kind IN ('code', 'access', 'refresh', 'session')", (sid,)).rowcount

    def expire_access(self, rpps: str | None) -> int:
        """End now every live access token (of professional `rpps`, or all): the harness's expiry test."""
        with self._conn() as conn:
            return conn.execute("UPDATE psc_items SET expires_at = ? WHERE kind = 'access' AND revoked = 0 "
                                "AND expires_at > ? AND (? IS NULL OR json_extract(data, '$.rpps') = ?)",
                                (time.time() - 1, time.time(), rpps, rpps)).rowcount

    def clear(self) -> None:
        with self._conn() as conn:
            conn.execute("DELETE FROM psc_items")

    def purge_expired(self, grace: float = 3600.0) -> None:
        """Forget items expired for over `grace` seconds (introspection says inactive either way)."""
        with self._conn() as conn:
            conn.execute("DELETE FROM psc_items WHERE expires_at < ?", (time.time() - grace,))
