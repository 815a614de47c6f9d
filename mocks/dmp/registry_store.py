"""The DMP registry and repository state: SQLite tables dmp_* in the exchange store file.

Every gunicorn worker opens the same file; each request runs in one
`BEGIN IMMEDIATE` transaction (the write lock is taken before anything is
read), so two workers feeding the same patient see each other's documents and
a uniqueId can never be registered twice.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lxml import etree

from segur_harness.sqlite_file import SqliteFile
from segur_harness.xmlsafe import parse_xml_file

from .protocol import DMP_CONFIDENTIALITY_SYSTEM, HAS_MEMBER, IDENTIFIER, SCHEME, STATUS_APPROVED
from .records import Association, Classification, DocumentEntry, SubmissionSet

SCHEMA = """
CREATE TABLE IF NOT EXISTS dmp_documents (
    entry_uuid TEXT PRIMARY KEY,
    lid TEXT NOT NULL,
    version INTEGER NOT NULL,
    unique_id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    status TEXT NOT NULL,
    submission_set TEXT NOT NULL,
    seq INTEGER NOT NULL,
    record TEXT NOT NULL,
    document BLOB
);
CREATE INDEX IF NOT EXISTS dmp_documents_by_patient ON dmp_documents(patient_id, status);
CREATE INDEX IF NOT EXISTS dmp_documents_by_unique_id ON dmp_documents(unique_id);
CREATE INDEX IF NOT EXISTS dmp_documents_by_lid ON dmp_documents(lid);
CREATE TABLE IF NOT EXISTS dmp_submission_sets (
    entry_uuid TEXT PRIMARY KEY,
    unique_id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    status TEXT NOT NULL,
    seq INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dmp_sets_by_patient ON dmp_submission_sets(patient_id);
CREATE TABLE IF NOT EXISTS dmp_associations (
    entry_uuid TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    seq INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dmp_assoc_by_source ON dmp_associations(source);
CREATE INDEX IF NOT EXISTS dmp_assoc_by_target ON dmp_associations(target);
CREATE TABLE IF NOT EXISTS dmp_sequence (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Tx:
    """Reads and writes inside one transaction (see RegistryStore.transaction)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _seq(self) -> int:
        """The next arrival number (one statement: SQLite >= 3.35 returns the upserted value)."""
        return int(self.conn.execute("INSERT INTO dmp_sequence(name, value) VALUES ('seq', 1) "
                                     "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value").fetchone()[0])

    # documents
    def add_document(self, entry: DocumentEntry, data: bytes | None) -> None:
        self.conn.execute(
            "INSERT INTO dmp_documents(entry_uuid, lid, version, unique_id, patient_id, status, submission_set, seq,"
            " record, document) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (entry.entry_uuid, entry.lid, entry.version, entry.unique_id, entry.patient_id, entry.status,
             entry.submission_set, self._seq(), entry.to_json(), data))

    def save_document(self, entry: DocumentEntry) -> None:
        """Rewrite an entry's metadata (status change); the document bytes stay."""
        self.conn.execute("UPDATE dmp_documents SET status = ?, record = ? WHERE entry_uuid = ?",
                          (entry.status, entry.to_json(), entry.entry_uuid))

    def document(self, entry_uuid: str) -> DocumentEntry | None:
        row = self.conn.execute("SELECT record FROM dmp_documents WHERE entry_uuid = ?", (entry_uuid,)).fetchone()
        return DocumentEntry.from_json(row[0]) if row else None

    def documents_by_unique_id(self, unique_id: str) -> list[DocumentEntry]:
        rows = self.conn.execute("SELECT record FROM dmp_documents WHERE unique_id = ? ORDER BY seq", (unique_id,))
        return [DocumentEntry.from_json(r[0]) for r in rows]

    def documents_by_lid(self, lid: str) -> list[DocumentEntry]:
        rows = self.conn.execute("SELECT record FROM dmp_documents WHERE lid = ? ORDER BY version", (lid,))
        return [DocumentEntry.from_json(r[0]) for r in rows]

    def documents_of_patient(self, patient_id: str) -> list[DocumentEntry]:
        rows = self.conn.execute("SELECT record FROM dmp_documents WHERE patient_id = ? ORDER BY seq", (patient_id,))
        return [DocumentEntry.from_json(r[0]) for r in rows]

    def document_bytes(self, entry_uuid: str) -> bytes | None:
        """Bytes of an entry; a metadata-only version (ITI-57) shares those of the first version of its lid."""
        row = self.conn.execute("SELECT document, lid FROM dmp_documents WHERE entry_uuid = ?",
                                (entry_uuid,)).fetchone()
        if row is None:
            return None
        if row[0] is not None:
            return bytes(row[0])
        first = self.conn.execute("SELECT document FROM dmp_documents WHERE lid = ? AND document IS NOT NULL "
                                  "ORDER BY version LIMIT 1", (row[1],)).fetchone()
        return bytes(first[0]) if first else None

    # submission sets
    def add_submission_set(self, sset: SubmissionSet) -> None:
        self.conn.execute("INSERT INTO dmp_submission_sets(entry_uuid, unique_id, patient_id, status, seq, record)"
                          " VALUES (?,?,?,?,?,?)", (sset.entry_uuid, sset.unique_id, sset.patient_id, sset.status,
                                                    self._seq(), sset.to_json()))

    def submission_set(self, entry_uuid: str) -> SubmissionSet | None:
        row = self.conn.execute("SELECT record FROM dmp_submission_sets WHERE entry_uuid = ?",
                                (entry_uuid,)).fetchone()
        return SubmissionSet.from_json(row[0]) if row else None

    def submission_sets_of_patient(self, patient_id: str) -> list[SubmissionSet]:
        rows = self.conn.execute("SELECT record FROM dmp_submission_sets WHERE patient_id = ? ORDER BY seq",
                                 (patient_id,))
        return [SubmissionSet.from_json(r[0]) for r in rows]

    # associations
    def add_association(self, assoc: Association) -> None:
        self.conn.execute("INSERT INTO dmp_associations(entry_uuid, type, source, target, seq, record)"
                          " VALUES (?,?,?,?,?,?)", (assoc.entry_uuid, assoc.type, assoc.source, assoc.target,
                                                    self._seq(), assoc.to_json()))

    def associations_of(self, uuids: list[str]) -> list[Association]:
        """Associations whose source or target is one of `uuids`."""
        out: dict[str, Association] = {}
        for start in range(0, len(uuids), 200):
            chunk = uuids[start:start + 200]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(f"SELECT entry_uuid, record FROM dmp_associations WHERE source IN ({marks}) "
                                     f"OR target IN ({marks}) ORDER BY seq", (*chunk, *chunk))
            for uid, record in rows:
                out[uid] = Association.from_json(record)
        return list(out.values())

    def exists(self, entry_uuid: str) -> bool:
        return self.conn.execute(
            "SELECT EXISTS(SELECT 1 FROM dmp_documents WHERE entry_uuid = ?1) "
            "OR EXISTS(SELECT 1 FROM dmp_submission_sets WHERE entry_uuid = ?1) "
            "OR EXISTS(SELECT 1 FROM dmp_associations WHERE entry_uuid = ?1)",
            (entry_uuid,)).fetchone()[0] == 1

    def clear(self) -> None:
        for table in ("dmp_documents", "dmp_submission_sets", "dmp_associations", "dmp_sequence"):
            self.conn.execute(f"DELETE FROM {table}")


class RegistryStore:
    """Connection per thread to the store file; `transaction()` = one BEGIN IMMEDIATE ... COMMIT."""

    def __init__(self, path: Path, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._db = SqliteFile(self.path, busy_timeout)
        self._conn().executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        return self._db.connection()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._db.transaction() as conn:
            yield Tx(conn)

    def is_empty(self) -> bool:
        return self._conn().execute("SELECT COUNT(*) FROM dmp_documents").fetchone()[0] == 0


def approved(entries: list[DocumentEntry]) -> list[DocumentEntry]:
    return [e for e in entries if e.status == STATUS_APPROVED]


# --- fixture state -------------------------------------------------------------------------------------------

FIXTURES_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "dmp" / "documents.toml"
STATUS_BY_NAME = {
    "approved": STATUS_APPROVED,
    "archived": "urn:asip:ci-sis:2010:StatusType:Archived",
    "deleted": "urn:asip:ci-sis:2010:StatusType:Deleted",
    "deprecated": "urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated",
}


def reset(store: RegistryStore, fixtures: Path = FIXTURES_FILE, *, only_if_empty: bool = False,
          repository: str | None = None) -> bool:
    """Forget every fed document and restore the seeded ones, in one transaction.

    `only_if_empty`: seed a store nobody has used yet (a worker starting while
    another one already serves keeps its state); returns whether it seeded.
    """
    records = seed_records(fixtures, repository)
    with store.transaction() as tx:
        if only_if_empty and tx.conn.execute("SELECT 1 FROM dmp_sequence LIMIT 1").fetchone():
            return False
        tx.clear()
        for sset, entry, data, assoc in records:
            tx.add_submission_set(sset)
            tx.add_document(entry, data)
            tx.add_association(assoc)
    return True


HL7 = "{urn:hl7-org:v3}"
REPO_ROOT = Path(__file__).resolve().parents[2]


def _fixture_cda(template: Path, patient: dict[str, Any], doc: dict[str, Any]) -> bytes:
    """The template CDA with the fixture patient, id, effectiveTime and title substituted."""
    root = parse_xml_file(str(template))
    root.find(f"{HL7}id").attrib.update({"root": doc["unique_id"]})
    root.find(f"{HL7}title").text = doc["title"]
    for path in (f"{HL7}effectiveTime", f"{HL7}author/{HL7}time"):
        root.find(path).set("value", doc["effective_time"])
    for element in root.iter(f"{HL7}low", f"{HL7}high"):
        element.set("value", doc["effective_time"])
    role = root.find(f"{HL7}recordTarget/{HL7}patientRole")
    ins_id = next(i for i in role.findall(f"{HL7}id") if (i.get("root") or "").startswith("1.2.250.1.213.1.4."))
    ins_id.attrib.update({"root": patient["oid"], "extension": patient["ins"]})
    person = role.find(f"{HL7}patient")
    name = person.find(f"{HL7}name")
    for child in list(name):
        name.remove(child)
    etree.SubElement(name, f"{HL7}family", qualifier="BR").text = patient["family"]
    etree.SubElement(name, f"{HL7}given").text = " ".join(patient["given"])
    for given in patient["given"]:
        etree.SubElement(name, f"{HL7}given", qualifier="BR").text = given
    person.find(f"{HL7}administrativeGenderCode").attrib.update(
        {"code": patient["gender"], "displayName": "Féminin" if patient["gender"] == "F" else "Masculin"})
    person.find(f"{HL7}birthTime").set("value", patient["birth_time"])
    person.find(f"{HL7}birthplace/{HL7}place/{HL7}addr/{HL7}county").text = patient["birthplace_county"]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _code(attribute: str, code: str, system: str, display: str) -> Classification:
    return Classification(SCHEME[attribute], code, display, {"codingScheme": [system]})


def _utc(ts: str) -> str:
    from segur_harness.validation.xdm import to_utc

    converted = to_utc(ts)
    return converted[0] if converted else ts[:14]


def seed_records(fixtures: Path = FIXTURES_FILE,
                 repository: str | None = None) -> list[tuple[SubmissionSet, DocumentEntry, bytes, Association]]:
    """(SubmissionSet, DocumentEntry, CDA bytes, HasMember) of every fixture document (in `repository`)."""
    with open(fixtures, "rb") as handle:
        data = tomllib.load(handle)
    patient = data["patient"]
    patient_id = f"{patient['ins']}^^^&{patient['oid']}&ISO^NH"
    out = []
    for doc in data["document"]:
        cda = _fixture_cda(REPO_ROOT / data["template"], patient, doc)
        structure = doc["author_structure"]
        author = Classification(SCHEME["author"], "", "", {
            "authorPerson": ["810000000028^EXPEDITEUR^Alix^^^DR^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS"],
            "authorInstitution": [f"Structure de test^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^{structure}"],
            "authorSpecialty": ["G15_10/SM54^Médecin - Médecine Générale (SM)^1.2.250.1.213.1.1.4.5"],
        })
        codes = [
            _code("classCode", "10", "1.2.250.1.213.1.1.4.1", "Compte rendu"),
            _code("confidentialityCode", "N", "2.16.840.1.113883.5.25", "Normal"),
            *(_code("confidentialityCode", c, DMP_CONFIDENTIALITY_SYSTEM, c) for c in doc["confidentiality"]),
            _code("formatCode", "urn:ihe:iti:xds-sd:pdf:2008", "1.3.6.1.4.1.19376.1.2.3", "PDF"),
            _code("healthcareFacilityTypeCode", "SA07", "1.2.250.1.71.4.2.4", "Cabinet individuel"),
            _code("practiceSettingCode", "AMBULATOIRE", "1.2.250.1.213.1.1.4.9", "Ambulatoire"),
            _code("typeCode", "11488-4", "2.16.840.1.113883.6.1", "Note de consultation"),
        ]
        time = _utc(doc["effective_time"])
        entry = DocumentEntry(
            doc["entry_uuid"], STATUS_BY_NAME[doc["status"]], name=doc["title"],
            slots={"creationTime": [time], "serviceStartTime": [time], "serviceStopTime": [time],
                   "hash": [hashlib.sha1(cda).hexdigest()], "size": [str(len(cda))], "languageCode": ["fr-FR"],
                   "repositoryUniqueId": [repository or data["repository_unique_id"]],
                   "sourcePatientId": [patient_id],
                   "sourcePatientInfo": [f"PID-5|{patient['family']}^{patient['given'][0]}^^^^^L",
                                         f"PID-7|{patient['birth_time']}", f"PID-8|{patient['gender']}"]},
            classifications=[author, *codes],
            identifiers={IDENTIFIER["entryPatientId"]: patient_id, IDENTIFIER["entryUniqueId"]: doc["unique_id"]},
            lid=doc["entry_uuid"], unique_id=doc["unique_id"], patient_id=patient_id,
            submission_set=doc["submission_set_uuid"])
        sset = SubmissionSet(
            doc["submission_set_uuid"], STATUS_APPROVED, slots={"submissionTime": [time]},
            classifications=[Classification(SCHEME["submissionSetAuthor"], "", "", {
                "authorInstitution": author.slots["authorInstitution"]}),
                _code("contentTypeCode", "SA07", "1.2.250.1.71.4.2.4", "Cabinet individuel")],
            identifiers={IDENTIFIER["setPatientId"]: patient_id, IDENTIFIER["setSourceId"]: "1.2.250.1.213.1.1.9.3",
                         IDENTIFIER["setUniqueId"]: doc["unique_id"] + ".1"},
            unique_id=doc["unique_id"] + ".1", patient_id=patient_id, source_id="1.2.250.1.213.1.1.9.3")
        assoc = Association(doc["entry_uuid"].replace("3000", "3200"), HAS_MEMBER, sset.entry_uuid,
                            entry.entry_uuid, STATUS_APPROVED, {"SubmissionSetStatus": ["Original"]})
        out.append((sset, entry, cda, assoc))
    return out
