"""StrucMin runs from the pack, its own J07 rule included: the absent value-set file is rebuilt from JDV_J07."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from segur_harness import config
from segur_harness.validation import Engine, Layer, LayerStatus
from segur_harness.validation.pack import open_pack

N1 = Path(__file__).resolve().parents[2] / "fixtures" / "documents" / "received" / "cr-consultation-n1.xml"
J07_RULE = "The value for code SHALL be selected from value set '1.2.250.1.213.1.1.5.471'"


def test_strucmin_runs_whole_on_an_n1_document(engine: Engine) -> None:
    [result] = engine.validate_bytes(N1.read_bytes(), "n1.xml").files
    layer = result.layer(Layer.SCHEMATRON)
    assert layer.status == LayerStatus.RAN and layer.rules_version["schematron"].endswith("StrucMin.sch")
    assert "jeuxDeValeurs/JDV_J07_XdsTypeCode_CISIS.xml" in layer.rules_version["value_sets_rebuilt_from_pack"]
    assert "absent_value_set_files" not in layer.rules_version and layer.incomplete == []
    assert not [f for f in result.findings if f.rule_id.startswith("PACK-DEFECT")]
    assert result.valid and not result.partial


def test_strucmin_own_j07_rule_rejects_a_code_outside_j07(engine: Engine) -> None:
    text = N1.read_text(encoding="utf-8")
    code = re.search(r'<code code="([^"]+)"', text).group(1)
    bad = text.replace(f'<code code="{code}"', '<code code="PAS-DANS-J07"', 1).encode()
    [result] = engine.validate_bytes(bad, "bad-code.xml").files
    strucmin = [f for f in result.errors if f.rule_id.startswith("ASIP-STRUCT-MIN-StrucMin:")]
    assert any(J07_RULE in f.message for f in strucmin), [f.message for f in result.errors]
    assert "CISIS-JDV-001" in {f.rule_id for f in result.errors}  # the harness's own check still agrees


def test_the_rebuilt_value_set_lives_in_the_cache_only(engine: Engine, pack_dir: Path) -> None:
    engine.validate_bytes(N1.read_bytes(), "n1.xml")
    rebuilt = list((engine.cache_root / "schematron" / "valuesets").glob("voc-1.2.250.1.213.1.1.5.471-DYNAMIC-*.xml"))
    assert rebuilt, "rebuilt file not in the cache"
    for folder in (pack_dir, config.CHECKOUT_DIR):
        assert not list(folder.rglob("voc-1.2.250.1.213.1.1.5.471-DYNAMIC*")), folder


def test_a_moved_pack_reuses_the_cache_and_still_finds_the_rebuilt_value_set(engine: Engine, pack_dir: Path,
                                                                              tmp_path: Path) -> None:
    """The compiled StrucMin names the rebuilt file by absolute URI: a pack at another depth (a CI checkout
    elsewhere, same cache) must not follow a path relative to where the pack was when it was compiled."""
    engine.validate_bytes(N1.read_bytes(), "n1.xml")
    moved = tmp_path / "a" / "b" / "c" / "d" / "pack"
    shutil.copytree(pack_dir, moved)
    elsewhere = Engine(open_pack(moved), cache_root=engine.cache_root)
    try:
        [result] = elsewhere.validate_bytes(N1.read_bytes(), "n1.xml").files
        layer = result.layer(Layer.SCHEMATRON)
        assert layer.status == LayerStatus.RAN, layer.reason
        assert result.valid and not result.partial
    finally:
        elsewhere.close()
