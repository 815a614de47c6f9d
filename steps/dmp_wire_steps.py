"""Steps about what the SUT really sent to the DMP (the mock's exchanges and registry) and what it traced."""

from __future__ import annotations

import hashlib
from typing import Any

from pytest_bdd import parsers, then

from segur_harness.errors import HarnessError
from segur_harness.validation.xdm import parse_entries

from . import cda_checks as cda
from .adapter import AdapterClient
from .cda_document_steps import ProducedDocument, documents_of, last_document
from .context import ScenarioContext
from .dmp_steps import fed_entries, listed
from .dmp_wire import PURPOSE_OF_USE, RESOURCE_ID, DmpExchange, patient_id, read_exchange, registry_entry
from .mock_admin import MockAdmin
from .tables import feature_word

STATUS_WORDS = {"supprimée": "Deleted", "archivée": "Archived", "obsolète": "Deprecated", "à jour": "Approved"}
CONSULTATION = ("TD0.2", "ITI-18", "ITI-43")


def dmp_exchanges(dmp: MockAdmin, ctx: ScenarioContext) -> list[DmpExchange]:
    return [read_exchange(raw) for raw in dmp.exchanges(ctx.scenario_id)]


def _of(found: list[DmpExchange], operation: str) -> list[DmpExchange]:
    return [e for e in found if e.operation == operation]


def dmp_identity(ctx: ScenarioContext) -> dict[str, Any]:
    identity = ctx.extra.get("dmp_identity")
    if not identity:
        raise HarnessError("problème du banc de test : aucun patient n'a été mis en place dans ce scénario "
                           "(étape « le patient … a une identité » manquante)")
    return identity


def _td02_patient(exchange: DmpExchange) -> str | None:
    body = exchange.request_body
    if body is None:
        return None
    value = body.find(".//{urn:hl7-org:v3}patientIdentifier/{urn:hl7-org:v3}value")
    return f"{value.get('extension')}@{value.get('root')}" if value is not None else None


def _td02_for_patient(found: list[DmpExchange], ctx: ScenarioContext) -> list[DmpExchange]:
    ins = dmp_identity(ctx)["ins"] or {}
    wanted = f"{ins.get('matricule')}{ins.get('key')}@{ins.get('oid')}"
    td02 = _of(found, "TD0.2")
    assert td02, (f"le DMP n'a reçu aucun test d'existence TD0.2 du SUT (il a reçu {[e.operation for e in found]}), "
                  "l'exigence le demande")
    matching = [e for e in td02 if _td02_patient(e) == wanted]
    assert matching, (f"aucun TD0.2 du SUT ne porte sur l'INS du patient {wanted} (patients des TD0.2 reçus : "
                      f"{[_td02_patient(e) for e in td02]})")
    return matching


@then("le DMP a reçu un test d'existence TD0.2 pour l'INS du patient")
def td02_received(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    _td02_for_patient(dmp_exchanges(dmp, ctx), ctx)


def _td02_before(dmp: MockAdmin, ctx: ScenarioContext, operation: str) -> None:
    found = dmp_exchanges(dmp, ctx)
    first_td02 = _td02_for_patient(found, ctx)[0]
    later = _of(found, operation)
    assert later, f"le DMP n'a reçu aucune transaction {operation} du SUT (il a reçu {[e.operation for e in found]})"
    assert first_td02.id < later[0].id, (
        f"le SUT a appelé {operation} avant son test d'existence TD0.2 ({[e.operation for e in found]}), "
        "l'exigence demande le TD0.2 d'abord")


@then("le DMP a reçu un test d'existence TD0.2 pour l'INS du patient avant l'alimentation")
def td02_before_feed(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    _td02_before(dmp, ctx, "ITI-41")


@then("le DMP a reçu un test d'existence TD0.2 pour l'INS du patient avant la recherche")
def td02_before_search(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    _td02_before(dmp, ctx, "ITI-18")


@then("le DMP a reçu un test d'existence TD0.2 pour l'INS du patient avant la création du DMP")
def td02_before_creation(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    _td02_before(dmp, ctx, "TD1.1")


@then("le DMP a reçu un test d'existence TD0.2 pour l'INS du patient avant la réactivation du DMP")
def td02_before_reactivation(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    _td02_before(dmp, ctx, "TD1.2")


@then("le test d'existence a répondu que le DMP existe")
def td02_found(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    exchange = _td02_for_patient(dmp_exchanges(dmp, ctx), ctx)[0]
    body = exchange.response_body
    code = body.find(".//{urn:hl7-org:v3}queryResponseCode") if body is not None else None
    assert code is not None and code.get("code") == "OK", (
        f"la réponse au TD0.2 ne dit pas que le DMP existe (queryResponseCode "
        f"{None if code is None else code.get('code')!r}, OK attendu)")


@then("le DMP n'a reçu aucune alimentation")
def no_feed(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    feeds = _of(dmp_exchanges(dmp, ctx), "ITI-41")
    assert not feeds, (
        f"le SUT a envoyé {len(feeds)} alimentation(s) ITI-41 au DMP, l'exigence demande qu'il ne l'alimente pas")


def _last_feed(dmp: MockAdmin, ctx: ScenarioContext) -> DmpExchange:
    feeds = _of(dmp_exchanges(dmp, ctx), "ITI-41")
    assert feeds, "le DMP n'a reçu aucune alimentation ITI-41 du SUT dans ce scénario"
    return feeds[-1]


@then("le DMP a accepté le lot sans aucune non-conformité")
def feed_accepted(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    exchange = _last_feed(dmp, ctx)
    assert exchange.registry_status == "Success", (
        f"le DMP a répondu {exchange.registry_status!r} (HTTP {exchange.status}) à l'alimentation ITI-41 du SUT, "
        f"Success attendu ; ses constats :\n- " + "\n- ".join(exchange.errors or ["(aucun)"]))
    assert not exchange.errors, ("le DMP a relevé des non-conformités dans l'alimentation du SUT :\n- "
                                 + "\n- ".join(exchange.errors))


@then("les métadonnées versées décrivent le document produit")
def metadata_describe_document(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    exchange = _last_feed(dmp, ctx)
    document: ProducedDocument = last_document(ctx)
    body = exchange.request_body
    assert body is not None, "la requête ITI-41 du SUT est illisible"
    entries = parse_entries(body)
    assert len(entries) == 1, f"l'alimentation du SUT contient {len(entries)} fiches DocumentEntry, une seule attendue"
    entry = entries[0]
    sent = exchange.documents_sent()
    assert sent.get(entry.entry_id) == document.xml, (
        "le document envoyé par le SUT en ITI-41 n'est pas, octet pour octet, celui qu'il a produit")
    doc_id = cda.document_id(document.root)
    assert doc_id, "le document produit par le SUT n'a pas d'identifiant (ClinicalDocument/id)"
    expected_unique = f"{doc_id[0]}^{doc_id[1]}" if doc_id[1] else doc_id[0]
    code = document.root.find("{urn:hl7-org:v3}code")
    checks = {
        "uniqueId": (entry.unique_id, expected_unique),
        "patientId": (entry.patient_id, patient_id(dmp_identity(ctx))),
        "typeCode": (entry.type_code, (code.get("code"), code.get("codeSystem")) if code is not None else None),
        "hash": ((entry.hash or "").lower(), hashlib.sha1(document.xml).hexdigest()),
        "size": (entry.size, str(len(document.xml))),
    }
    wrong = [f"{name} : envoyé {sent_value!r}, attendu {expected!r}" for name, (sent_value, expected) in checks.items()
             if sent_value != expected]
    assert not wrong, "la fiche DocumentEntry envoyée par le SUT ne décrit pas le document :\n- " + "\n- ".join(wrong)


@then("le dernier lot versé remplace la fiche du premier document (RPLC)")
def replaces_first(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    from segur_harness.mocks.dmp.protocol import NS_RIM, RPLC

    first = fed_entries(ctx)[0] if fed_entries(ctx) else None
    assert first and first.get("entry_uuid"), f"le premier envoi du SUT n'a pas donné d'entryUUID : {first}"
    body = _last_feed(dmp, ctx).request_body
    assert body is not None, "la requête ITI-41 du SUT est illisible"
    targets = [a.get("targetObject") for a in body.iter(f"{{{NS_RIM}}}Association")
               if a.get("associationType") == RPLC]
    assert first["entry_uuid"] in targets, (
        f"l'alimentation de la nouvelle version ne porte pas d'association RPLC vers la première fiche "
        f"{first['entry_uuid']} (cibles RPLC : {targets}), l'exigence la demande")


def unique_id_of(document: ProducedDocument) -> str:
    """The XDS uniqueId of a produced document: its ClinicalDocument/id (root, or root^extension)."""
    doc_id = cda.document_id(document.root)
    assert doc_id, "le document produit par le SUT n'a pas d'identifiant (ClinicalDocument/id)"
    return f"{doc_id[0]}^{doc_id[1]}" if doc_id[1] else doc_id[0]


def _entry_of(document: ProducedDocument) -> dict[str, Any]:
    unique = unique_id_of(document)
    entry = registry_entry(unique)
    assert entry is not None, f"le DMP ne détient aucune fiche pour le document {unique}"
    return entry


@then("le DMP présente la fiche du premier document comme obsolète")
def first_deprecated(ctx: ScenarioContext) -> None:
    entry = _entry_of(documents_of(ctx)[0])
    assert entry["status"] == "Deprecated", (
        f"la fiche du premier document est {entry['status']} dans le DMP, l'exigence demande Deprecated (remplacée)")


@then(parsers.parse("le DMP présente la fiche du document comme \"{word}\""))
def entry_status(ctx: ScenarioContext, word: str) -> None:
    expected = feature_word(STATUS_WORDS, word, "statut")
    entry = _entry_of(last_document(ctx))
    assert entry["status"] == expected, (
        f"la fiche du document est {entry['status']} dans le DMP, l'exigence demande {expected} ({word})")


@then(parsers.parse("le DMP présente la fiche du document avec la confidentialité \"{code}\""))
def entry_has_confidentiality(ctx: ScenarioContext, code: str) -> None:
    entry = _entry_of(last_document(ctx))
    assert code in entry["confidentiality"], (
        f"la fiche du document porte la confidentialité {entry['confidentiality']} dans le DMP, sans {code} "
        "que l'exigence demande")


@then(parsers.parse("le DMP présente la fiche du document sans la confidentialité \"{code}\""))
def entry_lacks_confidentiality(ctx: ScenarioContext, code: str) -> None:
    entry = _entry_of(last_document(ctx))
    assert code not in entry["confidentiality"], (
        f"la fiche du document porte la confidentialité {entry['confidentiality']} dans le DMP, avec {code} "
        "que l'exigence exclut")


def _listed_unique_ids(ctx: ScenarioContext) -> list[str]:
    return [str(d.get("unique_id")) for d in listed(ctx)]


@then("la liste des documents du DMP présentée par le SUT ne contient pas ce document")
def not_listed(ctx: ScenarioContext) -> None:
    unique = _entry_of(last_document(ctx))["unique_id"]
    assert unique not in _listed_unique_ids(ctx), (
        f"le SUT présente encore le document {unique} parmi les documents du DMP, l'exigence demande qu'il ne le "
        "présente plus")


@then("la liste des documents du DMP présentée par le SUT contient ce document")
def is_listed(ctx: ScenarioContext) -> None:
    unique = _entry_of(last_document(ctx))["unique_id"]
    assert unique in _listed_unique_ids(ctx), (
        f"le SUT ne présente pas le document {unique} parmi les documents du DMP ({_listed_unique_ids(ctx)})")


@then("chaque requête reçue par le DMP porte un VIHF signé, valide et complet")
def vihf_valid(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    found = dmp_exchanges(dmp, ctx)
    assert found, "le SUT n'a envoyé aucune requête au DMP"
    for exchange in found:
        assertion = exchange.assertion
        assert assertion is not None, f"{exchange.operation} n°{exchange.id} du SUT ne porte pas d'assertion VIHF"
        assert assertion.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is not None, (
            f"{exchange.operation} n°{exchange.id} : le VIHF du SUT n'est pas signé, l'exigence demande qu'il le soit")
        vihf_errors = [e for e in exchange.errors if "VIHF" in e.split(":", 1)[0]]
        assert not vihf_errors, (f"{exchange.operation} n°{exchange.id} : le DMP a refusé le VIHF du SUT :\n- "
                                 + "\n- ".join(vihf_errors))
        assert exchange.status == 200, (
            f"{exchange.operation} n°{exchange.id} : le DMP a répondu HTTP {exchange.status} au SUT, 200 attendu")


@then("le VIHF de chaque requête reçue par le DMP désigne le patient de la requête")
def vihf_patient(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    expected = patient_id(dmp_identity(ctx))
    found = dmp_exchanges(dmp, ctx)
    assert found, "le SUT n'a envoyé aucune requête au DMP"
    wrong = [(e.operation, e.vihf_text(RESOURCE_ID)) for e in found if e.vihf_text(RESOURCE_ID) != expected]
    assert not wrong, f"le resource-id du VIHF envoyé par le SUT n'est pas le patient {expected} : {wrong}"


@then("la trace des appels DMP du SUT correspond aux requêtes reçues par le DMP")
def trace_matches(sut: AdapterClient, dmp: MockAdmin, ctx: ScenarioContext) -> None:
    traced = sut.dmp_calls(ctx.require_identity())
    found = dmp_exchanges(dmp, ctx)
    assert found, "le SUT n'a envoyé aucune requête au DMP : rien à tracer"
    sent = [(e.operation, e.message_id) for e in found]
    traced_calls = [(t.get("transaction"), t.get("message_id")) for t in traced]
    assert traced_calls == sent, (
        f"le SUT a tracé {traced_calls}, le DMP a reçu {sent} : l'exigence demande que chaque appel soit tracé")
    for number, entry in enumerate(traced, start=1):
        assert entry.get("user") == ctx.user, (
            f"appel tracé n°{number} : utilisateur {entry.get('user')!r}, {ctx.user} attendu")
        assert entry.get("started_at") and entry.get("result"), (
            f"l'appel tracé n°{number} n'a pas de date ou de résultat")


def _last_search(dmp: MockAdmin, ctx: ScenarioContext) -> DmpExchange:
    searches = _of(dmp_exchanges(dmp, ctx), "ITI-18")
    assert searches, "le DMP n'a reçu aucune recherche ITI-18 du SUT"
    return searches[-1]


@then("la liste présentée par le SUT est celle que le DMP a renvoyée")
def list_is_dmp_answer(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    returned = sorted(_last_search(dmp, ctx).unique_ids_returned())
    shown = sorted(_listed_unique_ids(ctx))
    assert shown == returned, f"le SUT présente {shown}, le DMP a renvoyé {returned} : la liste doit être celle du DMP"


@then("la liste ne contient aucun document masqué aux professionnels, archivé ou supprimé")
def list_hides_restricted(ctx: ScenarioContext) -> None:
    from .dmp_wire import registry_entries

    restricted = [e for e in registry_entries(patient_id(dmp_identity(ctx)))
                  if e["status"] in ("Deleted", "Archived") or "MASQUE_PS" in e["confidentiality"]]
    if not restricted:
        raise HarnessError("problème du banc de test : les données du mock DMP n'ont aucun document masqué, archivé "
                           "ou supprimé pour ce patient")
    shown = set(_listed_unique_ids(ctx))
    leaked = [(e["unique_id"], e["status"], e["confidentiality"]) for e in restricted if e["unique_id"] in shown]
    assert not leaked, f"le SUT présente des documents que le DMP ne présente pas à un professionnel : {leaked}"


@then("le document reçu par le SUT est identique à celui que le DMP a renvoyé")
def retrieved_identical(sut: AdapterClient, dmp: MockAdmin, ctx: ScenarioContext) -> None:
    unique = ctx.extra.get("dmp_retrieved_unique_id")
    retrieves = _of(dmp_exchanges(dmp, ctx), "ITI-43")
    assert retrieves, "le DMP n'a reçu aucune récupération ITI-43 du SUT"
    returned = retrieves[-1].documents_returned().get(str(unique))
    assert returned, f"la réponse ITI-43 du DMP ne contient pas le document {unique}"
    received = [d for d in sut.received_documents() if d.get("channel") == "DMP"]
    assert received, "le SUT ne détient aucun document reçu du DMP"
    held = sut.received_document_cda(received[-1]["id"])
    assert held == returned, "le document que détient le SUT n'est pas, octet pour octet, celui que le DMP a renvoyé"


@then(parsers.parse("le VIHF des requêtes de consultation déclare l'accès \"{purpose}\""))
def consultation_purpose(dmp: MockAdmin, ctx: ScenarioContext, purpose: str) -> None:
    found = [e for e in dmp_exchanges(dmp, ctx) if e.operation in ("ITI-18", "ITI-43")]
    assert found, "le SUT n'a fait aucune requête de consultation au DMP"
    wrong = [(e.operation, e.vihf_code(PURPOSE_OF_USE)) for e in found if e.vihf_code(PURPOSE_OF_USE) != purpose]
    assert not wrong, f"les requêtes de consultation du SUT déclarent un autre purposeofuse que {purpose} : {wrong}"
