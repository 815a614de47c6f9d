"""`segur-harness evidence verify [--rerun]` through the entry point: every altered file named, documented exits."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from segur_harness.evidence_rerun import rerun
from tests.harness.evidence_helpers import FakeEngine, build_bundle
from tests.harness.test_cli import assert_one_line_error, segur

DOCUMENT = "scenarios/DOC.01.01/documents/001-produit/document.xml"
EXCHANGE = "scenarios/DMP_CONF.01.01/exchanges/001-dmp-TD0.2/request.xml"


def rewrite(bundle: Path, target: Path, *, change: str | None = None, drop: str | None = None,
            add: tuple[str, bytes] | None = None) -> Path:  # fmt: skip
    """A copy of `bundle` with one byte of member `change` flipped, member `drop` removed or a member added."""
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == drop:
                continue
            if name == change:
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]
            dst.writestr(name, data)
        if add:
            dst.writestr(*add)
    return target


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return build_bundle(tmp_path)


def test_an_untouched_bundle_verifies(bundle: Path):
    done = segur("evidence", "verify", str(bundle))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "intégrité : chaque fichier correspond au manifeste" in done.stdout
    assert "verdict : intact (exit 0)" in done.stdout


@pytest.mark.parametrize("member", ["manifest.json", EXCHANGE, DOCUMENT, "metadata.json", "proofs/DOC.01.01.01.json",
                                    "manifest.sha256"])  # fmt: skip
def test_one_altered_byte_in_any_kind_of_file_is_named(bundle: Path, tmp_path: Path, member: str):
    tampered = rewrite(bundle, tmp_path / "tampered.zip", change=member)
    done = segur("evidence", "verify", str(tampered))
    assert done.returncode == 1, done.stdout + done.stderr
    named = "manifest.json" if member == "manifest.sha256" else member
    assert f"{named} : modifié (" in done.stdout, done.stdout
    assert "verdict : différences trouvées (exit 1)" in done.stdout


def test_added_and_missing_files_are_named(bundle: Path, tmp_path: Path):
    tampered = rewrite(bundle, tmp_path / "t.zip", drop=EXCHANGE, add=("scenarios/extra.xml", b"<x/>"))
    done = segur("evidence", "verify", str(tampered))
    assert done.returncode == 1
    assert f"{EXCHANGE} : manquant (listé dans le manifeste)" in done.stdout
    assert "scenarios/extra.xml : ajouté (absent du manifeste)" in done.stdout


def test_a_byte_flipped_inside_the_zip_itself_is_named(bundle: Path, tmp_path: Path):
    raw = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as archive:
        info = archive.getinfo(DOCUMENT)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    done = segur("evidence", "verify", str(damaged))
    assert done.returncode == 1, done.stdout + done.stderr
    assert DOCUMENT in done.stdout


def test_a_missing_manifest_is_a_difference_not_a_crash(bundle: Path, tmp_path: Path):
    done = segur("evidence", "verify", str(rewrite(bundle, tmp_path / "t.zip", drop="manifest.json")))
    assert done.returncode == 1 and "manifest.json : manquant" in done.stdout


@pytest.mark.parametrize("kind", ["absent", "text", "zip-without-manifest"])
def test_what_is_not_a_bundle_is_a_one_line_usage_error(tmp_path: Path, kind: str):
    target = tmp_path / "x.zip"
    if kind == "text":
        target.write_text("pas une archive", encoding="utf-8")
    elif kind == "zip-without-manifest":
        with zipfile.ZipFile(target, "w") as archive:
            archive.writestr("a.txt", "a")
    assert_one_line_error(segur("evidence", "verify", str(target)), str(target))


def test_rerun_agrees_with_an_untouched_bundle(bundle: Path):
    result = rerun(bundle, FakeEngine())
    assert result.checked == 4 and result.differences == [] and result.warnings == [] and result.incomplete is None
    assert result.requests.checked == 10
    assert result.requests.by_service == {"insi": 3, "dmp": 2, "psc": 3, "mss-smtp": 2}


def test_rerun_reports_every_verdict_that_differs_and_why(tmp_path: Path):
    bundle = build_bundle(tmp_path, engine=FakeEngine(fail_on=b"4.5.6"))  # the received document was judged invalid
    result = rerun(bundle, FakeEngine(header_rules="2026.01-1"))
    assert result.differences == ["scenarios/INS_va1.41.01/documents/001-recu/document.xml : verdict enregistré "
                                  "invalid, rejoué valid ; erreurs en moins : CISIS-HDR-001"]  # fmt: skip
    assert any("harness_header_rules_version : bundle '2025.11-1', harness '2026.01-1'" in w for w in result.warnings)
    assert any("règles de la couche cisis-header différentes du bundle" in w for w in result.warnings)


def test_rerun_without_a_pack_says_it_cannot_judge(bundle: Path):
    engine = FakeEngine()
    engine.pack = None
    result = rerun(bundle, engine)
    assert result.incomplete and "sans pack CI-SIS" in result.incomplete and result.checked == 0
    assert result.requests.checked == 10  # the recorded requests are judged all the same


# -- end to end: one quick run of the reference SUT, then its bundle through every command -------------------------

@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory, pki) -> Path:
    """`run --requirement INS/va1.49 --requirement CDA/INT.01 --junit --sign-key --sign-cert` (6 scenarios,
    received CDA documents)."""
    from segur_harness.processes import free_port

    tmp = tmp_path_factory.mktemp("quick")
    env = {**os.environ, "SEGUR__REPORTS__HTML": "false", "SEGUR__MOCKS__DMP__PKI_DIR": str(tmp / "pki"),
           "SEGUR_STORE": str(tmp / "store.sqlite"),
           **{f"SEGUR__{key}": str(free_port()) for key in (
               "MOCKS__INSI__PORT", "MOCKS__DMP__PORT", "MOCKS__PSC__PORT", "MOCKS__MSS__PORT",
               "MOCKS__MSS__ADMIN_PORT", "MOCKS__MSS__IMAP_PORT", "MOCKS__MSS__IMAP_ADMIN_PORT", "SUT__PORT",
               "VALIDATOR__PORT")}}  # fmt: skip
    out = tmp / "out"
    done = segur("run", "--requirement", "INS/va1.49", "--requirement", "CDA/INT.01", "--out", str(out),
                 "--junit", str(out / "junit.xml"), "--sign-key", str(pki.client_key("DMP-CACHET")),
                 "--sign-cert", str(pki.client_cert("DMP-CACHET")), env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


@pytest.mark.usefixtures("insi_wsdl")
def test_a_real_bundle_verifies_and_reruns_identically(quick_run: Path):
    done = segur("evidence", "verify", "--rerun", str(quick_run / "evidence.zip"), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 verdict(s) différent(s)" in done.stdout and "avertissement" not in done.stdout
    assert "signature : valide, signataire CN=DMP-CACHET" in done.stdout
    with zipfile.ZipFile(quick_run / "evidence.zip") as archive:
        metadata = json.loads(archive.read("metadata.json"))
        index = json.loads(archive.read("requirements.json"))
        names = archive.namelist()
    assert metadata["validation_engine"]["harness_header_rules_version"] and metadata["data_files"]
    assert metadata["sut"]["info"]["product"] and metadata["started_at"].startswith("20")
    verdicts = {r["id"]: r["verdict"] for r in index["requirements"]}
    assert verdicts["INS/va1.49"] == verdicts["CDA/INT.01"] == "passed" and verdicts["DOC.01"] == "not-run"
    for sid in ("CDA_INT.01.01", "CDA_INT.01.02", "CDA_INT.01.03"):  # no mock exchange, but adapter calls and documents
        assert any(n.startswith(f"scenarios/{sid}/adapter/") for n in names), sid
        assert f"scenarios/{sid}/documents/001-recu/validation.json" in names, sid
    assert any(n.startswith("scenarios/INS_va1.49.01/exchanges/") and "-insi-" in n for n in names)


@pytest.mark.usefixtures("insi_wsdl")
def test_a_tampered_document_of_a_real_bundle_is_named_twice(quick_run: Path, tmp_path: Path):
    document = "scenarios/CDA_INT.01.01/documents/001-recu/document.xml"
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(quick_run / "evidence.zip") as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data.replace(b"<ClinicalDocument", b"<ClinicalDocumenT", 1) if name == document
                         else data)  # fmt: skip
    done = segur("evidence", "verify", "--rerun", str(tampered), timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{document} : modifié (SHA-256 différent de celui du manifeste)" in done.stdout
    assert f"verdict différent : {document} : verdict enregistré" in done.stdout


@pytest.mark.usefixtures("insi_wsdl")
def test_the_run_writes_junit_with_one_testcase_per_scenario(quick_run: Path):
    from xml.etree import ElementTree as ET

    root = ET.parse(quick_run / "junit.xml").getroot()
    cases = {case.get("name"): case.get("classname") for case in root.iter("testcase")}
    assert cases == {f"INS/va1.49.0{n}": "INS/va1.49" for n in (1, 2, 3)} | {
        f"CDA/INT.01.0{n}": "CDA/INT.01" for n in (1, 2, 3)}
    assert root.get("tests") == "6" and root.get("failures") == "0" and root.get("errors") == "0"


@pytest.mark.usefixtures("insi_wsdl")
def test_a_real_bundle_exports_to_the_convergence_spreadsheet(quick_run: Path, tmp_path: Path):
    from openpyxl import load_workbook

    target = tmp_path / "preuves.xlsx"
    done = segur("evidence", "export", str(quick_run / "evidence.zip"), "--xlsx", str(target))
    assert done.returncode == 0, done.stdout + done.stderr
    sheet = load_workbook(target, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    row = next(r for r in rows[1:] if r[header.index("N° preuve")] == "CDA/INT.01.01.01")
    assert row[header.index("Statut")] == "Conforme"
    with zipfile.ZipFile(quick_run / "evidence.zip") as archive:
        proof = json.loads(archive.read(row[header.index("Preuve dans le bundle")]))
        assert proof["proof_id"] == "CDA/INT.01.01.01"
        assert all(path in archive.namelist() for path in proof["evidence"]["adapter"])


@pytest.mark.usefixtures("insi_wsdl")
def test_a_real_bundle_carries_what_its_requests_need_and_the_mocks_rejudge_them(quick_run: Path, tmp_path: Path):
    from segur_harness.evidence_requests import rerun_requests

    bundle = quick_run / "evidence.zip"
    with zipfile.ZipFile(bundle) as archive:
        metadata = json.loads(archive.read("metadata.json"))
        assert archive.read("pki/ca.pem").startswith(b"-----BEGIN CERTIFICATE-----")
        result = rerun_requests(archive, metadata)
        requests = sorted(n for n in archive.namelist() if "-insi-" in n and n.endswith("/request.xml"))
    assert metadata["mock_settings"]["insi"]["accepted_idam"] and metadata["mock_settings"]["dmp"]["pki_dir"]
    assert result.differences == [] and result.incomplete == [] and result.warnings == []
    assert result.by_service.get("insi", 0) >= 2 and len(result.skipped) <= 1  # INS/va1.49.03: an injected fault
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data.replace(b"Sexe>", b"Genre>") if name == requests[0] else data)
    with zipfile.ZipFile(tampered) as archive:
        differences = rerun_requests(archive, metadata).differences
    folder = requests[0].rsplit("/", 1)[0]
    assert len(differences) == 1 and differences[0].startswith(f"{folder} : verdict enregistré valid, rejoué invalid")


# -- the editor's signature of the manifest (--sign-key / --sign-cert) ------------------------------------------------

@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory):
    from segur_harness.pki import generate_pki

    return generate_pki(tmp_path_factory.mktemp("pki"), client_cns=("DMP-CACHET",))


@pytest.fixture
def signed(tmp_path: Path, pki) -> Path:
    from segur_harness.evidence_sign import load_signer

    return build_bundle(tmp_path, signer=load_signer(pki.client_key("DMP-CACHET"), pki.client_cert("DMP-CACHET")))


def test_a_signed_bundle_names_its_signer_and_the_trusted_ca(signed: Path, pki):
    done = segur("evidence", "verify", str(signed))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "signature : valide, signataire CN=DMP-CACHET" in done.stdout and "--trust" in done.stdout
    done = segur("evidence", "verify", "--trust", str(pki.ca_cert), str(signed))
    assert done.returncode == 0 and "émis par une autorité de" in done.stdout, done.stdout


def test_an_unsigned_bundle_says_so(bundle: Path):
    assert "signature : aucune (bundle non signé)" in segur("evidence", "verify", str(bundle)).stdout


def test_a_manifest_rewritten_consistently_is_caught_by_the_signature(signed: Path, tmp_path: Path):
    import hashlib

    with zipfile.ZipFile(signed) as src:
        manifest = json.loads(src.read("manifest.json"))
        members = {name: src.read(name) for name in src.namelist()}
    manifest["files"] = [f for f in manifest["files"] if f["path"] != EXCHANGE]  # hide one file, re-hash
    members["manifest.json"] = json.dumps(manifest, indent=1).encode()
    members["manifest.sha256"] = f"{hashlib.sha256(members['manifest.json']).hexdigest()}  manifest.json\n".encode()
    del members[EXCHANGE]
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    done = segur("evidence", "verify", str(forged))
    assert done.returncode == 1, done.stdout
    assert "intégrité : chaque fichier correspond au manifeste" in done.stdout
    assert "signature : la signature est valide mais porte sur un autre manifest.json" in done.stdout


def test_an_altered_signature_or_an_untrusted_signer_fails(signed: Path, tmp_path: Path):
    from segur_harness.pki import generate_pki

    done = segur("evidence", "verify", str(rewrite(signed, tmp_path / "t.zip", change="manifest.sig.xml")))
    assert done.returncode == 1 and "signature : " in done.stdout and "valide," not in done.stdout, done.stdout
    other = generate_pki(tmp_path / "other", client_cns=())
    done = segur("evidence", "verify", "--trust", str(other.ca_cert), str(signed))
    assert done.returncode == 1 and "signature : certificat du signataire non reconnu" in done.stdout, done.stdout


def test_run_refuses_an_unusable_signing_key_before_starting(tmp_path: Path, pki, isolated_env: dict[str, str]):
    out = ["--out", str(tmp_path / "o")]
    assert_one_line_error(segur("run", "--sign-key", str(pki.client_key("DMP-CACHET")), *out, env=isolated_env),
                          "--sign-key and --sign-cert go together")  # fmt: skip
    assert_one_line_error(segur("run", "--sign-key", str(pki.server_key), "--sign-cert",
                                str(pki.client_cert("DMP-CACHET")), *out, env=isolated_env),
                          "does not match the key")  # fmt: skip
    assert not (tmp_path / "o").exists()
