"""Steps about the CDA documents the SUT produces: validation, INS, identifiers, versions, narrative, PDF."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from lxml import etree
from pytest_bdd import parsers, then, when

from segur_harness.validation import Engine, FileResult, Layer, LayerStatus
from segur_harness.validation.remote import RemoteEngine
from segur_harness.xmlsafe import parse_xml

from . import cda_checks as cda
from .adapter import AdapterClient
from .context import ScenarioContext
from .documents import content_for, record_document
from .evidence import attach_json, attach_xml


@dataclass
class ProducedDocument:
    """A document the SUT produced in this scenario: what the adapter said and the exact bytes."""

    meta: dict[str, Any]
    xml: bytes
    root: etree._Element
    report: FileResult | None = None
    """The validation engine's verdict, made when the document was fetched."""


def documents_of(ctx: ScenarioContext) -> list[ProducedDocument]:
    return ctx.extra.setdefault("documents", [])


def last_document(ctx: ScenarioContext) -> ProducedDocument:
    documents = documents_of(ctx)
    if not documents:
        raise AssertionError("the SUT produced no document in this scenario (missing 'Quand le SUT produit…' step)")
    return documents[-1]


def _fetch(sut: AdapterClient, ctx: ScenarioContext, engine: Engine | RemoteEngine, meta: dict[str, Any],
           request: dict[str, Any]) -> None:
    """Fetch the document's exact bytes, validate them, and keep both as evidence of the scenario."""
    document_id = meta.get("id")
    assert isinstance(document_id, str) and document_id, f"the SUT gave no id for the produced document: {meta}"
    xml = sut.document_cda(document_id)
    name = f"{document_id}-{meta.get('kind')}.xml"
    report = engine.validate_document(xml, name)
    attach_xml(f"document {name}", xml)
    attach_json(f"validation of {name}", report.to_dict())
    record_document(ctx.scenario_id, f"document {meta.get('kind')}", json.dumps(request).encode(), xml, report,
                    f"/adapter/v1/documents/{document_id}/cda")
    try:
        root = parse_xml(xml)
    except Exception as exc:  # noqa: BLE001 - any parse refusal is the SUT's failure, shown plainly
        raise AssertionError(f"the SUT's document {document_id} is not well-formed, safe XML: {exc}") from None
    documents_of(ctx).append(ProducedDocument(meta, xml, root, report))


@when(parsers.parse("le SUT produit un document \"{kind}\" pour cette identité"))
def document_produced(sut: AdapterClient, ctx: ScenarioContext, cda_engine: Engine | RemoteEngine, kind: str) -> None:
    content = content_for(kind)
    meta = sut.produce_document(ctx.require_identity(), kind, content, ctx.user)
    _fetch(sut, ctx, cda_engine, meta, {"kind": kind, "content": content})


@when("l'opérateur corrige ce document")
def document_replaced(sut: AdapterClient, ctx: ScenarioContext, cda_engine: Engine | RemoteEngine) -> None:
    previous = last_document(ctx)
    meta = sut.replace_document(previous.meta["id"], ctx.user)
    _fetch(sut, ctx, cda_engine, meta, {"replace": previous.meta["id"]})


def _report(document: ProducedDocument) -> FileResult:
    assert document.report is not None, "the document was not validated when it was fetched"
    return document.report


@then("le document est valide selon le moteur de validation CI-SIS")
def document_valid(ctx: ScenarioContext) -> None:
    for document in documents_of(ctx):
        report = _report(document)
        schematron = report.layer(Layer.SCHEMATRON)
        if schematron is not None and schematron.status == LayerStatus.NOT_RUN and "no CI-SIS pack" in (
                schematron.reason or ""):
            pytest.skip("volet schematron not run: no CI-SIS pack (set SEGUR_CISIS_PACK or run "
                        "`segur-harness pack install`)")
        errors = [f"{f.rule_id} (ligne {f.line}, {f.xpath}): {f.message}" for f in report.errors]
        assert not errors, (f"document {document.meta.get('id')} ({document.meta.get('kind')}) has "
                            f"{len(errors)} validation error(s):\n- " + "\n- ".join(errors[:15]))


@then(parsers.parse("le document est de niveau \"{level}\" du volet \"{template}\" en version \"{version}\""))
def document_volet(ctx: ScenarioContext, level: str, template: str, version: str) -> None:
    recognised = _report(last_document(ctx)).document
    got = (recognised.get("level"), recognised.get("volet_template"), recognised.get("template_version"))
    assert got == (level, template, version), f"expected a {level} document of volet {template} version {version}, " \
                                              f"the engine recognised {recognised}"


@then(parsers.parse("le document est de niveau \"{level}\""))
def document_level(ctx: ScenarioContext, level: str) -> None:
    recognised = _report(last_document(ctx)).document
    assert recognised.get("level") == level, f"expected a {level} document, the engine recognised {recognised}"


@then(parsers.parse("le type du document est le code LOINC \"{code}\""))
def document_type(ctx: ScenarioContext, code: str) -> None:
    element = last_document(ctx).root.find("hl7:code", cda.NS)
    got = (element.get("code"), element.get("codeSystem")) if element is not None else None
    assert got == (code, cda.LOINC), f"expected document type LOINC {code}, the document says {got}"


def _identity_ins(sut: AdapterClient, ctx: ScenarioContext) -> dict[str, Any]:
    ins = sut.identity(ctx.require_identity()).get("ins")
    assert ins, "the SUT holds no INS for this identity: the scenario's set-up did not qualify it"
    return ins


@then("le patient du document est identifié par l'INS de l'identité")
def document_carries_ins(sut: AdapterClient, ctx: ScenarioContext) -> None:
    ins = _identity_ins(sut, ctx)
    expected = (ins["oid"], ins["matricule"] + ins["key"])
    found = cda.ins_ids(last_document(ctx).root)
    assert found == [expected], (f"expected the patient to be identified by INS {cda.describe(expected)}, "
                                 f"the document's INS identifiers are {[cda.describe(i) for i in found]}")


@then("le patient du document porte les traits de naissance exigés avec l'INS")
def document_ins_traits(sut: AdapterClient, ctx: ScenarioContext) -> None:
    document = last_document(ctx)
    report = _report(document)
    ins_rules = [f"{f.rule_id}: {f.message}" for f in report.findings if f.rule_id.startswith("CISIS-INS")]
    assert not ins_rules, "the INS is sent without the traits it requires:\n- " + "\n- ".join(ins_rules)
    expected = sut.identity(ctx.require_identity())["traits"].get("birth_place_cog")
    got = cda.birthplace_county(document.root)
    assert got == expected, f"birth place (COG) in the document {got!r}, the identity's {expected!r}"


@then("le patient du document n'est pas identifié par un INS")
def document_without_ins(sut: AdapterClient, ctx: ScenarioContext) -> None:
    status = sut.identity(ctx.require_identity())["status"]
    document = last_document(ctx)
    found = cda.ins_ids(document.root)
    assert not found, (f"the document identifies a {status} patient by INS {[cda.describe(i) for i in found]}: "
                       "only a qualified identity may be transmitted with its INS")
    assert cda.patient_ids(document.root), "the document identifies the patient by no identifier at all"


@then("les documents produits ont des identifiants uniques distincts")
def documents_unique_ids(ctx: ScenarioContext) -> None:
    documents = documents_of(ctx)
    assert len(documents) >= 2, "the scenario must produce at least two documents"
    ids = [cda.document_id(d.root) for d in documents]
    assert all(ids), f"a document has no ClinicalDocument/id: {[cda.describe(i) for i in ids]}"
    bad = [cda.describe(i) for i in ids if i and not cda.is_oid(i[0])]
    assert not bad, f"ClinicalDocument/id/@root must be an OID (or UUID OID 2.25…): {bad}"
    assert len(set(ids)) == len(ids), f"two documents share an id: {[cda.describe(i) for i in ids]}"
    set_ids = [cda.set_id(d.root) for d in documents]
    assert len(set(set_ids)) == len(set_ids), "two different documents share a setId (they are not versions)"


@then("la nouvelle version garde le setId, incrémente le numéro de version et remplace la précédente")
def replacement_versioned(ctx: ScenarioContext) -> None:
    documents = documents_of(ctx)
    assert len(documents) >= 2, "the scenario must produce a document and then correct it"
    old, new = documents[-2].root, documents[-1].root
    assert cda.document_id(new) != cda.document_id(old), (
        f"the corrected version reuses the id {cda.describe(cda.document_id(old))}: each version needs a new id")
    assert cda.set_id(new) == cda.set_id(old), (
        f"setId changed from {cda.describe(cda.set_id(old))} to {cda.describe(cda.set_id(new))}: "
        "a corrected version must keep the setId of the document it replaces")
    old_version, new_version = cda.version_number(old), cda.version_number(new)
    assert old_version is not None and new_version == old_version + 1, (
        f"versionNumber went from {old_version} to {new_version}; expected {old_version} + 1")
    parents = cda.replaced_parent_ids(new)
    assert parents == [cda.document_id(old)], (
        f"relatedDocument[@typeCode='RPLC']/parentDocument/id should be {cda.describe(cda.document_id(old))}, "
        f"found {[cda.describe(p) for p in parents]}")


@then("chaque section de chaque document produit a un bloc narratif lisible")
def narrative_present(ctx: ScenarioContext) -> None:
    documents = documents_of(ctx)
    assert documents, "the SUT produced no document in this scenario"
    problems = [f"{d.meta.get('id')} ({d.meta.get('kind')}) {p}" for d in documents
                for p in cda.narrative_problems(d.root)]
    assert not problems, "a reader would not see the whole document:\n- " + "\n- ".join(problems)


@then("le document contient un PDF encodé en base64 lisible")
def pdf_embedded(ctx: ScenarioContext) -> None:
    pdf, problems = cda.embedded_pdf(last_document(ctx).root)
    assert not problems, "the N1 body is not a readable base64 PDF:\n- " + "\n- ".join(problems)
    assert pdf is not None
    attach_json("embedded PDF", {"size": len(pdf), "header": pdf[:8].decode("latin-1")})


@then("chaque résultat du document est codé en LOINC")
def results_in_loinc(ctx: ScenarioContext) -> None:
    document = last_document(ctx)
    results = cda.coded_results(document.root)
    assert results, "the document carries no coded result (observation with a PQ value)"
    not_loinc = [f"{code} ({system}, ligne {line})" for code, system, line in results if system != cda.LOINC]
    assert not not_loinc, "results not coded in LOINC (2.16.840.1.113883.6.1):\n- " + "\n- ".join(not_loinc)
    asked = {r["loinc"] for r in content_for(document.meta["kind"]).get("results", []) if r.get("loinc")}
    coded = {code for code, _system, _line in results}
    assert asked <= coded, f"results asked for but absent from the document: {sorted(asked - coded)}"
