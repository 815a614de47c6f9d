"""The registry state in SQLite: WAL, one transaction per request, concurrent feeds stay consistent, reset."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from dmp_xds_support import SEEDED, SUCCESS, error_codes, feed, find_documents, make_xds, new_entry, unique_ids

from segur_harness.mocks.dmp.records import DocumentEntry
from segur_harness.mocks.dmp.registry_store import RegistryStore, reset, seed_records


def test_tables_live_in_the_exchange_store_file_in_wal_mode(tmp_path: Path) -> None:
    make_xds(tmp_path)
    conn = sqlite3.connect(tmp_path / "exchanges.sqlite")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"dmp_documents", "dmp_submission_sets", "dmp_associations"} <= tables
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT COUNT(*) FROM dmp_documents").fetchone()[0] == 4


def test_seeded_documents_are_consistent_with_their_cda(tmp_path: Path) -> None:
    import hashlib

    from segur_harness.validation import xdm
    from segur_harness.xmlsafe import parse_xml

    for _sset, entry, data, assoc in seed_records():
        assert entry.slot("hash") == hashlib.sha1(data).hexdigest() and entry.slot("size") == str(len(data))
        cda = parse_xml(data)
        meta = xdm.DocumentEntry(entry.entry_uuid, None, entry.unique_id, entry.patient_id,
                                 entry.codes("typeCode")[0], entry.slot("creationTime"), None, None)
        assert list(xdm.consistency_problems(meta, cda, entry.entry_uuid)) == []
        assert assoc.target == entry.entry_uuid
    assert {e.unique_id for _s, e, _d, _a in seed_records()} == set(SEEDED.values())


def test_a_failed_transaction_writes_nothing(tmp_path: Path) -> None:
    store = RegistryStore(tmp_path / "s.sqlite")
    reset(store)
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.clear()
        raise RuntimeError("boom")
    with store.transaction() as tx:
        assert tx.document("urn:uuid:6f1c0a52-5d0e-4b6e-9a3c-0d1e2f300001") is not None


def test_records_round_trip(tmp_path: Path) -> None:
    _sset, entry, _data, _assoc = seed_records()[1]
    again = DocumentEntry.from_json(entry.to_json())
    assert again == entry and again.dmp_confidentiality == {"MASQUE_PS"}


def test_concurrent_feeds_of_one_patient_never_register_a_unique_id_twice(tmp_path: Path) -> None:
    workers = [make_xds(tmp_path), make_xds(tmp_path)]  # two "gunicorn workers" on one store file
    results: list[str] = []
    lock = threading.Lock()

    def worker(number: int) -> None:
        xds = workers[number % 2]
        same = feed(xds, [new_entry(100)])[0]  # every thread feeds the same document
        own = feed(xds, [new_entry(200 + number)])[0]  # and one of its own
        with lock:
            results.append(same.get("status"))
            results.append("own:" + own.get("status"))
            if same.get("status") != SUCCESS:
                assert error_codes(same) == ["XDSDuplicateUniqueIdInRegistry"]

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results.count(SUCCESS) == 1
    assert results.count("own:" + SUCCESS) == 8
    ids = unique_ids(find_documents(workers[0]))
    assert ids.count("1.2.250.1.999.3.100") == 1
    assert {f"1.2.250.1.999.3.{200 + n}" for n in range(8)} <= set(ids)


def test_a_second_worker_does_not_reseed(tmp_path: Path) -> None:
    first = make_xds(tmp_path)
    assert feed(first, [new_entry(1)])[0].get("status") == SUCCESS
    second = make_xds(tmp_path)
    assert "1.2.250.1.999.3.1" in unique_ids(find_documents(second))


def test_every_rule_the_code_uses_is_data_with_a_real_error_code() -> None:
    import re

    from segur_harness.mocks.dmp.responses import xds_rules

    rules = xds_rules()["rules"]
    source = "".join((Path(__file__).resolve().parents[2] / "mocks" / "dmp" / name).read_text()
                     for name in ("xds.py", "metadata.py", "queries.py", "responses.py"))
    used = set(re.findall(r'"(DMP-(?:XDS|CDA|UPD|QRY|RET)-\d{3})"', source))
    assert used and used <= set(rules), used - set(rules)
    codes = {"XDSRegistryMetadataError", "XDSPatientIdDoesNotMatch", "XDSUnknownPatientId",
             "XDSRepositoryMetadataError", "XDSMissingDocument", "XDSMissingDocumentMetadata", "XDSNonIdenticalHash",
             "XDSNonIdenticalSize", "XDSDuplicateUniqueIdInRegistry", "XDSMetadataUpdateError",
             "XDSDocumentUniqueIdError", "XDSRegistryError", "XDSUnknownStoredQuery", "XDSStoredQueryParamNumber",
             "XDSUnknownRepositoryId", "XDSRepositoryError"}
    for rule, spec in rules.items():
        if spec.get("severity", "error") == "error":
            assert spec["code"] in codes, rule
