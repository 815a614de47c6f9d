"""`evidence verify --rerun` of the recorded requests: the INSi and DMP mocks judge them again, at their recorded
time, and every verdict that differs from the findings they recorded is named."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from segur_harness.evidence_replay import Replayer, recorded_time
from segur_harness.evidence_requests import compare, in_scope, rerun_requests
from segur_harness.evidence_rerun import rerun
from segur_harness.store import Finding
from tests.harness.evidence_helpers import FakeEngine, build_bundle, live
from tests.harness.test_cli import segur

ITI41 = "scenarios/DMP_CONF.01.01/exchanges/002-dmp-ITI-41"
TD02 = "scenarios/DMP_CONF.01.01/exchanges/001-dmp-TD0.2"
INSI_OK = "scenarios/INS_va1.41.01/exchanges/001-insi-rechercherInsAvecTraitsIdentite"
INSI_REFUSED = "scenarios/INS_va1.41.02/exchanges/001-insi-rechercherInsAvecTraitsIdentite"
MSS = "scenarios/MSS_CONF.01.01/exchanges"
SESSION, IMAP = f"{MSS}/002-mss-smtp-message", f"{MSS}/003-mss-imap-session"
MSS_OK, MSS_DEFECT = f"{MSS}/004-mss-smtp-SMTP-MESSAGE", f"{MSS}/005-mss-smtp-SMTP-MESSAGE"
PSC_TOKEN, PSC_NO_PKCE = f"{MSS}/001-psc-token", f"{MSS}/007-psc-token"


def edit(bundle: Path, target: Path, changes: dict[str, object]) -> Path:
    """A copy of `bundle` with members replaced: bytes, or a function of the old bytes."""
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            change = changes.get(name)
            if change is not None:
                data = change(data) if callable(change) else change
            if change != b"$drop":
                dst.writestr(name, data)
    return target


def with_json(change):  # noqa: ANN001, ANN201 - a small test combinator
    return lambda data: json.dumps(change(json.loads(data))).encode()


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return build_bundle(tmp_path)


def test_the_bundle_carries_what_the_replay_needs(bundle: Path):
    with zipfile.ZipFile(bundle) as archive:
        metadata = json.loads(archive.read("metadata.json"))
        assert archive.read("pki/ca.pem") == live().ca_pem and b"PRIVATE KEY" not in archive.read("pki/ca.pem")
        recorded = json.loads(archive.read(f"{INSI_REFUSED}/exchange.json"))
    assert metadata["mock_settings"]["insi"]["accepted_idam"] == ["TEST-IDAM-0001"]
    assert metadata["mock_settings"]["dmp"]["vihf_versions"] == ["3.0"]
    assert [f["rule"] for f in recorded["findings"] if f["severity"] == "error"] == ["INSI-LPS-IDAM"]


def test_an_untouched_bundle_rejudges_every_insi_and_dmp_request_identically(bundle: Path):
    with zipfile.ZipFile(bundle) as archive:
        result = rerun_requests(archive, json.loads(archive.read("metadata.json")))
    assert result.differences == [] and result.incomplete == [] and result.warnings == []
    assert result.checked == 10 and result.by_service == {"insi": 3, "dmp": 2, "psc": 3, "mss-smtp": 2}
    assert result.skipped == [] and [k.split(" : ")[0] for k in result.kept] == [SESSION, IMAP]


def test_a_changed_insi_request_is_judged_by_the_mock_and_named(bundle: Path, tmp_path: Path):
    tampered = edit(bundle, tmp_path / "t.zip", {
        f"{INSI_OK}/request.xml": lambda d: d.replace(b"<ns:Sexe>M<", b"<ns:Sexe>X<"),
        f"{INSI_REFUSED}/request.xml": lambda d: d.replace(b"IDAM-INCONNU", b"TEST-IDAM-0001"),
    })  # fmt: skip
    result = rerun(tampered, FakeEngine())
    assert f"{INSI_OK} : verdict enregistré valid, rejoué invalid ; erreurs en plus : INSI-REQ-SEXE" \
        in result.differences  # fmt: skip
    assert f"{INSI_REFUSED} : verdict enregistré invalid, rejoué valid ; erreurs en moins : INSI-LPS-IDAM" \
        in result.differences  # fmt: skip


def test_findings_edited_in_exchange_json_are_caught_by_the_replay(bundle: Path, tmp_path: Path):
    hide = with_json(lambda record: {**record, "findings": [f for f in record["findings"] if f["severity"] != "error"]})
    result = rerun(edit(bundle, tmp_path / "t.zip", {f"{INSI_REFUSED}/exchange.json": hide}), FakeEngine())
    assert result.differences == [f"{INSI_REFUSED} : verdict enregistré valid, rejoué invalid ; erreurs en plus : "
                                  "INSI-LPS-IDAM"]  # fmt: skip


def test_a_vihf_changed_after_signing_fails_its_signature_on_rerun(bundle: Path, tmp_path: Path):
    resigned = {f"{ITI41}/request.txt": lambda d: d.replace(b"TESTEUR Camille", b"TESTEUR Dominique")}
    result = rerun(edit(bundle, tmp_path / "t.zip", resigned), FakeEngine())
    assert result.differences == [f"{ITI41} : verdict enregistré valid, rejoué invalid ; erreurs en plus : "
                                  "DMP-VIHF-SIGNATURE"]  # fmt: skip


def test_iti41_metadata_are_judged_again(bundle: Path, tmp_path: Path):
    tampered = edit(bundle, tmp_path / "t.zip", {f"{ITI41}/request.txt": lambda d: d.replace(b"fr-FR", b"en-GB", 1)})
    differences = rerun(tampered, FakeEngine()).differences
    assert differences == [f"{ITI41} : verdict enregistré valid, rejoué invalid ; erreurs en plus : DMP-XDS-029"]


def test_a_vihf_is_judged_at_its_recorded_time_not_now(bundle: Path, tmp_path: Path):
    """Months after the run the VIHF and its signer's certificate have expired: still valid at its time."""
    at = recorded_time(json.loads(zipfile.ZipFile(bundle).read(f"{TD02}/exchange.json")))
    later = with_json(lambda record: {**record, "started_at": (at + timedelta(days=400)).isoformat()})
    result = rerun(edit(bundle, tmp_path / "t.zip", {f"{TD02}/exchange.json": later}), FakeEngine())
    assert result.differences == [f"{TD02} : verdict enregistré valid, rejoué invalid ; erreurs en plus : "
                                  "DMP-VIHF-CERTIFICAT"]  # fmt: skip
    soon = with_json(lambda record: {**record, "started_at": (at + timedelta(hours=2)).isoformat()})
    result = rerun(edit(bundle, tmp_path / "s.zip", {f"{TD02}/exchange.json": soon}), FakeEngine())
    assert result.differences == [f"{TD02} : verdict enregistré valid, rejoué invalid ; erreurs en plus : "
                                  "DMP-VIHF-VALIDITE"]  # fmt: skip


def test_without_the_run_ca_a_warning_says_the_vihf_is_not_verified(tmp_path: Path):
    bundle = build_bundle(tmp_path, without_ca=True)
    result = rerun(bundle, FakeEngine())
    assert result.differences == [] and result.incomplete is None
    assert any("signature des VIHF non vérifiable" in w and "pki/ca.pem" in w for w in result.warnings)
    tampered = edit(bundle, tmp_path / "t.zip", {f"{TD02}/request.xml": lambda d: d.replace(b"TESTEUR Camille", b"X")})
    assert rerun(tampered, FakeEngine()).differences == []  # the VIHF is out of reach, the transport is judged
    broken = edit(bundle, tmp_path / "b.zip", {f"{TD02}/request.xml": lambda d: d.replace(b"<wsa:Action>", b"<x>")})
    assert [d.split(" : ", 1)[0] for d in rerun(broken, FakeEngine()).differences] == [TD02]


def test_injected_answers_and_psc_entries_are_not_replayed():
    replayer = Replayer(None, None)
    try:
        injected = replayer.judge({"service": "insi", "findings": [{"rule": "INSI-INJECTED", "severity": "info"}]},
                                  b"")  # fmt: skip
        psc = replayer.judge({"service": "dmp", "path": "/psc/patients", "findings": []}, b"")
    finally:
        replayer.close()
    assert injected.skipped and "injectée" in injected.skipped
    assert psc.skipped and "Pro Santé Connect" in psc.skipped


def test_scope_leaves_out_what_depends_on_state_or_the_tls_handshake():
    assert not in_scope("insi", "rechercherInsAvecTraitsIdentite", "INSI-TLS-CN", True)
    assert in_scope("insi", "rechercherInsAvecTraitsIdentite", "INSI-XSD", True)
    assert in_scope("dmp", "ITI-41", "DMP-XDS-029", True) and not in_scope("dmp", "ITI-41", "DMP-XDS-009", True)
    assert not in_scope("dmp", "ITI-41", "DMP-CDA-001", True) and not in_scope("dmp", "TD0.2", "DMP-VIHF-BDG", True)
    assert in_scope("dmp", "ITI-41", "DMP-VIHF-RESOURCE", True)
    assert not in_scope("dmp", "ITI-18", "DMP-VIHF-RESOURCE", True)
    assert in_scope("dmp", "ITI-41", "DMP-WSA-ACTION", False) and not in_scope("dmp", "ITI-41", "DMP-VIHF-AUTHN", False)
    recorded = [Finding("error", "DMP-XDS-009", "DMP fermé"), Finding("warning", "DMP-MTOM", "préambule")]
    assert compare("x", "dmp", "ITI-41", recorded, [Finding("warning", "DMP-MTOM", "préambule")], True) is None
    assert compare("x", "dmp", "ITI-41", recorded, [], True) == ("x : verdict enregistré valid, rejoué valid ; "
                                                                 "avertissements en moins : DMP-MTOM")  # fmt: skip


def test_a_replay_without_the_insi_schemas_is_incomplete_not_different(bundle: Path, monkeypatch):
    monkeypatch.setenv("SEGUR_INSI_WSDL_DIR", "/nonexistent")
    monkeypatch.setenv("SEGUR_REFERENCE_DIR", "/nonexistent")
    from segur_harness.mocks.insi import xsd

    xsd._load.cache_clear()
    try:
        recorded_with_xsd = not any(f.rule == "INSI-XSD-INDISPONIBLE" for f in live().insi_ok.findings)
        result = rerun(bundle, FakeEngine())
    finally:
        xsd._load.cache_clear()
    if not recorded_with_xsd:
        pytest.skip("the INSi schemas were not available when the requests were recorded either")
    assert result.differences == [] and result.incomplete and "XSD INSi officielles absentes" in result.incomplete


def requests_only_bundle(target: Path) -> Path:
    """A bundle of INSi and DMP requests without any document (the command then validates no CDA: fast)."""
    from segur_harness.evidence import write_evidence
    from segur_harness.validation import get_engine

    recorded = live()
    write_evidence(target, metadata={"validation_engine": get_engine().info()}, summary={}, allure={},
                   exchanges=[recorded.insi_ok, recorded.insi_refused, recorded.td02],
                   replay=(recorded.settings, recorded.ca_pem))  # fmt: skip
    return target


def test_verify_rerun_names_request_differences_through_the_entry_point(tmp_path: Path):
    bundle = requests_only_bundle(tmp_path / "evidence.zip")
    done = segur("evidence", "verify", "--rerun", str(bundle), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rejeu : 0 document(s) revalidé(s)" in done.stdout and "avertissement" not in done.stdout
    assert "rejeu des requêtes : 3 requête(s) rejugée(s) par le code des simulateurs (dmp 1, insi 2), " \
           "0 non rejouée(s)" in done.stdout  # fmt: skip
    tampered = edit(bundle, tmp_path / "t.zip", {f"{INSI_OK}/request.xml": lambda d: d.replace(b">M<", b">X<")})
    done = segur("evidence", "verify", "--rerun", str(tampered), timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{INSI_OK}/request.xml : modifié (SHA-256 différent de celui du manifeste)" in done.stdout
    assert f"verdict différent : {INSI_OK} : verdict enregistré valid, rejoué invalid ; erreurs en plus : " \
           "INSI-REQ-SEXE" in done.stdout  # fmt: skip
    assert "rejeu des requêtes : 3 requête(s)" in done.stdout and "1 verdict(s) différent(s)" in done.stdout
    assert "verdict : différences trouvées (exit 1)" in done.stdout


def test_the_mss_content_checks_judge_an_edited_message_again(bundle: Path, tmp_path: Path):
    """The real MSSanté content checks: a subject and a Message-ID edited in the recorded messages are named."""
    with zipfile.ZipFile(bundle) as archive:
        recorded = {f["rule"] for f in json.loads(archive.read(f"{MSS_DEFECT}/exchange.json"))["findings"]}
    assert {"MSS-MSG-SUJET", "MSS-MSG-MESSAGE-ID", "MSS-XDM-XDM-013"} <= recorded
    tampered = edit(bundle, tmp_path / "t.zip", {
        f"{MSS_OK}/request.txt": lambda d: d.replace(b"Subject: XDM/1.0/DDM+CR", b"Subject: Compte rendu"),
        f"{MSS_DEFECT}/request.txt": lambda d: d.replace(b"Message-ID: m2-sans-domaine",
                                                         b"Message-ID: <m2@test.mssante.fr>"),
    })  # fmt: skip
    differences = rerun(tampered, FakeEngine()).differences
    assert f"{MSS_OK} : verdict enregistré invalid, rejoué invalid ; erreurs en plus : MSS-MSG-SUJET ; " \
        "avertissements en moins : MSS-MSG-SUJET-FORMAT" in differences  # fmt: skip
    assert f"{MSS_DEFECT} : verdict enregistré invalid, rejoué invalid ; erreurs en moins : MSS-MSG-MESSAGE-ID" \
        in differences  # fmt: skip


def test_a_deleted_mss_finding_is_named(bundle: Path, tmp_path: Path):
    drop = with_json(lambda record: {**record, "findings": [f for f in record["findings"]
                                                            if f["rule"] != "MSS-MSG-SUJET"]})
    result = rerun(edit(bundle, tmp_path / "t.zip", {f"{MSS_DEFECT}/exchange.json": drop}), FakeEngine())
    assert result.differences == [f"{MSS_DEFECT} : verdict enregistré invalid, rejoué invalid ; erreurs en plus : "
                                  "MSS-MSG-SUJET"]  # fmt: skip


def test_psc_token_requests_are_judged_again_pkce_included(bundle: Path, tmp_path: Path):
    """The PSC mock's own authlib grant: a code_verifier removed from a token request is named, and the refusal
    recorded for the one sent without it is found again when its finding is deleted."""
    with zipfile.ZipFile(bundle) as archive:
        form = archive.read(f"{PSC_TOKEN}/request.txt")
    assert b"code_verifier=" in form
    strip = {f"{PSC_TOKEN}/request.txt": lambda d: b"&".join(p for p in d.split(b"&")
                                                              if not p.startswith(b"code_verifier="))}
    hide = {f"{PSC_NO_PKCE}/exchange.json": with_json(lambda record: {**record, "findings": []})}
    result = rerun(edit(bundle, tmp_path / "t.zip", {**strip, **hide}), FakeEngine())
    assert result.differences == [
        f"{PSC_TOKEN} : verdict enregistré valid, rejoué invalid ; erreurs en plus : PSC-INVALID_REQUEST",
        f"{PSC_NO_PKCE} : verdict enregistré valid, rejoué invalid ; erreurs en plus : PSC-INVALID_REQUEST"]


def test_psc_and_mss_scopes():
    from segur_harness.evidence_mss import in_scope as mss
    from segur_harness.evidence_psc import in_scope as psc

    assert mss("MSS-MSG-SUJET") and mss("MSS-XDM-XDM-013") and mss("MSS-MDN-CODE")
    assert not mss("MSS-XDM-CISIS-HDR-002") and not mss("MSS-TLS") and not mss("MSS-MSG-XDM-INDISPONIBLE")
    assert psc("PSC-INVALID_REQUEST") and psc("PSC-INVALID_CLIENT") and not psc("PSC-INVALID_GRANT")
