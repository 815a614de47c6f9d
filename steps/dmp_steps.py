"""Steps that make the SUT act on the DMP (adapter contract 1.2) and check what it told the user."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers, then, when

from segur_harness.errors import HarnessError
from segur_harness.ins.rniv import status_from
from segur_harness.mocks.insi.identities import load_identities
from segur_harness.validation import Engine
from segur_harness.validation.remote import RemoteEngine

from .adapter import AdapterClient
from .cda_document_steps import document_produced, last_document
from .context import ScenarioContext
from .mock_admin import MockAdmin
from .tables import feature_word

OUTCOMES = {"succès": "SUCCESS", "refus": "REFUSED", "échec": "FAILURE", "erreur": "ERROR"}
CONFIDENTIALITY = {
    "masqué aux professionnels": "masque_ps",
    "non visible par le patient": "invisible_patient",
    "non visible par les représentants légaux": "invisible_representants_legaux",
}
MODES = {"normal": "normal", "bris de glace": "bris_de_glace", "centre 15": "centre_15"}
NO_FLAGS = {flag: False for flag in CONFIDENTIALITY.values()}


def dmp_outcome(ctx: ScenarioContext) -> dict[str, Any]:
    outcome = ctx.extra.get("dmp_outcome")
    if outcome is None:
        raise HarnessError("problème du banc de test : le SUT n'a fait aucune action DMP dans ce scénario "
                           "(étape « Quand le SUT … DMP » manquante)")
    return outcome


def keep_outcome(ctx: ScenarioContext, outcome: dict[str, Any]) -> dict[str, Any]:
    ctx.extra["dmp_outcome"] = outcome
    return outcome


def fed_entries(ctx: ScenarioContext) -> list[dict[str, Any]]:
    """What each successful feed of this scenario answered (entry_uuid, unique_id), oldest first."""
    return ctx.extra.setdefault("dmp_fed", [])


# -- identities and documents ------------------------------------------------------
def _traits(label: str) -> dict[str, Any]:
    for identity in load_identities():
        if identity.label == label:
            return {
                "birth_name": identity.nom_naissance, "birth_first_names": list(identity.prenoms),
                "sex": identity.sexe, "birth_date": identity.date_naissance,
                "birth_place_cog": identity.lieu_naissance,
            }
    raise HarnessError(f"problème du banc de test : aucune identité de test INSi « {label} » dans "
                       "fixtures/identities/insi.toml")


def _patient(sut: AdapterClient, ctx: ScenarioContext, label: str, qualified: bool) -> None:
    created = sut.create_identity(_traits(label), ctx.user)
    ctx.identity_id = created["id"]
    if qualified:
        sut.record_document(ctx.identity_id, "CNI", ctx.user)
    sut.traits_search(ctx.identity_id, ctx.user)
    identity = sut.identity(ctx.identity_id)
    expected = status_from(insi_verified=True, high_trust_document=qualified)
    assert identity.get("status") == expected, (
        f"mise en place : après la recherche INSi, l'identité de {label} devrait être {expected}, le SUT la dit "
        f"{identity.get('status')!r}")
    ctx.extra["dmp_identity"] = identity


@given(parsers.parse("le patient \"{label}\" a une identité qualifiée dans le SUT"))
def qualified_patient(sut: AdapterClient, ctx: ScenarioContext, label: str) -> None:
    _patient(sut, ctx, label, qualified=True)


@given(parsers.parse("le patient \"{label}\" a une identité récupérée dans le SUT"))
def recovered_patient(sut: AdapterClient, ctx: ScenarioContext, label: str) -> None:
    _patient(sut, ctx, label, qualified=False)


@given(parsers.parse("le SUT a produit un document \"{kind}\" pour ce patient"))
def document_for_patient(sut: AdapterClient, ctx: ScenarioContext, cda_engine: Engine | RemoteEngine,
                         kind: str) -> None:
    document_produced(sut, ctx, cda_engine, kind)


# -- actions -----------------------------------------------------------------------
def _feed(sut: AdapterClient, ctx: ScenarioContext, flags: dict[str, bool]) -> dict[str, Any]:
    outcome = keep_outcome(ctx, sut.dmp_feed(last_document(ctx).meta["id"], ctx.user, flags))
    if outcome.get("outcome") == "SUCCESS":
        fed_entries(ctx).append(outcome)
    return outcome


@given("ce document a été versé au DMP")
def document_already_fed(sut: AdapterClient, ctx: ScenarioContext) -> None:
    outcome = _feed(sut, ctx, NO_FLAGS)
    assert outcome.get("outcome") == "SUCCESS", (
        f"mise en place : le premier envoi du document au DMP par le SUT a échoué : {outcome}")


@when("le SUT verse ce document au DMP")
def feed(sut: AdapterClient, ctx: ScenarioContext) -> None:
    _feed(sut, ctx, NO_FLAGS)


@when(parsers.parse("le SUT verse ce document au DMP \"{choice}\""))
def feed_with_confidentiality(sut: AdapterClient, ctx: ScenarioContext, choice: str) -> None:
    flag = feature_word(CONFIDENTIALITY, choice, "choix de confidentialité")
    _feed(sut, ctx, {**NO_FLAGS, flag: True})


def _fed_document_id(ctx: ScenarioContext) -> str:
    if not fed_entries(ctx):
        raise HarnessError("problème du banc de test : aucun document de ce scénario n'a été versé au DMP "
                           "(étape de versement manquante)")
    return last_document(ctx).meta["id"]


@when("le SUT supprime ce document du DMP")
def delete(sut: AdapterClient, ctx: ScenarioContext) -> None:
    keep_outcome(ctx, sut.dmp_set_status(_fed_document_id(ctx), ctx.user, "deleted"))


@when("le SUT archive ce document dans le DMP")
def archive(sut: AdapterClient, ctx: ScenarioContext) -> None:
    keep_outcome(ctx, sut.dmp_set_status(_fed_document_id(ctx), ctx.user, "archived"))


@when("le SUT masque ce document aux professionnels dans le DMP")
def hide(sut: AdapterClient, ctx: ScenarioContext) -> None:
    keep_outcome(ctx, sut.dmp_set_visibility(_fed_document_id(ctx), ctx.user, {**NO_FLAGS, "masque_ps": True}))


def _search(sut: AdapterClient, ctx: ScenarioContext, mode: str, include_archived: bool) -> None:
    outcome = keep_outcome(ctx, sut.dmp_search(ctx.require_identity(), ctx.user, mode, include_archived))
    ctx.extra["dmp_search"] = outcome


@when("le SUT recherche les documents du DMP du patient")
def search(sut: AdapterClient, ctx: ScenarioContext) -> None:
    _search(sut, ctx, "normal", False)


@when("le SUT recherche les documents du DMP du patient, archives comprises")
def search_with_archives(sut: AdapterClient, ctx: ScenarioContext) -> None:
    _search(sut, ctx, "normal", True)


@when(parsers.parse("le SUT recherche les documents du DMP du patient en mode \"{mode}\""))
def search_in_mode(sut: AdapterClient, ctx: ScenarioContext, mode: str) -> None:
    _search(sut, ctx, feature_word(MODES, mode, "mode d'accès"), False)


def listed(ctx: ScenarioContext) -> list[dict[str, Any]]:
    outcome = ctx.extra.get("dmp_search")
    if outcome is None:
        raise HarnessError("problème du banc de test : le SUT n'a fait aucune recherche DMP dans ce scénario "
                           "(étape « Quand le SUT recherche » manquante)")
    documents = outcome.get("documents")
    assert isinstance(documents, list), (
        f"la réponse du SUT à la recherche DMP ne contient pas de liste de documents : {outcome}")
    return documents


@when("le SUT récupère le premier document de la liste")
def retrieve_first(sut: AdapterClient, ctx: ScenarioContext) -> None:
    documents = listed(ctx)
    assert documents, "la recherche DMP du SUT ne liste aucun document à récupérer"
    unique_id = documents[0].get("unique_id")
    assert unique_id, f"le SUT liste un document sans son identifiant unique (uniqueId) : {documents[0]}"
    ctx.extra["dmp_retrieved_unique_id"] = unique_id
    keep_outcome(ctx, sut.dmp_retrieve(ctx.require_identity(), unique_id, ctx.user))


@given("le DMP répond à l'alimentation par une faute SOAP")
def dmp_fault(dmp: MockAdmin) -> None:
    dmp.add_behaviour("fault", {}, times=None, operation="ITI-41")


@given(parsers.parse("le DMP est indisponible (HTTP {status:d})"))
def dmp_outage(dmp: MockAdmin, status: int) -> None:
    dmp.add_behaviour("outage", {"status": status})


# -- what the SUT said ----------------------------------------------------------------
def expect_outcome(outcome: dict[str, Any], wording: str, what: str) -> None:
    """The adapter's `outcome` (SUCCESS / REFUSED / FAILURE / ERROR) is the one the feature's `wording` names."""
    expected = feature_word(OUTCOMES, wording, "résultat")
    assert outcome.get("outcome") == expected, (
        f"le SUT conclut {what} par {outcome.get('outcome')!r} ({outcome.get('message')!r} "
        f"{outcome.get('errors') or ''}), l'exigence demande {expected} ({wording})")


def expect_alert(outcome: dict[str, Any]) -> None:
    """The SUT told the user, with a message."""
    assert outcome.get("alert") is True, (
        f"le SUT n'a pas alerté l'utilisateur, l'exigence demande qu'il le soit : {outcome}")
    assert (outcome.get("message") or "").strip(), f"le SUT a alerté l'utilisateur par un message vide : {outcome}"


@then(parsers.parse("l'action DMP se conclut par \"{wording}\""))
def action_outcome(ctx: ScenarioContext, wording: str) -> None:
    expect_outcome(dmp_outcome(ctx), wording, "l'action DMP")


@then("l'opérateur est alerté du résultat DMP")
def user_alerted(ctx: ScenarioContext) -> None:
    expect_alert(dmp_outcome(ctx))
