"""Routing as ANS routes (its table first), the harness's nearest version otherwise, and the user's choice."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from lxml import etree

from segur_harness.validation import Engine, Layer, LayerStatus
from segur_harness.validation.header_rules import classify
from segur_harness.validation.routing import Route, ans_route
from segur_harness.validation.service import create_app
from tests.validation.test_validation_cli import validate
from tests.validation.validation_helpers import NS, load, to_bytes

BIO = "1.2.250.1.213.1.1.1.55"


def _with_volet(tree: etree._ElementTree, old_root: str, root: str, extension: str | None) -> etree._Element:
    doc = copy.deepcopy(tree.getroot())
    template = doc.find(f"cda:templateId[@root='{old_root}']", NS)
    template.set("root", root)
    if extension is None:
        template.attrib.pop("extension", None)
    else:
        template.set("extension", extension)
    return doc


def test_ans_table_reads_templates_as_ans_does() -> None:
    """Key root.extension, "root." without extension, the last templateId with a key wins."""
    assert ans_route(((BIO, None),)) == (BIO, None, "BIO-CR-BIO_2021.01")
    assert ans_route(((BIO, "2024.01"), ("1.2.250.1.213.1.1.1.29", "2022.01"))) == (
        "1.2.250.1.213.1.1.1.29", "2022.01", "LDL-SES_2022.01")
    assert ans_route((("1.2.250.1.213.1.1.1.1", None), ("1.3.6.1.4.1.19376.1.2.20", None))) is None


def test_template_without_extension_goes_to_the_first_version(engine: Engine, pack_dir: Path) -> None:
    tree = load(pack_dir / "ExemplesCDA" / "BIO-CR-BIO_2024.01_TSH_1.xml")
    [result] = engine.validate_bytes(to_bytes(tree), "tsh.xml").files
    assert result.document["schematron"] == "CI-SIS_BIO-CR-BIO_2021.01.sch"
    assert result.document["route"] == Route.ANS
    assert f"{BIO}. -> BIO-CR-BIO_2021.01" in result.document["route_reason"]
    [info] = [f for f in result.findings if f.rule_id == "CISIS-VOL-003"]
    assert info.severity.value == "info" and "CI-SIS_BIO-CR-BIO_2021.01.sch" in info.message
    assert result.layer(Layer.SCHEMATRON).status == LayerStatus.RAN and not result.partial


def test_unrouted_template_without_extension_takes_the_first_version_with_a_warning(
        engine: Engine, pack_dir: Path) -> None:  # fmt: skip
    tree = load(pack_dir / "ExemplesCDA" / "LDL-SES_2022.01.xml")
    doc = _with_volet(tree, "1.2.250.1.213.1.1.1.29", "1.2.250.1.213.1.1.1.42", None)  # OPH-BRE, 2 versions
    selection = engine.schematron.route(classify(doc))
    assert selection.schematron.name == "CI-SIS_OPH-BRE_2022.01.sch" and selection.route == Route.NEAREST
    assert selection.rule == "CISIS-VOL-002" and selection.incomplete


def test_newer_version_unknown_to_ans_gets_the_nearest_with_a_warning(engine: Engine, pack_dir: Path) -> None:
    tree = load(pack_dir / "ExemplesCDA" / "LDL-SES_2022.01.xml")
    doc = _with_volet(tree, "1.2.250.1.213.1.1.1.29", BIO, "2026.01")
    [result] = engine.validate_bytes(to_bytes(doc), "bio-2026.xml").files
    assert result.document["schematron"] == "CI-SIS_BIO-CR-BIO_2024.01.sch"
    assert result.document["route"] == Route.NEAREST and "2026.01" in result.document["route_reason"]
    [warning] = [f for f in result.findings if f.rule_id == "CISIS-VOL-002"]
    assert warning.severity.value == "warning" and "not the one ANS would give" in warning.message
    layer = result.layer(Layer.SCHEMATRON)
    assert layer.status == LayerStatus.RAN and any("not by ANS" in item for item in layer.incomplete)
    assert result.partial
    assert [f for f in result.errors if f.layer == Layer.SCHEMATRON]  # content findings are shown


def test_ans_route_to_a_schematron_the_pack_lacks(engine: Engine, pack_dir: Path) -> None:
    tree = load(pack_dir / "ExemplesCDA" / "LDL-SES_2022.01.xml")
    doc = _with_volet(tree, "1.2.250.1.213.1.1.1.29", "1.2.250.1.213.1.1.1.29", "2021.01")  # ANS: LDL-SES_2020.01
    selection = engine.schematron.route(classify(doc))
    assert selection.schematron.name == "CI-SIS_LDL-SES_2022.01.sch" and selection.route == Route.NEAREST
    assert selection.rule == "CISIS-VOL-004" and selection.values["ans"] == "LDL-SES_2020.01"


def test_no_route_anywhere_is_strucmin_as_ans(engine: Engine, pack_dir: Path) -> None:
    tree = load(pack_dir / "ExemplesCDA" / "LDL-SES_2022.01.xml")
    doc = _with_volet(tree, "1.2.250.1.213.1.1.1.29", "1.2.250.1.213.1.1.1.99", "2022.01")
    selection = engine.schematron.route(classify(doc))
    assert selection.schematron.name == "ASIP-STRUCT-MIN-StrucMin.sch" and selection.route == Route.ANS_DEFAULT
    assert selection.rule == "CISIS-VOL-001"


def test_user_choice_replaces_the_route(engine: Engine, pack_dir: Path) -> None:
    chosen = engine.resolve_schematron("ldl-ses_2022.01")
    assert chosen is not None and chosen.name == "CI-SIS_LDL-SES_2022.01.sch"
    assert engine.resolve_schematron("CI-SIS_LDL-SES_2022.01.sch") == chosen
    assert engine.resolve_schematron("nope") is None
    data = (pack_dir / "ExemplesCDA" / "LDL-EES_2022.01.xml").read_bytes()
    [result] = engine.validate_bytes(data, "ees.xml", chosen).files
    assert result.document["schematron"] == chosen.name and result.document["route"] == Route.USER
    assert "--schematron" in result.document["route_reason"]


def test_service_reports_the_route_and_takes_a_choice(engine: Engine, pack_dir: Path) -> None:
    client = create_app(engine).test_client()
    data = (pack_dir / "ExemplesCDA" / "LDL-SES_2022.01.xml").read_bytes()
    routed = client.post("/validate?name=a.xml", data=data).get_json()
    assert routed["document"]["route"] == Route.ANS and routed["document"]["route_reason"]
    chosen = client.post("/validate?name=a.xml&schematron=LDL-EES_2022.01", data=data).get_json()
    assert chosen["document"]["schematron"] == "CI-SIS_LDL-EES_2022.01.sch"
    assert chosen["document"]["route"] == Route.USER
    unknown = client.post("/validate?name=a.xml&schematron=nope", data=data)
    assert unknown.status_code == 400 and "nope" in unknown.get_json()["error"]


def test_cli_schematron_choice_list_and_unknown_name(pack_dir: Path) -> None:
    example = str(pack_dir / "ExemplesCDA" / "LDL-SES_2022.01.xml")
    listed = validate("--list-schematrons", "--pack", str(pack_dir))
    assert listed.returncode == 0, listed.stderr
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert "BIO-CR-BIO_2021.01" in names and "StrucMin" in names
    unknown = validate(example, "--schematron", "NOPE_2020.01", "--pack", str(pack_dir))
    assert unknown.returncode == 2 and unknown.stdout == ""
    [line] = unknown.stderr.strip().splitlines()
    assert "--schematron NOPE_2020.01" in line and "--list-schematrons" in line
    chosen = validate(example, "--schematron", "LDL-SES_2022.01", "--format", "json", "--pack", str(pack_dir))
    assert chosen.returncode == 0, chosen.stderr
    document = json.loads(chosen.stdout)["files"][0]["document"]
    assert document["route"] == "user" and document["schematron"] == "CI-SIS_LDL-SES_2022.01.sch"
    text = validate(example, "--pack", str(pack_dir))
    assert "judged by: CI-SIS_LDL-SES_2022.01.sch (route ans-table: ANS's route table" in text.stdout
