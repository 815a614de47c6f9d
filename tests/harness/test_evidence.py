import zipfile
from pathlib import Path

from segur_harness.evidence import scenario_folder, verify_evidence, write_evidence
from segur_harness.store import Exchange


def _ex(scenario: str | None, op: str) -> Exchange:
    return Exchange(service="insi", operation=op, started_at=1, ended_at=2, request_body=b"<a/>",
                    response_body=b'{"x": 1}', status=200, scenario_id=scenario)  # fmt: skip


def test_bundle_groups_exchanges_by_scenario_and_hashes_everything(tmp_path: Path):
    bundle = tmp_path / "evidence.zip"
    exchanges = [_ex("INS/va1.41.01", "rechercher"), _ex("INS/va1.41.01", "rechercher"), _ex(None, "x")]
    manifest = write_evidence(bundle, metadata={"m": 1}, summary={"s": 1}, exchanges=exchanges, allure={})
    names = zipfile.ZipFile(bundle).namelist()
    assert "scenarios/INS_va1.41.01/exchanges/002-insi-rechercher/request.xml" in names
    assert "scenarios/INS_va1.41.01/exchanges/001-insi-rechercher/response.json" in names
    assert "scenarios/_hors_scenario/exchanges/001-insi-x/exchange.json" in names
    assert {f["path"] for f in manifest["files"]} == set(names) - {"manifest.json", "manifest.sha256"}
    assert verify_evidence(bundle) == []


def test_tampering_is_detected(tmp_path: Path):
    bundle = tmp_path / "evidence.zip"
    write_evidence(bundle, metadata={}, summary={}, exchanges=[_ex("A.01.01", "op")], allure={})
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, b"<changed/>" if name.endswith("request.xml") else data)
        dst.writestr("extra.txt", b"x")
    problems = verify_evidence(tampered)
    assert any(p.endswith("request.xml : modifié (SHA-256 différent de celui du manifeste)") for p in problems)
    assert "extra.txt : ajouté (absent du manifeste)" in problems


def test_scenario_folder_is_file_system_safe():
    assert scenario_folder("INS/va1.41.01") == "INS_va1.41.01"
    assert scenario_folder("SC.MSS/CONF.01.01") == "SC.MSS_CONF.01.01"
    assert scenario_folder(None) == "_hors_scenario"
