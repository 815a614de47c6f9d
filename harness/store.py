"""Durable exchange store shared by every mock process and the runner.

SQLite in WAL mode: each exchange is committed before the mock answers, so a
mock that dies (or a second worker of the same mock) loses nothing already
recorded. Shared state that must be the same in every worker (current
scenario, injected behaviours) lives here too.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .sqlite_file import SqliteFile
from .store_commit import GroupCommit

SCHEMA = """
CREATE TABLE IF NOT EXISTS exchanges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service TEXT NOT NULL,
    operation TEXT NOT NULL,
    scenario_id TEXT,
    peer TEXT,
    started_at REAL NOT NULL,
    ended_at REAL NOT NULL,
    method TEXT,
    path TEXT,
    request_headers TEXT NOT NULL,
    request_body BLOB NOT NULL,
    status INTEGER NOT NULL,
    response_headers TEXT NOT NULL,
    response_body BLOB NOT NULL,
    findings TEXT NOT NULL,
    message_id TEXT
);
CREATE INDEX IF NOT EXISTS exchanges_by_scenario ON exchanges(scenario_id);
CREATE INDEX IF NOT EXISTS exchanges_by_service ON exchanges(service, id);
CREATE TABLE IF NOT EXISTS current_scenario (
    service TEXT PRIMARY KEY,
    scenario_id TEXT
);
CREATE TABLE IF NOT EXISTS behaviours (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service TEXT NOT NULL,
    operation TEXT,
    kind TEXT NOT NULL,
    params TEXT NOT NULL,
    remaining INTEGER
);
"""


@dataclass
class Finding:
    """One validation finding about an incoming message."""

    severity: str  # error | warning | info
    rule: str
    message: str
    location: str = ""


@dataclass
class Exchange:
    """One request/response pair as it crossed the wire."""

    service: str
    operation: str
    started_at: float
    ended_at: float
    request_body: bytes
    response_body: bytes
    status: int
    scenario_id: str | None = None
    peer: str | None = None
    method: str | None = None
    path: str | None = None
    request_headers: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    message_id: str | None = None
    id: int | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def to_json(self, with_bodies: bool = True) -> dict[str, Any]:
        """JSON shape used by the admin API and the evidence bundle."""
        out = asdict(self)
        out["findings"] = [asdict(f) for f in self.findings]
        if with_bodies:
            out["request_body"] = self.request_body.decode("utf-8", "replace")
            out["response_body"] = self.response_body.decode("utf-8", "replace")
        else:
            out.pop("request_body")
            out.pop("response_body")
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Exchange:
        data = dict(data)
        data["findings"] = [Finding(**f) for f in data.get("findings", [])]
        for key in ("request_body", "response_body"):
            value = data.get(key, b"")
            data[key] = value.encode("utf-8") if isinstance(value, str) else value
        return cls(**data)


@dataclass
class Behaviour:
    """A behaviour injected for fault scenarios (delay, fault, outage)."""

    kind: str
    operation: str | None
    params: dict[str, Any]
    remaining: int | None
    id: int | None = None


class Store:
    """Thread-safe, multi-process-safe access to the SQLite exchange store."""

    def __init__(self, path: str | Path, *, group_commit: bool | None = None) -> None:
        """`group_commit` (default: on unless SEGUR_STORE_GROUP_COMMIT=0) batches concurrent records."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = SqliteFile(self.path)
        self._conn().executescript(SCHEMA)  # executescript manages its own transaction
        if group_commit is None:
            group_commit = os.environ.get("SEGUR_STORE_GROUP_COMMIT", "1") != "0"
        self._writer = GroupCommit(self._db.new_connection) if group_commit else None

    def _conn(self) -> sqlite3.Connection:
        return self._db.connection()

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._db.transaction()

    # -- exchanges ---------------------------------------------------------
    _INSERT = (
        "INSERT INTO exchanges (service, operation, scenario_id, peer, started_at, ended_at, method,"
        " path, request_headers, request_body, status, response_headers, response_body, findings,"
        " message_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    )

    def holding(self) -> AbstractContextManager[None]:
        """Records this thread makes meanwhile wait for flush_records() (store_commit: one transaction for many).

        Whoever holds must send none of their answers before flush_records()
        said they are committed. Without group commit, records commit at once.
        """
        return self._writer.holding() if self._writer is not None else contextlib.nullcontext()

    def flush_records(self) -> BaseException | None:
        """Commit the held records together; the error when they could not be (then none of them is)."""
        return self._writer.flush() if self._writer is not None else None

    def record(self, exchange: Exchange) -> int | None:
        """Persist one exchange (committed before return, possibly with others: group commit) and give its id.

        Inside holding(), the exchange is only queued for flush_records() and its id stays None.
        """
        row = (
            exchange.service,
            exchange.operation,
            exchange.scenario_id,
            exchange.peer,
            exchange.started_at,
            exchange.ended_at,
            exchange.method,
            exchange.path,
            json.dumps(exchange.request_headers),
            exchange.request_body,
            exchange.status,
            json.dumps(exchange.response_headers),
            exchange.response_body,
            json.dumps([vars(f) for f in exchange.findings]),  # asdict() is 5x slower
            exchange.message_id,
        )
        if self._writer is not None:
            exchange.id = self._writer.insert(self._INSERT, row)
        else:
            with self._connect() as conn:
                exchange.id = conn.execute(self._INSERT, row).lastrowid
        return exchange.id

    def exchanges(
        self,
        *,
        service: str | None = None,
        scenario_id: str | None = None,
        operation: str | None = None,
        since_id: int = 0,
    ) -> list[Exchange]:
        """Exchanges in arrival order, filtered by whatever is given."""
        sql = "SELECT * FROM exchanges WHERE id > ?"
        args: list[Any] = [since_id]
        for column, value in (("service", service), ("scenario_id", scenario_id), ("operation", operation)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        conn = self._conn()
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute(sql + " ORDER BY id", args).fetchall()
        finally:
            conn.row_factory = None
        return [self._row_to_exchange(row) for row in rows]

    @staticmethod
    def _row_to_exchange(row: sqlite3.Row) -> Exchange:
        return Exchange(
            id=row["id"],
            service=row["service"],
            operation=row["operation"],
            scenario_id=row["scenario_id"],
            peer=row["peer"],
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            method=row["method"],
            path=row["path"],
            request_headers=json.loads(row["request_headers"]),
            request_body=bytes(row["request_body"]),
            status=row["status"],
            response_headers=json.loads(row["response_headers"]),
            response_body=bytes(row["response_body"]),
            findings=[Finding(**f) for f in json.loads(row["findings"])],
            message_id=row["message_id"],
        )

    def count(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM exchanges").fetchone()[0]

    # -- current scenario --------------------------------------------------
    def set_scenario(self, service: str, scenario_id: str | None) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO current_scenario (service, scenario_id) VALUES (?, ?)"
                " ON CONFLICT(service) DO UPDATE SET scenario_id = excluded.scenario_id",
                (service, scenario_id),
            )

    def scenario(self, service: str) -> str | None:
        row = self._conn().execute(
            "SELECT scenario_id FROM current_scenario WHERE service = ?", (service,)
        ).fetchone()
        return row[0] if row else None

    # -- injected behaviours -----------------------------------------------
    def add_behaviour(self, service: str, behaviour: Behaviour) -> int:
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO behaviours (service, operation, kind, params, remaining) VALUES (?,?,?,?,?)",
                (service, behaviour.operation, behaviour.kind, json.dumps(behaviour.params), behaviour.remaining),
            )
            return cur.lastrowid

    def behaviours(self, service: str) -> list[Behaviour]:
        rows = self._conn().execute(
            "SELECT id, operation, kind, params, remaining FROM behaviours WHERE service = ? ORDER BY id",
            (service,),
        ).fetchall()
        return [Behaviour(id=r[0], operation=r[1], kind=r[2], params=json.loads(r[3]), remaining=r[4]) for r in rows]

    _TAKE_SQL = (
        "SELECT id, operation, kind, params, remaining FROM behaviours WHERE service = ?"
        " AND (operation IS NULL OR operation = ?) AND (remaining IS NULL OR remaining > 0)"
        " ORDER BY id LIMIT 1"
    )

    _STATE_SQL = (
        "SELECT (SELECT scenario_id FROM current_scenario WHERE service = ?1),"
        " (SELECT id FROM behaviours WHERE service = ?1 AND (operation IS NULL OR operation = ?2)"
        " AND (remaining IS NULL OR remaining > 0) ORDER BY id LIMIT 1)"
    )

    _SERVICE_STATE_SQL = (
        "SELECT (SELECT scenario_id FROM current_scenario WHERE service = ?1),"
        " EXISTS(SELECT 1 FROM behaviours WHERE service = ?1 AND (remaining IS NULL OR remaining > 0)),"
        " EXISTS(SELECT 1 FROM behaviours WHERE service = ?1 AND kind = 'delay'"
        " AND (remaining IS NULL OR remaining > 0))"
    )

    def service_state(self, service: str) -> tuple[str | None, bool, bool]:
        """(current scenario, some behaviour is set, a delay is among them) of `service`, in one plain read."""
        scenario, live, delay = self._conn().execute(self._SERVICE_STATE_SQL, (service,)).fetchone()
        return scenario, bool(live), bool(delay)

    def scenario_and_behaviour(self, service: str, operation: str) -> tuple[str | None, Behaviour | None]:
        """scenario(service) and take_behaviour(service, operation) with one read when no behaviour applies.

        Every request of a mock needs both: one plain read instead of two; a
        behaviour that applies is then taken under the write lock as
        take_behaviour does (and may be gone by then: another worker took it).
        """
        scenario, behaviour_id = self._conn().execute(self._STATE_SQL, (service, operation)).fetchone()
        return scenario, (None if behaviour_id is None else self._take(service, operation))

    def take_behaviour(self, service: str, operation: str) -> Behaviour | None:
        """The first behaviour that applies to `operation`, consuming one use of it.

        A plain read first: almost every request finds none, and must not take
        the store's write lock for nothing.
        """
        if self._conn().execute(self._TAKE_SQL, (service, operation)).fetchone() is None:
            return None
        return self._take(service, operation)

    def _take(self, service: str, operation: str) -> Behaviour | None:
        """Consume one use of the first behaviour that applies, under the write lock."""
        with self._connect() as conn:
            row = conn.execute(self._TAKE_SQL, (service, operation)).fetchone()
            if row is None:
                return None
            if row[4] is not None:
                conn.execute("UPDATE behaviours SET remaining = remaining - 1 WHERE id = ?", (row[0],))
        return Behaviour(id=row[0], operation=row[1], kind=row[2], params=json.loads(row[3]), remaining=row[4])

    def clear_behaviours(self, service: str) -> None:
        with self._connect() as conn:
            conn.execute("DELETE FROM behaviours WHERE service = ?", (service,))


def now() -> float:
    """Wall-clock timestamp used for exchange times."""
    return time.time()
