"""Steps about what the SUT really sent to the DMP (the mock's exchanges and registry) and what it traced."""

from __future__ import annotations

import hashlib
from typing import Any

from pytest_bdd import parsers, then

from segur_harness.validation.xdm import parse_entries

from . import cda_checks as cda
from .adapter import AdapterClient
from .cda_document_steps import ProducedDocument, documents_of, last_document
from .context import ScenarioContext
from .dmp_steps import fed_entries, listed
from .dmp_wire import PURPOSE_OF_USE, RESOURCE_ID, DmpExchange, patient_id, read_exchange, registry_entry
from .mock_admin import MockAdmin

STATUS_WORDS = {"supprimée": "Deleted", "archivée": "Archived", "obsolète": "Deprecated", "à jour": "Approved"}
CONSULTATION = ("TD0.2", "ITI-18", "ITI-43")


def dmp_exchanges(dmp: MockAdmin, ctx: ScenarioContext) -> list[DmpExchange]:
    return [read_exchange(raw) for raw in dmp.exchanges(ctx.scenario_id)]


def _of(found: list[DmpExchange], operation: str) -> list[DmpExchange]:
    return [e for e in found if e.operation == operation]


def _identity(ctx: ScenarioContext) -> dict[str, Any]:
    identity = ctx.extra.get("dmp_identity")
    assert identity, "no patient was set up in this scenario (missing 'le patient … a une identité' step)"
    return identity


def _td02_patient(exchange: DmpExchange) -> str | None:
    body = exchange.request_body
    if body is None:
        return None
    value = body.find(".//{urn:hl7-org:v3}patientIdentifier/{urn:hl7-org:v3}value")
    return f"{value.get('extension')}@{value.get('root')}" if value is not None else None


def _td02_for_patient(found: list[DmpExchange], ctx: ScenarioContext) -> list[DmpExchange]:
    ins = _identity(ctx)["ins"] or {}
    wanted = f"{ins.get('matricule')}{ins.get('key')}@{ins.get('oid')}"
    td02 = _of(found, "TD0.2")
    assert td02, f"the DMP received no TD0.2 test d'existence (it received {[e.operation for e in found]})"
    matching = [e for e in td02 if _td02_patient(e) == wanted]
    assert matching, f"no TD0.2 was about the patient's INS {wanted}: {[_td02_patient(e) for e in td02]}"
    return matching


@then("le DMP a reçu un test d'existence TD0.2 pour l'INS du patient")
def td02_received(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    _td02_for_patient(dmp_exchanges(dmp, ctx), ctx)


def _td02_before(dmp: MockAdmin, ctx: ScenarioContext, operation: str) -> None:
    found = dmp_exchanges(dmp, ctx)
    first_td02 = _td02_for_patient(found, ctx)[0]
    later = _of(found, operation)
    assert later, f"the DMP received no {operation} (it received {[e.operation for e in found]})"
    assert first_td02.id < later[0].id, (
        f"the SUT called {operation} before its TD0.2 test d'existence: {[e.operation for e in found]}")


@then("le DMP a reçu un test d'existence TD0.2 pour l'INS du patient avant l'alimentation")
def td02_before_feed(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    _td02_before(dmp, ctx, "ITI-41")


@then("le DMP a reçu un test d'existence TD0.2 pour l'INS du patient avant la recherche")
def td02_before_search(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    _td02_before(dmp, ctx, "ITI-18")


@then("le test d'existence a répondu que le DMP existe")
def td02_found(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    exchange = _td02_for_patient(dmp_exchanges(dmp, ctx), ctx)[0]
    body = exchange.response_body
    code = body.find(".//{urn:hl7-org:v3}queryResponseCode") if body is not None else None
    assert code is not None and code.get("code") == "OK", (
        f"the TD0.2 answer does not say the DMP exists: {None if code is None else code.get('code')}")


@then("le DMP n'a reçu aucune alimentation")
def no_feed(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    feeds = _of(dmp_exchanges(dmp, ctx), "ITI-41")
    assert not feeds, f"the SUT sent {len(feeds)} ITI-41 feed(s) to the DMP when it must not feed it"


def _last_feed(dmp: MockAdmin, ctx: ScenarioContext) -> DmpExchange:
    feeds = _of(dmp_exchanges(dmp, ctx), "ITI-41")
    assert feeds, "the DMP received no ITI-41 feed in this scenario"
    return feeds[-1]


@then("le DMP a accepté le lot sans aucune non-conformité")
def feed_accepted(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    exchange = _last_feed(dmp, ctx)
    assert exchange.registry_status == "Success", (
        f"the DMP answered the ITI-41 feed with {exchange.registry_status!r} (HTTP {exchange.status}); "
        f"its findings:\n- " + "\n- ".join(exchange.errors or ["(none)"]))
    assert not exchange.errors, "the DMP recorded non-conformities in the feed:\n- " + "\n- ".join(exchange.errors)


@then("les métadonnées versées décrivent le document produit")
def metadata_describe_document(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    exchange = _last_feed(dmp, ctx)
    document: ProducedDocument = last_document(ctx)
    body = exchange.request_body
    assert body is not None, "the ITI-41 request could not be read"
    entries = parse_entries(body)
    assert len(entries) == 1, f"expected one DocumentEntry in the feed, found {len(entries)}"
    entry = entries[0]
    sent = exchange.documents_sent()
    assert sent.get(entry.entry_id) == document.xml, (
        "the document sent in ITI-41 is not, byte for byte, the document the SUT produced")
    doc_id = cda.document_id(document.root)
    assert doc_id, "the produced document has no id"
    expected_unique = f"{doc_id[0]}^{doc_id[1]}" if doc_id[1] else doc_id[0]
    code = document.root.find("{urn:hl7-org:v3}code")
    checks = {
        "uniqueId": (entry.unique_id, expected_unique),
        "patientId": (entry.patient_id, patient_id(_identity(ctx))),
        "typeCode": (entry.type_code, (code.get("code"), code.get("codeSystem")) if code is not None else None),
        "hash": ((entry.hash or "").lower(), hashlib.sha1(document.xml).hexdigest()),
        "size": (entry.size, str(len(document.xml))),
    }
    wrong = [f"{name}: sent {sent_value!r}, expected {expected!r}" for name, (sent_value, expected) in checks.items()
             if sent_value != expected]
    assert not wrong, "the DocumentEntry does not describe the document:\n- " + "\n- ".join(wrong)


@then("le dernier lot versé remplace la fiche du premier document (RPLC)")
def replaces_first(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    from segur_harness.mocks.dmp.protocol import NS_RIM, RPLC

    first = fed_entries(ctx)[0] if fed_entries(ctx) else None
    assert first and first.get("entry_uuid"), f"the first feed gave no entry_uuid: {first}"
    body = _last_feed(dmp, ctx).request_body
    assert body is not None, "the ITI-41 request could not be read"
    targets = [a.get("targetObject") for a in body.iter(f"{{{NS_RIM}}}Association")
               if a.get("associationType") == RPLC]
    assert first["entry_uuid"] in targets, (
        f"the new version's feed carries no RPLC association to the first entry {first['entry_uuid']} "
        f"(RPLC targets: {targets})")


def _entry_of(document: ProducedDocument) -> dict[str, Any]:
    doc_id = cda.document_id(document.root)
    assert doc_id, "the produced document has no id"
    unique = f"{doc_id[0]}^{doc_id[1]}" if doc_id[1] else doc_id[0]
    entry = registry_entry(unique)
    assert entry is not None, f"the DMP holds no entry for the document {unique}"
    return entry


@then("le DMP présente la fiche du premier document comme obsolète")
def first_deprecated(ctx: ScenarioContext) -> None:
    entry = _entry_of(documents_of(ctx)[0])
    assert entry["status"] == "Deprecated", f"the first document's entry is {entry['status']}, expected Deprecated"


@then(parsers.parse("le DMP présente la fiche du document comme \"{word}\""))
def entry_status(ctx: ScenarioContext, word: str) -> None:
    expected = STATUS_WORDS.get(word)
    assert expected, f"unknown status wording {word!r} in the feature (known: {', '.join(STATUS_WORDS)})"
    entry = _entry_of(last_document(ctx))
    assert entry["status"] == expected, f"the document's DMP entry is {entry['status']}, expected {expected}"


@then(parsers.parse("le DMP présente la fiche du document avec la confidentialité \"{code}\""))
def entry_has_confidentiality(ctx: ScenarioContext, code: str) -> None:
    entry = _entry_of(last_document(ctx))
    assert code in entry["confidentiality"], f"the DMP entry's confidentiality is {entry['confidentiality']}"


@then(parsers.parse("le DMP présente la fiche du document sans la confidentialité \"{code}\""))
def entry_lacks_confidentiality(ctx: ScenarioContext, code: str) -> None:
    entry = _entry_of(last_document(ctx))
    assert code not in entry["confidentiality"], f"the DMP entry's confidentiality is {entry['confidentiality']}"


def _listed_unique_ids(ctx: ScenarioContext) -> list[str]:
    return [str(d.get("unique_id")) for d in listed(ctx)]


@then("la liste des documents du DMP présentée par le SUT ne contient pas ce document")
def not_listed(ctx: ScenarioContext) -> None:
    unique = _entry_of(last_document(ctx))["unique_id"]
    assert unique not in _listed_unique_ids(ctx), f"the SUT still lists the document {unique}"


@then("la liste des documents du DMP présentée par le SUT contient ce document")
def is_listed(ctx: ScenarioContext) -> None:
    unique = _entry_of(last_document(ctx))["unique_id"]
    assert unique in _listed_unique_ids(ctx), f"the SUT does not list the document {unique}: {_listed_unique_ids(ctx)}"


@then("chaque requête reçue par le DMP porte un VIHF signé, valide et complet")
def vihf_valid(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    found = dmp_exchanges(dmp, ctx)
    assert found, "the SUT sent no request to the DMP"
    for exchange in found:
        assertion = exchange.assertion
        assert assertion is not None, f"{exchange.operation} #{exchange.id} carries no VIHF assertion"
        assert assertion.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is not None, (
            f"{exchange.operation} #{exchange.id}: the VIHF is not signed")
        vihf_errors = [e for e in exchange.errors if "VIHF" in e.split(":", 1)[0]]
        assert not vihf_errors, f"{exchange.operation} #{exchange.id}: the DMP refused the VIHF:\n- " + "\n- ".join(
            vihf_errors)
        assert exchange.status == 200, f"{exchange.operation} #{exchange.id} answered HTTP {exchange.status}"


@then("le VIHF de chaque requête reçue par le DMP désigne le patient de la requête")
def vihf_patient(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    expected = patient_id(_identity(ctx))
    found = dmp_exchanges(dmp, ctx)
    assert found, "the SUT sent no request to the DMP"
    wrong = [(e.operation, e.vihf_text(RESOURCE_ID)) for e in found if e.vihf_text(RESOURCE_ID) != expected]
    assert not wrong, f"VIHF resource-id differs from the patient {expected}: {wrong}"


@then("la trace des appels DMP du SUT correspond aux requêtes reçues par le DMP")
def trace_matches(sut: AdapterClient, dmp: MockAdmin, ctx: ScenarioContext) -> None:
    traced = sut.dmp_calls(ctx.require_identity())
    found = dmp_exchanges(dmp, ctx)
    assert found, "the SUT sent no request to the DMP: nothing to trace"
    sent = [(e.operation, e.message_id) for e in found]
    traced_calls = [(t.get("transaction"), t.get("message_id")) for t in traced]
    assert traced_calls == sent, f"the SUT traced {traced_calls}, the DMP received {sent}"
    for number, entry in enumerate(traced, start=1):
        assert entry.get("user") == ctx.user, f"traced call #{number}: user {entry.get('user')!r}, expected {ctx.user}"
        assert entry.get("started_at") and entry.get("result"), f"traced call #{number} lacks its date or result"


def _last_search(dmp: MockAdmin, ctx: ScenarioContext) -> DmpExchange:
    searches = _of(dmp_exchanges(dmp, ctx), "ITI-18")
    assert searches, "the DMP received no ITI-18 search"
    return searches[-1]


@then("la liste présentée par le SUT est celle que le DMP a renvoyée")
def list_is_dmp_answer(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    returned = sorted(_last_search(dmp, ctx).unique_ids_returned())
    shown = sorted(_listed_unique_ids(ctx))
    assert shown == returned, f"the SUT shows {shown}, the DMP returned {returned}"


@then("la liste ne contient aucun document masqué aux professionnels, archivé ou supprimé")
def list_hides_restricted(ctx: ScenarioContext) -> None:
    from .dmp_wire import registry_entries

    restricted = [e for e in registry_entries(patient_id(_identity(ctx)))
                  if e["status"] in ("Deleted", "Archived") or "MASQUE_PS" in e["confidentiality"]]
    assert restricted, "set-up: the DMP fixture holds no masked, archived or deleted document for this patient"
    shown = set(_listed_unique_ids(ctx))
    leaked = [(e["unique_id"], e["status"], e["confidentiality"]) for e in restricted if e["unique_id"] in shown]
    assert not leaked, f"the SUT shows documents the DMP does not present to a professional: {leaked}"


@then("le document reçu par le SUT est identique à celui que le DMP a renvoyé")
def retrieved_identical(sut: AdapterClient, dmp: MockAdmin, ctx: ScenarioContext) -> None:
    unique = ctx.extra.get("dmp_retrieved_unique_id")
    retrieves = _of(dmp_exchanges(dmp, ctx), "ITI-43")
    assert retrieves, "the DMP received no ITI-43 retrieve"
    returned = retrieves[-1].documents_returned().get(str(unique))
    assert returned, f"the DMP's ITI-43 answer holds no document {unique}"
    received = [d for d in sut.received_documents() if d.get("channel") == "DMP"]
    assert received, "the SUT holds no document received from the DMP"
    held = sut.received_document_cda(received[-1]["id"])
    assert held == returned, "the document the SUT holds is not, byte for byte, the one the DMP returned"


@then(parsers.parse("le VIHF des requêtes de consultation déclare l'accès \"{purpose}\""))
def consultation_purpose(dmp: MockAdmin, ctx: ScenarioContext, purpose: str) -> None:
    found = [e for e in dmp_exchanges(dmp, ctx) if e.operation in ("ITI-18", "ITI-43")]
    assert found, "the SUT made no consultation request to the DMP"
    wrong = [(e.operation, e.vihf_code(PURPOSE_OF_USE)) for e in found if e.vihf_code(PURPOSE_OF_USE) != purpose]
    assert not wrong, f"consultation requests declare another purposeofuse than {purpose}: {wrong}"
