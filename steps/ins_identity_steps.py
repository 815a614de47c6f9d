"""Steps about the local identity: creation, identity documents, RNIV status, INS held, export."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from .adapter import AdapterClient
from .context import ScenarioContext
from .tables import traits_payload


@given(parsers.parse("l'opérateur \"{user}\" est connecté au SUT"))
def operator_logged_in(ctx: ScenarioContext, user: str) -> None:
    ctx.user = user


@given("une identité provisoire saisie dans le SUT avec les traits :")
def identity_created(sut: AdapterClient, ctx: ScenarioContext, datatable: list[list[str]]) -> None:
    created = sut.create_identity(traits_payload(datatable), ctx.user)
    assert created.get("status") == "PROV", f"a newly created identity must be PROV, SUT says {created.get('status')!r}"
    assert not created.get("ins"), f"a newly created identity must hold no INS, SUT says {created.get('ins')!r}"
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
        f"expected identity status {status}, the SUT shows {identity['status']!r} (history: {identity.get('history')})"
    )


@then(parsers.parse("l'identité porte l'INS \"{matricule}\" de clé \"{key}\" et d'OID \"{oid}\""))
def identity_has_ins(sut: AdapterClient, ctx: ScenarioContext, matricule: str, key: str, oid: str) -> None:
    ins = sut.identity(ctx.require_identity()).get("ins")
    assert ins, "the SUT holds no INS for this identity"
    got = (ins.get("matricule"), ins.get("key"), ins.get("oid"))
    assert got == (matricule, key, oid), f"expected INS {(matricule, key, oid)}, the SUT holds {got}"


@then(parsers.parse("l'INS de l'identité est de type \"{kind}\""))
def identity_ins_kind(sut: AdapterClient, ctx: ScenarioContext, kind: str) -> None:
    ins = sut.identity(ctx.require_identity()).get("ins")
    assert ins, "the SUT holds no INS for this identity"
    assert ins.get("type") == kind, f"expected an INS of type {kind}, the SUT says {ins.get('type')!r} ({ins})"


@then("l'identité ne porte aucun INS")
def identity_without_ins(sut: AdapterClient, ctx: ScenarioContext) -> None:
    ins = sut.identity(ctx.require_identity()).get("ins")
    assert not ins, f"the SUT holds an INS it should have refused: {ins}"


@then(parsers.parse("les prénoms de naissance de l'identité sont \"{names}\""))
def identity_first_names(sut: AdapterClient, ctx: ScenarioContext, names: str) -> None:
    traits = sut.identity(ctx.require_identity())["traits"]
    assert traits.get("birth_first_names") == names.split(), (
        f"expected birth first names {names.split()}, the SUT holds {traits.get('birth_first_names')}"
    )


@then("l'identité transmise ne contient pas d'INS")
def export_without_ins(ctx: ScenarioContext) -> None:
    assert ctx.export is not None, "nothing was exported (missing 'Quand le SUT transmet cette identité')"
    assert not ctx.export.get("ins"), (
        f"the SUT transmits the INS of an identity with status {ctx.export.get('identity_status')!r}: "
        f"{ctx.export.get('ins')}"
    )


@then(parsers.parse("l'identité transmise contient l'INS \"{matricule}\" de clé \"{key}\" et d'OID \"{oid}\""))
def export_with_ins(ctx: ScenarioContext, matricule: str, key: str, oid: str) -> None:
    assert ctx.export is not None, "nothing was exported (missing 'Quand le SUT transmet cette identité')"
    ins = ctx.export.get("ins")
    assert ins, f"the SUT transmits no INS for a {ctx.export.get('identity_status')!r} identity"
    got = (ins.get("matricule"), ins.get("key"), ins.get("oid"))
    assert got == (matricule, key, oid), f"expected the INS {(matricule, key, oid)} to be transmitted, got {got}"


@then(parsers.parse("l'identité transmise a le statut \"{status}\""))
def export_status(ctx: ScenarioContext, status: str) -> None:
    assert ctx.export is not None, "nothing was exported (missing 'Quand le SUT transmet cette identité')"
    assert ctx.export.get("identity_status") == status, (
        f"expected the transmitted identity status {status}, got {ctx.export.get('identity_status')!r}"
    )
