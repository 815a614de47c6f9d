"""Steps about the local identity: creation, identity documents, RNIV status, INS held, export."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from segur_harness.errors import HarnessError

from .adapter import AdapterClient
from .context import ScenarioContext
from .tables import traits_payload


@given(parsers.parse("l'opérateur \"{user}\" est connecté au SUT"))
def operator_logged_in(ctx: ScenarioContext, user: str) -> None:
    ctx.user = user


@given("une identité provisoire saisie dans le SUT avec les traits :")
def identity_created(sut: AdapterClient, ctx: ScenarioContext, datatable: list[list[str]]) -> None:
    created = sut.create_identity(traits_payload(datatable), ctx.user)
    assert created.get("status") == "PROV", (
        f"une identité nouvellement créée doit avoir le statut PROV, le logiciel indique {created.get('status')!r}")
    assert not created.get("ins"), (
        f"une identité nouvellement créée ne doit porter aucun INS, le logiciel indique {created.get('ins')!r}")
    ctx.identity_id = created["id"]


@given(parsers.parse("une pièce d'identité \"{doc_type}\" a été contrôlée pour cette identité"))
@when(parsers.parse("l'opérateur enregistre une pièce d'identité \"{doc_type}\" pour cette identité"))
def document_recorded(sut: AdapterClient, ctx: ScenarioContext, doc_type: str) -> None:
    sut.record_document(ctx.require_identity(), doc_type, ctx.user)


@when("le SUT transmet cette identité")
def identity_exported(sut: AdapterClient, ctx: ScenarioContext) -> None:
    ctx.export = sut.export(ctx.require_identity())


@given(parsers.parse("le statut de l'identité est \"{status}\""))
@then(parsers.parse("le statut de l'identité est \"{status}\""))
def identity_status(sut: AdapterClient, ctx: ScenarioContext, status: str) -> None:
    identity = sut.identity(ctx.require_identity())
    assert identity["status"] == status, (
        f"le statut de l'identité doit être {status}, le logiciel affiche {identity['status']!r} "
        f"(historique : {identity.get('history')})"
    )


@then(parsers.parse("l'identité porte l'INS \"{matricule}\" de clé \"{key}\" et d'OID \"{oid}\""))
def identity_has_ins(sut: AdapterClient, ctx: ScenarioContext, matricule: str, key: str, oid: str) -> None:
    ins = sut.identity(ctx.require_identity()).get("ins")
    assert ins, "le logiciel ne détient aucun INS pour cette identité"
    got = (ins.get("matricule"), ins.get("key"), ins.get("oid"))
    assert got == (matricule, key, oid), f"l'INS attendu est {(matricule, key, oid)}, le logiciel détient {got}"


@then(parsers.parse("l'INS de l'identité est de type \"{kind}\""))
def identity_ins_kind(sut: AdapterClient, ctx: ScenarioContext, kind: str) -> None:
    ins = sut.identity(ctx.require_identity()).get("ins")
    assert ins, "le logiciel ne détient aucun INS pour cette identité"
    assert ins.get("type") == kind, (
        f"l'INS doit être de type {kind}, le logiciel indique le type {ins.get('type')!r} ({ins})")


@then("l'identité ne porte aucun INS")
def identity_without_ins(sut: AdapterClient, ctx: ScenarioContext) -> None:
    ins = sut.identity(ctx.require_identity()).get("ins")
    assert not ins, f"le logiciel détient un INS qu'il aurait dû refuser : {ins}"


@then(parsers.parse("les prénoms de naissance de l'identité sont \"{names}\""))
def identity_first_names(sut: AdapterClient, ctx: ScenarioContext, names: str) -> None:
    traits = sut.identity(ctx.require_identity())["traits"]
    assert traits.get("birth_first_names") == names.split(), (
        f"les prénoms de naissance doivent être {names.split()}, le logiciel détient "
        f"{traits.get('birth_first_names')}"
    )


@then("l'identité transmise ne contient pas d'INS")
def export_without_ins(ctx: ScenarioContext) -> None:
    if ctx.export is None:
        raise HarnessError(
            "problème du banc de test : aucune identité n'a été transmise dans ce scénario "
            "(étape « Quand le SUT transmet cette identité » manquante)")
    assert not ctx.export.get("ins"), (
        f"le logiciel transmet l'INS d'une identité au statut {ctx.export.get('identity_status')!r} "
        f"(seule une identité qualifiée peut être transmise avec son INS) : {ctx.export.get('ins')}"
    )


@then(parsers.parse("l'identité transmise contient l'INS \"{matricule}\" de clé \"{key}\" et d'OID \"{oid}\""))
def export_with_ins(ctx: ScenarioContext, matricule: str, key: str, oid: str) -> None:
    if ctx.export is None:
        raise HarnessError(
            "problème du banc de test : aucune identité n'a été transmise dans ce scénario "
            "(étape « Quand le SUT transmet cette identité » manquante)")
    ins = ctx.export.get("ins")
    assert ins, f"le logiciel ne transmet aucun INS pour une identité au statut {ctx.export.get('identity_status')!r}"
    got = (ins.get("matricule"), ins.get("key"), ins.get("oid"))
    assert got == (matricule, key, oid), (
        f"l'INS transmis doit être {(matricule, key, oid)}, le logiciel transmet {got}")


@then(parsers.parse("l'identité transmise a le statut \"{status}\""))
def export_status(ctx: ScenarioContext, status: str) -> None:
    if ctx.export is None:
        raise HarnessError(
            "problème du banc de test : aucune identité n'a été transmise dans ce scénario "
            "(étape « Quand le SUT transmet cette identité » manquante)")
    assert ctx.export.get("identity_status") == status, (
        f"l'identité transmise doit avoir le statut {status}, le logiciel transmet le statut "
        f"{ctx.export.get('identity_status')!r}"
    )
