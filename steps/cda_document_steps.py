"""Steps about the CDA documents the SUT produces: validation, INS, identifiers, versions, narrative, PDF."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from lxml import etree
from pytest_bdd import parsers, then, when

from segur_harness.errors import HarnessError
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
        raise HarnessError("problème du banc de test : le logiciel n'a produit aucun document dans ce scénario "
                             "(étape « Quand le SUT produit… » manquante)")
    return documents[-1]


def _fetch(sut: AdapterClient, ctx: ScenarioContext, engine: Engine | RemoteEngine, meta: dict[str, Any],
           request: dict[str, Any]) -> None:
    """Fetch the document's exact bytes, validate them, and keep both as evidence of the scenario."""
    document_id = meta.get("id")
    assert isinstance(document_id, str) and document_id, (
        f"le logiciel n'a pas donné d'identifiant pour le document produit : {meta}")
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
        raise AssertionError(f"le document {document_id} produit par le logiciel n'est pas un XML bien formé et sûr : "
                             f"{exc}") from None
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
    if document.report is None:
        raise HarnessError("problème du banc de test : le document n'a pas été validé à sa récupération")
    return document.report


@then("le document est valide selon le moteur de validation CI-SIS")
def document_valid(ctx: ScenarioContext) -> None:
    for document in documents_of(ctx):
        report = _report(document)
        schematron = report.layer(Layer.SCHEMATRON)
        if schematron is not None and schematron.status == LayerStatus.NOT_RUN and "no CI-SIS pack" in (
                schematron.reason or ""):
            pytest.skip("volet schematron non exécuté : pas de paquet CI-SIS (définir SEGUR_CISIS_PACK ou lancer "
                        "`segur-harness pack install`)")
        errors = [f"{f.rule_id} (ligne {f.line}, {f.xpath}): {f.message}" for f in report.errors]
        assert not errors, (
            f"le document {document.meta.get('id')} ({document.meta.get('kind')}) produit par le logiciel a "
            f"{len(errors)} erreur(s) de validation CI-SIS :\n- " + "\n- ".join(errors[:15]))


@then(parsers.parse("le document est de niveau \"{level}\" du volet \"{template}\" en version \"{version}\""))
def document_volet(ctx: ScenarioContext, level: str, template: str, version: str) -> None:
    recognised = _report(last_document(ctx)).document
    got = (recognised.get("level"), recognised.get("volet_template"), recognised.get("template_version"))
    assert got == (level, template, version), (
        f"le document doit être de niveau {level} du volet {template} en version {version}, le moteur de "
        f"validation a reconnu {recognised}")


@then(parsers.parse("le document est de niveau \"{level}\""))
def document_level(ctx: ScenarioContext, level: str) -> None:
    recognised = _report(last_document(ctx)).document
    assert recognised.get("level") == level, (
        f"le document doit être de niveau {level}, le moteur de validation a reconnu {recognised}")


@then(parsers.parse("le type du document est le code LOINC \"{code}\""))
def document_type(ctx: ScenarioContext, code: str) -> None:
    element = last_document(ctx).root.find("hl7:code", cda.NS)
    got = (element.get("code"), element.get("codeSystem")) if element is not None else None
    assert got == (code, cda.LOINC), f"le type du document doit être le code LOINC {code}, le document indique {got}"


def _identity_ins(sut: AdapterClient, ctx: ScenarioContext) -> dict[str, Any]:
    ins = sut.identity(ctx.require_identity()).get("ins")
    assert ins, (
        "mise en place du scénario : le logiciel ne détient aucun INS pour cette identité, la mise en place ne "
        "l'a pas qualifiée")
    return ins


@then("le patient du document est identifié par l'INS de l'identité")
def document_carries_ins(sut: AdapterClient, ctx: ScenarioContext) -> None:
    ins = _identity_ins(sut, ctx)
    expected = (ins["oid"], ins["matricule"] + ins["key"])
    found = cda.ins_ids(last_document(ctx).root)
    assert found == [expected], (
        f"le patient doit être identifié par l'INS {cda.describe(expected)}, les identifiants INS du document "
        f"sont {[cda.describe(i) for i in found]}")


@then("le patient du document porte les traits de naissance exigés avec l'INS")
def document_ins_traits(sut: AdapterClient, ctx: ScenarioContext) -> None:
    document = last_document(ctx)
    report = _report(document)
    ins_rules = [f"{f.rule_id}: {f.message}" for f in report.findings if f.rule_id.startswith("CISIS-INS")]
    assert not ins_rules, "l'INS est transmis sans les traits qu'il exige :\n- " + "\n- ".join(ins_rules)
    expected = sut.identity(ctx.require_identity())["traits"].get("birth_place_cog")
    got = cda.birthplace_county(document.root)
    assert got == expected, (
        f"lieu de naissance (COG) dans le document {got!r}, celui de l'identité est {expected!r}")


@then("le patient du document n'est pas identifié par un INS")
def document_without_ins(sut: AdapterClient, ctx: ScenarioContext) -> None:
    status = sut.identity(ctx.require_identity())["status"]
    document = last_document(ctx)
    found = cda.ins_ids(document.root)
    assert not found, (
        f"le document identifie un patient au statut {status} par l'INS {[cda.describe(i) for i in found]} : "
        "seule une identité qualifiée peut être transmise avec son INS")
    assert cda.patient_ids(document.root), "le document n'identifie le patient par aucun identifiant"


@then("les documents produits ont des identifiants uniques distincts")
def documents_unique_ids(ctx: ScenarioContext) -> None:
    documents = documents_of(ctx)
    if len(documents) < 2:
        raise HarnessError("problème du banc de test : le scénario doit produire au moins deux documents")
    ids = [cda.document_id(d.root) for d in documents]
    assert all(ids), f"un document n'a pas de ClinicalDocument/id : {[cda.describe(i) for i in ids]}"
    bad = [cda.describe(i) for i in ids if i and not cda.is_oid(i[0])]
    assert not bad, f"ClinicalDocument/id/@root doit être un OID (ou un OID UUID 2.25…) : {bad}"
    assert len(set(ids)) == len(ids), f"deux documents ont le même id : {[cda.describe(i) for i in ids]}"
    set_ids = [cda.set_id(d.root) for d in documents]
    assert len(set(set_ids)) == len(set_ids), (
        "deux documents différents ont le même setId (ce ne sont pas des versions d'un même document)")


@then("la nouvelle version garde le setId, incrémente le numéro de version et remplace la précédente")
def replacement_versioned(ctx: ScenarioContext) -> None:
    documents = documents_of(ctx)
    if len(documents) < 2:
        raise HarnessError("problème du banc de test : le scénario doit produire un document puis le corriger")
    old, new = documents[-2].root, documents[-1].root
    assert cda.document_id(new) != cda.document_id(old), (
        f"la version corrigée reprend l'id {cda.describe(cda.document_id(old))} : chaque version doit avoir un "
        "nouvel id")
    assert cda.set_id(new) == cda.set_id(old), (
        f"le setId est passé de {cda.describe(cda.set_id(old))} à {cda.describe(cda.set_id(new))} : "
        "une version corrigée doit garder le setId du document qu'elle remplace")
    old_version, new_version = cda.version_number(old), cda.version_number(new)
    assert old_version is not None and new_version == old_version + 1, (
        f"versionNumber est passé de {old_version} à {new_version} ; {old_version} + 1 attendu")
    parents = cda.replaced_parent_ids(new)
    assert parents == [cda.document_id(old)], (
        f"relatedDocument[@typeCode='RPLC']/parentDocument/id doit valoir {cda.describe(cda.document_id(old))}, "
        f"le document porte {[cda.describe(p) for p in parents]}")


@then("chaque section de chaque document produit a un bloc narratif lisible")
def narrative_present(ctx: ScenarioContext) -> None:
    documents = documents_of(ctx)
    assert documents, "le logiciel n'a produit aucun document dans ce scénario"
    problems = [f"{d.meta.get('id')} ({d.meta.get('kind')}) {p}" for d in documents
                for p in cda.narrative_problems(d.root)]
    assert not problems, "un lecteur ne verrait pas tout le document :\n- " + "\n- ".join(problems)


@then("le document contient un PDF encodé en base64 lisible")
def pdf_embedded(ctx: ScenarioContext) -> None:
    pdf, problems = cda.embedded_pdf(last_document(ctx).root)
    assert not problems, "le corps N1 n'est pas un PDF lisible encodé en base64 :\n- " + "\n- ".join(problems)
    assert pdf is not None
    attach_json("embedded PDF", {"size": len(pdf), "header": pdf[:8].decode("latin-1")})


@then("chaque résultat du document est codé en LOINC")
def results_in_loinc(ctx: ScenarioContext) -> None:
    document = last_document(ctx)
    results = cda.coded_results(document.root)
    assert results, "le document ne porte aucun résultat codé (observation avec une valeur PQ)"
    not_loinc = [f"{code} ({system}, ligne {line})" for code, system, line in results if system != cda.LOINC]
    assert not not_loinc, "résultats non codés en LOINC (2.16.840.1.113883.6.1) :\n- " + "\n- ".join(not_loinc)
    asked = {r["loinc"] for r in content_for(document.meta["kind"]).get("results", []) if r.get("loinc")}
    coded = {code for code, _system, _line in results}
    assert asked <= coded, f"résultats demandés mais absents du document : {sorted(asked - coded)}"
