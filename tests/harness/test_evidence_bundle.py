"""The evidence bundle's content (format 2): keyed by proof ID, every exchange, documents once, ISO times."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from segur_harness.catalogue import load_catalogue
from segur_harness.evidence import verify_evidence
from segur_harness.requirement_verdicts import requirement_verdict, scenario_status
from segur_harness.run_metadata import data_file_hashes, source_commit
from tests.harness.evidence_helpers import PRODUCED, RECEIVED, FakeEngine, build_bundle, catalogue

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$")


@pytest.fixture
def bundle(tmp_path: Path) -> zipfile.ZipFile:
    with zipfile.ZipFile(build_bundle(tmp_path)) as archive:
        yield archive


def read(archive: zipfile.ZipFile, name: str) -> dict:
    return json.loads(archive.read(name))


def test_bundle_is_intact_and_its_manifest_lists_every_file(tmp_path: Path):
    target = build_bundle(tmp_path)
    assert verify_evidence(target) == []
    with zipfile.ZipFile(target) as archive:
        manifest = read(archive, "manifest.json")
        assert manifest["format"] == "segur-harness-evidence" and manifest["format_version"] == 2
        listed = {f["path"] for f in manifest["files"]}
        assert listed == set(archive.namelist()) - {"manifest.json", "manifest.sha256"}
        assert archive.read("manifest.sha256").decode().endswith("  manifest.json\n")


def test_every_proof_has_a_file_naming_its_scenario_verdict_and_evidence(bundle: zipfile.ZipFile):
    proof = read(bundle, "proofs/INS_va1.41.01.01.json")
    assert proof["proof_id"] == "INS/va1.41.01.01" and proof["status"] == "passed" and proof["label"] == "Conforme"
    assert proof["scenario"] == {"id": "INS/va1.41.01", "title": "Clé correcte acceptée", "status": "passed",
                                 "path": "scenarios/INS_va1.41.01/scenario.json"}  # fmt: skip
    assert proof["requirement"]["id"] == "INS/va1.41" and proof["requirement"]["verdict"] == "failed"
    evidence = proof["evidence"]
    assert evidence["exchanges"] == ["scenarios/INS_va1.41.01/exchanges/001-insi-rechercherInsAvecTraitsIdentite"]
    assert "scenarios/INS_va1.41.01/adapter/002-POST-identities.json" in evidence["adapter"]
    for path in evidence["exchanges"]:
        assert {f"{path}/request.xml", f"{path}/response.xml", f"{path}/exchange.json"} <= set(bundle.namelist())
    for path in evidence["adapter"] + [d["path"] for d in evidence["documents"]]:
        assert path in bundle.namelist()
    not_run = read(bundle, "proofs/INS_va1.41.02.01.json")
    assert not_run["status"] == "failed" and not_run["label"] == "Non conforme"


def test_requirement_verdicts_follow_their_scenarios(bundle: zipfile.ZipFile):
    index = read(bundle, "requirements.json")
    verdicts = {r["id"]: r["verdict"] for r in index["requirements"]}
    assert verdicts == {"INS/va1.41": "failed", "DOC.01": "passed", "MSS/CONF.01": "broken", "DMP/CONF.01": "not-run"}
    assert index["catalogue_version"] == "test.1" and index["verdicts"]["failed"] == 1
    req = next(r for r in index["requirements"] if r["id"] == "INS/va1.41")
    assert req["enonce"] and req["criticite"] == "MAJOR" and req["couloirs"] == ["DPI"]
    assert [p["path"] for s in req["scenarios"] for p in s["proofs"]] == [
        "proofs/INS_va1.41.01.01.json", "proofs/INS_va1.41.01.02.json", "proofs/INS_va1.41.02.01.json"]


def test_every_exchange_is_kept_mss_psc_dmp_and_unscoped(bundle: zipfile.ZipFile):
    names = bundle.namelist()
    for prefix in ("scenarios/MSS_CONF.01.01/exchanges/001-psc-token/request.txt",
                   "scenarios/MSS_CONF.01.01/exchanges/002-mss-smtp-message/request.txt",
                   "scenarios/MSS_CONF.01.01/exchanges/003-mss-imap-session/response.txt",
                   "scenarios/DMP_CONF.01.01/exchanges/001-dmp-TD0.2/request.xml",
                   "scenarios/_hors_scenario/exchanges/001-insi-rechercherInsAvecTraitsIdentite/request.xml"):
        assert prefix in names, prefix  # fmt: skip
    exchange = read(bundle, "scenarios/MSS_CONF.01.01/exchanges/002-mss-smtp-message/exchange.json")
    assert ISO.match(exchange["started_at"]) and ISO.match(exchange["ended_at"]) and exchange["duration_ms"] == 250.0
    assert exchange["findings"] == [{"severity": "info", "rule": "X-1", "message": "vu", "location": ""}]


def test_steps_with_verdicts_and_adapter_calls_come_from_the_allure_results(bundle: zipfile.ZipFile):
    scenario = read(bundle, "scenarios/INS_va1.41.01/scenario.json")
    assert scenario["status"] == "passed" and scenario["requirement_id"] == "INS/va1.41"
    assert scenario["proof_ids"] == ["INS/va1.41.01.01", "INS/va1.41.01.02"]
    steps = scenario["allure"][0]["steps"]
    names = [s["name"] for s in steps]
    assert names == ["(avant les étapes)", "Quand l'opérateur recherche", "Alors le SUT reçoit un document"]
    assert all(s["status"] in (None, "passed") and (s["start"] is None or ISO.match(s["start"])) for s in steps)
    attachments = steps[1]["attachments"]
    assert attachments[0] == {"name": "adapter POST /identities (HTTP 201)",
                              "path": "scenarios/INS_va1.41.01/adapter/002-POST-identities.json"}  # fmt: skip
    assert attachments[1] == {"name": "insi mock: 1 exchange(s) recorded"}  # the mock's copy is not duplicated
    failed = read(bundle, "scenarios/INS_va1.41.02/scenario.json")
    assert failed["allure"][0]["steps"][1]["message"] == "le SUT a accepté une clé erronée"
    assert failed["runs"][0]["messages"] == ["call: AssertionError: le SUT a accepté une clé erronée"]


def test_documents_are_stored_once_and_referenced_by_path(bundle: zipfile.ZipFile):
    names = bundle.namelist()
    received = [n for n in names if n.startswith("scenarios/INS_va1.41.01/documents/") and n.endswith(".xml")]
    assert received == ["scenarios/INS_va1.41.01/documents/001-recu/document.xml"]  # received twice, kept once
    assert bundle.read(received[0]) == RECEIVED
    call = read(bundle, "scenarios/INS_va1.41.01/adapter/003-POST-received-documents.json")
    assert call["call"]["request"]["cda_base64"]["$document"] == received[0]
    second = bundle.read("scenarios/INS_va1.41.01/adapter/004-POST-received-documents.json").decode()
    assert "PENsaW5pY2Fs" not in second  # base64 of "<Clinical": the body is not repeated
    produced = "scenarios/DOC.01.01/documents/001-produit/document.xml"
    assert bundle.read(produced) == PRODUCED
    assert not [n for n in names if n.startswith("scenarios/DOC.01.01/exchanges/")]  # the document is not kept twice
    assert read(bundle, "scenarios/DOC.01.01/documents/001-produit/exchange-1.json")["service"] == "sut"


def test_each_document_has_its_validation_report_with_rule_versions(bundle: zipfile.ZipFile):
    validation = read(bundle, "scenarios/DOC.01.01/documents/001-produit/validation.json")
    assert validation["verdict"] == "valid" and validation["errors"] == []
    assert validation["engine"]["pack_commit"] == "abc123"
    assert validation["report"]["layers"][0]["rules_version"] == {"harness_header_rules": "2025.11-1"}


def test_an_invalid_document_records_its_error_rules(tmp_path: Path):
    with zipfile.ZipFile(build_bundle(tmp_path, engine=FakeEngine(fail_on=b"4.5.6"))) as archive:
        validation = read(archive, "scenarios/INS_va1.41.01/documents/001-recu/validation.json")
    assert validation["verdict"] == "invalid" and validation["errors"] == ["CISIS-HDR-001"]


def test_bundle_summary_and_metadata_use_iso_times(bundle: zipfile.ZipFile):
    summary = read(bundle, "summary.json")
    assert ISO.match(summary["started_at"]) and ISO.match(summary["ended_at"])
    assert read(bundle, "metadata.json")["bundle_format_version"] == 2


def test_run_metadata_hashes_every_data_file_that_decides_a_verdict():
    hashes = data_file_hashes()
    for path in ("fixtures/catalogue/catalogue.toml", "fixtures/ins/oids.toml", "fixtures/insi/errors.toml",
                 "harness/validation/header_rules.toml", "harness/validation/valuesets.toml"):
        assert re.fullmatch(r"[0-9a-f]{64}", hashes[path]), path  # fmt: skip
    assert any(p.startswith("features/") and p.endswith(".feature") for p in hashes)
    assert not any(p.endswith(".py") for p in hashes)
    commit = source_commit()
    assert commit is None or re.fullmatch(r"[0-9a-f]{40}", commit["commit"])


def test_requirement_verdict_rules(tmp_path: Path):
    req = catalogue(tmp_path).by_id()["INS/va1.41"]
    assert requirement_verdict(req, {"INS/va1.41.01": "passed", "INS/va1.41.02": "passed"}) == "passed"
    assert requirement_verdict(req, {"INS/va1.41.01": "broken", "INS/va1.41.02": "failed"}) == "failed"
    assert requirement_verdict(req, {"INS/va1.41.01": "broken", "INS/va1.41.02": "passed"}) == "broken"
    assert requirement_verdict(req, {"INS/va1.41.01": "passed"}) == "incomplete"
    assert requirement_verdict(req, {"INS/va1.41.01": "skipped"}) == "not-run"
    assert requirement_verdict(req, {}) == "not-run"
    assert scenario_status(["passed", "skipped"]) == "skipped" and scenario_status([]) == "not-run"


def test_the_bundled_catalogue_gives_every_proof_a_file(tmp_path: Path):
    from segur_harness.evidence import write_evidence

    target = tmp_path / "e.zip"
    write_evidence(target, metadata={}, summary={}, exchanges=[], catalogue=load_catalogue(), allure={})
    with zipfile.ZipFile(target) as archive:
        proofs = {n for n in archive.namelist() if n.startswith("proofs/")}
        index = read(archive, "requirements.json")
    expected = {p["path"] for r in index["requirements"] for s in r["scenarios"] for p in s["proofs"]}
    assert proofs == expected and len(proofs) == sum(
        len(s.proofs) for r in load_catalogue().requirements for s in r.scenarios)
    assert {r["verdict"] for r in index["requirements"]} == {"not-run"}


def test_the_cda_of_an_iti41_feed_is_a_bundle_document_linked_both_ways(bundle: zipfile.ZipFile):
    from tests.harness.evidence_helpers import live

    exchange = "scenarios/DMP_CONF.01.01/exchanges/002-dmp-ITI-41"
    record = read(bundle, f"{exchange}/exchange.json")
    [carried] = record["documents"]
    assert carried["path"] == "scenarios/DMP_CONF.01.01/documents/001-produit/document.xml"
    assert carried["via"] == "ITI-41 (MTOM)" and carried["name"] == "Document01"
    assert bundle.read(carried["path"]) == live().fed_cda
    assert read(bundle, carried["validation"])["verdict"] == "valid"
    scenario = read(bundle, "scenarios/DMP_CONF.01.01/scenario.json")
    [document] = scenario["files"]["documents"]
    assert document["origins"] == [{"kind": "produit", "exchange": f"{exchange}/exchange.json",
                                    "via": "ITI-41 (MTOM)", "name": "Document01"}]  # fmt: skip
    proof = read(bundle, "proofs/DMP_CONF.01.01.01.json")
    assert proof["evidence"]["documents"][0]["path"] == carried["path"]


def test_the_cda_of_an_mssante_message_xdm_is_a_bundle_document(bundle: zipfile.ZipFile):
    from tests.harness.evidence_helpers import SENT_BY_MAIL

    exchange = "scenarios/MSS_CONF.01.01/exchanges/004-mss-smtp-SMTP-MESSAGE"
    [carried] = read(bundle, f"{exchange}/exchange.json")["documents"]
    assert carried["via"] == "IHE_XDM.ZIP" and carried["name"] == "IHE_XDM/SUBSET01/DOC0001.XML"
    assert bundle.read(carried["path"]) == SENT_BY_MAIL
    assert carried["path"] == "scenarios/MSS_CONF.01.01/documents/001-produit/document.xml"
    validation = read(bundle, carried["validation"])
    assert validation["verdict"] == "valid" and validation["engine"]["pack_commit"] == "abc123"


def test_a_message_put_in_the_sut_mailbox_gives_a_received_document_and_hostile_archives_none():
    import io

    from segur_harness.evidence_embedded import archive_documents, embedded_documents
    from segur_harness.store import Exchange
    from tests.harness.evidence_helpers import SENT_BY_MAIL, xdm_message

    def delivery(source: str, raw: bytes) -> Exchange:
        return Exchange(service="mss-imap", operation="IMAP-DELIVERY", started_at=0, ended_at=0, request_body=raw,
                        response_body=b"", status=200, request_headers={"source": source})  # fmt: skip

    [found] = embedded_documents(delivery("admin", xdm_message(SENT_BY_MAIL)))
    assert (found.kind, found.data) == ("recu", SENT_BY_MAIL)
    assert embedded_documents(delivery("smtp", xdm_message(SENT_BY_MAIL))) == []  # the SMTP copy holds it already
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../etc/evil.xml", SENT_BY_MAIL)
        archive.writestr("IHE_XDM/SUBSET01/METADATA.XML", b"<not-ebrs/>")
    assert archive_documents(buffer.getvalue()) == [] and archive_documents(b"PK not a zip") == []
    assert embedded_documents(delivery("admin", b"not a MIME message")) == []
