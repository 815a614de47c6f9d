"""Pack install (file:// URL, no network), compile cache, and pack-defect handling on a synthetic pack."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from segur_harness.validation import Engine, Layer, LayerStatus
from segur_harness.validation.header_rules import classify
from segur_harness.validation.pack import open_pack
from segur_harness.validation.pack_install import PINNED_COMMIT, installed_pack
from segur_harness.validation.pack_install import main as install_main
from segur_harness.validation.paths import clear_listing_cache
from tests.validation.validation_helpers import MINIMAL_CDA

SCH = """<?xml version="1.0" encoding="UTF-8"?>
<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2" schemaVersion="TEST-VOL_2024.01"
        defaultPhase="all">
  <ns prefix="cda" uri="urn:hl7-org:v3"/>
  <ns prefix="svs" uri="urn:ihe:iti:svs:2008"/>
  <include href="include/Entete/Entete_TEST.sch"/>
  {extra_include}
  <phase id="all"><active pattern="entete"/><active pattern="jdv"/></phase>
  <pattern id="jdv">
    <let name="JDV_ABSENT" value="'../jeuxDeValeurs/JDV_Absent_CISIS.xml'"/>
    <rule context="cda:ClinicalDocument/cda:code">
      <assert test="document($JDV_ABSENT)//svs:Concept[@code = current()/@code]">[jdv] code outside JDV_Absent.</assert>
    </rule>
  </pattern>
</schema>
"""
ENTETE = """<pattern xmlns="http://purl.oclc.org/dsdl/schematron" id="entete">
  <rule context="cda:ClinicalDocument">
    <assert test="cda:templateId[@root='1.2.250.1.213.1.1.1.77']" role="error">[Entete_TEST] no template 77.</assert>
  </rule>
  <rule context="cda:ClinicalDocument/cda:languageCode">
    <assert test="@code = 'fr-FR'">[Entete_TEST] languageCode must be fr-FR.</assert>
    <assert test="cda:title = 'Expected title'" role="warning">[Entete_TEST] unexpected title.</assert>
  </rule>
</pattern>
"""


def _synthetic_pack(real: Path, root: Path, extra_include: str = "") -> Path:
    """A minimal pack: the real ISO skeleton and XSD, one volet schematron with the pack's defects."""
    shutil.copytree(real / "schematrons" / "moteur", root / "schematrons" / "moteur")
    shutil.copytree(real / "infrastructure", root / "infrastructure")
    shutil.copytree(real / "jeuxDeValeurs", root / "jeuxDeValeurs")
    (root / "schematrons" / "CI-SIS_TEST-VOL_2024.01.sch").write_text(SCH.format(extra_include=extra_include))
    entete = root / "schematrons" / "include" / "entete"  # on disk lower case, included as "Entete"
    entete.mkdir(parents=True)
    (entete / "Entete_TEST.sch").write_text(ENTETE)
    (root / "SOURCE.md").write_text("test pack, commit 0123456789abcdef0123456789abcdef01234567\n")
    clear_listing_cache()
    return root


def _doc() -> bytes:
    return (
        MINIMAL_CDA.replace("1.2.250.1.213.1.1.1.29", "1.2.250.1.213.1.1.1.77")
        .replace('extension="2022.01"', 'extension="2024.01"')
        .encode()
    )


def test_case_insensitive_include_absent_value_set_and_cache(pack_dir: Path, tmp_path: Path) -> None:
    pack = open_pack(_synthetic_pack(pack_dir, tmp_path / "pack"))
    cache = tmp_path / "cache"
    engine = Engine(pack, cache_root=cache)
    [result] = engine.validate_bytes(_doc(), "doc.xml").files
    layer = result.layer(Layer.SCHEMATRON)
    assert layer.status == LayerStatus.RAN, layer.reason
    assert layer.rules_version["case_fixed_includes"] == "1"
    assert layer.rules_version["schematron_version"] == "TEST-VOL_2024.01"
    assert result.partial and any("JDV_Absent_CISIS.xml" in item for item in layer.incomplete)
    assert [
        f.message
        for f in result.findings
        if f.layer == Layer.SCHEMATRON and f.severity.value == "warning" and not f.rule_id.startswith(("PACK-DEFECT",
                                                                                                      "CISIS-VOL"))
    ] == ["[Entete_TEST] unexpected title."]
    assert list((cache / "schematron").glob("CI-SIS_TEST-VOL_2024.01-*.xsl"))
    # the absent value set is a pack defect: a visible gap, not an error
    assert not [f for f in result.errors if f.layer == Layer.SCHEMATRON]
    compiled = engine.schematron.compiler.get(pack.schematron_dir / "CI-SIS_TEST-VOL_2024.01.sch")
    assert compiled.from_cache is True  # the Saxon worker that judged the document wrote the disk cache
    warm = Engine(pack, cache_root=cache).schematron.compiler.get(compiled.path)
    assert warm.from_cache and warm.key == compiled.key
    bad = MINIMAL_CDA.replace("1.2.250.1.213.1.1.1.29", "1.2.250.1.213.1.1.1.78").encode()
    routed = engine.schematron.route(classify(etree.fromstring(bad)))
    assert routed.schematron is None and routed.rule == "CISIS-VOL-001"


def test_cache_key_follows_included_content(pack_dir: Path, tmp_path: Path) -> None:
    root = _synthetic_pack(pack_dir, tmp_path / "pack")
    pack = open_pack(root)
    sch = pack.schematron_dir / "CI-SIS_TEST-VOL_2024.01.sch"
    first = Engine(pack, cache_root=tmp_path / "c").schematron.compiler.get(sch)
    (root / "schematrons" / "include" / "entete" / "Entete_TEST.sch").write_text(ENTETE.replace("77", "76"))
    second = Engine(pack, cache_root=tmp_path / "c").schematron.compiler.get(sch)
    assert first.key != second.key and not second.from_cache


def test_missing_include_is_could_not_run(pack_dir: Path, tmp_path: Path) -> None:
    pack = open_pack(_synthetic_pack(pack_dir, tmp_path / "pack", '<include href="include/Nowhere.sch"/>'))
    report = Engine(pack, cache_root=tmp_path / "cache").validate_bytes(_doc(), "doc.xml")
    layer = report.files[0].layer(Layer.SCHEMATRON)
    assert layer.status == LayerStatus.COULD_NOT_RUN
    assert "include/Nowhere.sch" in layer.reason and "CI-SIS_TEST-VOL_2024.01.sch" in layer.reason
    assert report.partial


def test_schematron_error_is_reported_with_line(pack_dir: Path, tmp_path: Path) -> None:
    pack = open_pack(_synthetic_pack(pack_dir, tmp_path / "pack"))
    data = _doc().replace(b'<languageCode code="fr-FR"/>', b'<languageCode code="de-DE"/>')
    report = Engine(pack, cache_root=tmp_path / "cache").validate_bytes(data, "de.xml")
    [finding] = [f for f in report.findings if f.layer == Layer.SCHEMATRON and f.severity.value == "error"]
    assert finding.message == "[Entete_TEST] languageCode must be fr-FR."
    assert finding.xpath == "/ClinicalDocument/languageCode"
    assert finding.line == data.decode().splitlines().index('  <languageCode code="de-DE"/>') + 1
    assert finding.rule_id.startswith("CI-SIS_TEST-VOL_2024.01:")


# --- pack install ------------------------------------------------------------------------------


def _repo_zip(pack_dir: Path, path: Path, evil: bool = False, layout: bool = True) -> Path:
    prefix = f"interop-outil-cda-testcontenucda3.0-outil-validation-documents-cda-{PINNED_COMMIT}/"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if layout:
            for sub in ("schematrons/moteur", "infrastructure/cda", "jeuxDeValeurs"):
                for file in sorted((pack_dir / sub).glob("*.x*"))[:50]:
                    archive.write(file, prefix + f"{sub}/{file.name}")
        archive.writestr(prefix + "OutilJava/tool.jar", b"not kept")
        if evil:
            archive.writestr("../../escape.txt", b"evil")
    path.write_bytes(buffer.getvalue())
    return path


def test_pack_install_from_file_url(
    pack_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SEGUR_CACHE_DIR", str(tmp_path / "cache"))
    archive = _repo_zip(pack_dir, tmp_path / "repo.zip", evil=True)
    assert install_main(["--url", archive.as_uri()]) == 0
    folder = installed_pack()
    assert folder is not None and folder.name == PINNED_COMMIT
    record = json.loads((folder / ".segur-pack.json").read_text())
    assert record["commit"] == PINNED_COMMIT and record["url"] == archive.as_uri()
    assert open_pack(folder).commit() == PINNED_COMMIT
    assert not (folder / "OutilJava").exists() and not (tmp_path / "escape.txt").exists()
    assert "../../escape.txt" in (folder / "REFUSED_MEMBERS.txt").read_text()
    assert "installed" in capsys.readouterr().out


def test_pack_install_rejects_wrong_archive(
    pack_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SEGUR_CACHE_DIR", str(tmp_path / "cache"))
    archive = _repo_zip(pack_dir, tmp_path / "repo.zip", layout=False)
    assert install_main(["--url", archive.as_uri(), "--ref", "abc123"]) == 1
    assert install_main(["--url", (tmp_path / "absent.zip").as_uri(), "--ref", "abc123"]) == 1
    assert install_main(["--ref", "../x"]) == 1
    err = capsys.readouterr().err
    assert "no schematrons/moteur" in err and "cannot download" in err and "Traceback" not in err
    assert installed_pack() is None
