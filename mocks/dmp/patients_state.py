"""Per-patient DMP state (open / closed / absent, authorisations, opposition) shared by every worker.

Lives in the exchange store's SQLite file (table `dmp_patients`) so gunicorn
workers and the XDS handlers agree; every change is one BEGIN IMMEDIATE
transaction. Seeded from fixtures/dmp/patients.toml once per store, and
restored to it by reset().
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from segur_harness.sqlite_file import SqliteFile

from .data import FixturePatient, load_patients

SCHEMA = """
CREATE TABLE IF NOT EXISTS dmp_patients (
    ins TEXT NOT NULL,
    oid TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    opposition_bdg INTEGER NOT NULL DEFAULT 0,
    authorisations TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (ins, oid)
);
CREATE TABLE IF NOT EXISTS dmp_meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
"""
SEEDED_KEY = "patients_seeded"


@dataclass(frozen=True)
class PatientRecord:
    """What the DMP knows of one patient right now."""

    ins: str
    oid: str
    status: str  # OUVERT | FERME
    opposition_bdg: bool
    authorisations: dict[str, str]

    def authorisation(self, structure_id: str | None) -> str:
        return self.authorisations.get(structure_id or "", "NON_EXISTANTE")


class PatientState:
    """Thread- and process-safe access to the `dmp_patients` table."""

    def __init__(self, store_path: str | Path,
                 fixtures: Sequence[FixturePatient] | str | Path | None = None) -> None:
        self.path = Path(store_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fixtures = list(fixtures) if isinstance(fixtures, Sequence) and not isinstance(fixtures, str) \
            else load_patients(fixtures)
        self._db = SqliteFile(self.path)
        self._conn().executescript(SCHEMA)
        with self._transaction() as conn:
            if conn.execute("SELECT 1 FROM dmp_meta WHERE key = ?", (SEEDED_KEY,)).fetchone() is None:
                self._seed(conn)

    def _conn(self) -> sqlite3.Connection:
        return self._db.connection()

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._db.transaction()

    def _seed(self, conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM dmp_patients")
        conn.executemany(
            "INSERT INTO dmp_patients (ins, oid, label, status, opposition_bdg, authorisations) VALUES (?,?,?,?,?,?)",
            [(p.ins, p.oid, p.label, p.status, int(p.opposition_bdg), json.dumps(p.authorisations))
             for p in self.fixtures],
        )
        conn.execute("INSERT OR REPLACE INTO dmp_meta (key, value) VALUES (?, '1')", (SEEDED_KEY,))

    # -- reading ---------------------------------------------------------------
    def record(self, ins: str, oid: str) -> PatientRecord | None:
        row = self._conn().execute(
            "SELECT status, opposition_bdg, authorisations FROM dmp_patients WHERE ins = ? AND oid = ?", (ins, oid)
        ).fetchone()
        if row is None:
            return None
        return PatientRecord(ins, oid, row[0], bool(row[1]), json.loads(row[2]))

    def records_of(self, ins: str) -> list[PatientRecord]:
        """Every DMP held for matricule `ins`, whatever its OID (the admin API's patient lookup)."""
        rows = self._conn().execute("SELECT oid FROM dmp_patients WHERE ins = ? ORDER BY oid", (ins,)).fetchall()
        return [r for r in (self.record(ins, row[0]) for row in rows) if r is not None]

    def dmp_status(self, ins: str, oid: str) -> str:
        """OUVERT, FERME or ABSENT (no DMP was ever created for this INS)."""
        found = self.record(ins, oid)
        return found.status if found else "ABSENT"

    def authorisation(self, ins: str, oid: str, structure_id: str | None) -> str:
        """VALIDE | EXPIREE | INTERDITE | NON_EXISTANTE: the structure's authorisation on this patient's DMP."""
        found = self.record(ins, oid)
        return found.authorisation(structure_id) if found else "NON_EXISTANTE"

    def opposition_bdg(self, ins: str, oid: str) -> bool:
        """Whether the patient opposed access in bris de glace mode."""
        found = self.record(ins, oid)
        return bool(found and found.opposition_bdg)

    # -- changes (TD1.1, TD1.2) ----------------------------------------------------
    def create(self, ins: str, oid: str, structure_id: str | None) -> bool:
        """Open a DMP for an ABSENT patient, the creating structure authorised; False if one exists."""
        with self._transaction() as conn:
            if conn.execute("SELECT 1 FROM dmp_patients WHERE ins = ? AND oid = ?", (ins, oid)).fetchone():
                return False
            auth = {structure_id: "VALIDE"} if structure_id else {}
            conn.execute("INSERT INTO dmp_patients (ins, oid, status, authorisations) VALUES (?,?,?,?)",
                         (ins, oid, "OUVERT", json.dumps(auth)))
        return True

    def set_status(self, ins: str, oid: str, expected: str, new: str) -> bool:
        """Move a DMP from `expected` to `new` (reactivate: FERME -> OUVERT, close: OUVERT -> FERME)."""
        with self._transaction() as conn:
            cur = conn.execute("UPDATE dmp_patients SET status = ? WHERE ins = ? AND oid = ? AND status = ?",
                               (new, ins, oid, expected))
            return cur.rowcount == 1

    def reset(self) -> None:
        """Back to the fixture patients exactly."""
        with self._transaction() as conn:
            self._seed(conn)
