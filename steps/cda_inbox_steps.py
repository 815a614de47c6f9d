"""Steps about documents the SUT receives (CDA/INT.01): integration and deduplication on the unique id."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from lxml import etree
from pytest_bdd import given, parsers, then, when

from segur_harness.errors import HarnessError
from segur_harness.xmlsafe import parse_xml

from . import cda_checks as cda
from .adapter import AdapterClient
from .context import ScenarioContext
from .documents import received_document
from .tables import feature_word

OUTCOMES = {"intégré": "INTEGRATED", "doublon": "DUPLICATE", "rejeté": "REJECTED"}
HL7 = "{urn:hl7-org:v3}"
HEADER_AFTER_RELATED = ("authorization", "componentOf", "component")
"""CDA header elements that come after relatedDocument (schema order)."""


def _received(ctx: ScenarioContext) -> list[bytes]:
    return ctx.extra.setdefault("received", [])


@given(parsers.parse("le document CDA \"{name}\" émis par un autre professionnel"))
def external_document(ctx: ScenarioContext, name: str) -> None:
    _received(ctx).append(received_document(name))


def next_version(document: bytes) -> bytes:
    """The same document corrected by its author: new id, same setId, versionNumber + 1, RPLC to the previous id."""
    root = parse_xml(document)
    previous = root.find(HL7 + "id")
    version = root.find(HL7 + "versionNumber")
    if previous is None or version is None:
        raise HarnessError(
            "problème du banc de test : le document de référence n'a pas d'id ou de versionNumber")
    previous_root = previous.get("root")
    previous.attrib.clear()
    previous.set("root", f"2.25.{uuid.uuid4().int}")
    version.set("value", str(int(version.get("value", "1")) + 1))
    for old in root.findall(HL7 + "relatedDocument"):
        root.remove(old)
    related = etree.Element(HL7 + "relatedDocument", typeCode="RPLC")
    etree.SubElement(etree.SubElement(related, HL7 + "parentDocument"), HL7 + "id", root=previous_root or "")
    anchor = next(child for child in root if etree.QName(child).localname in HEADER_AFTER_RELATED)
    anchor.addprevious(related)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@given("une version corrigée de ce document émise par son auteur")
def corrected_version(ctx: ScenarioContext) -> None:
    documents = _received(ctx)
    if not documents:
        raise HarnessError(
            "problème du banc de test : aucun document reçu à corriger "
            "(étape « le document CDA … émis par … » manquante)")
    documents.append(next_version(documents[-1]))


def _receive(sut: AdapterClient, ctx: ScenarioContext, document: bytes, channel: str) -> None:
    reply = sut.receive_document(base64.b64encode(document).decode("ascii"), channel, ctx.user)
    ctx.extra.setdefault("receptions", []).append(reply)


@when(parsers.parse("le SUT reçoit ce document par \"{channel}\""))
def receive_last(sut: AdapterClient, ctx: ScenarioContext, channel: str) -> None:
    documents = _received(ctx)
    if not documents:
        raise HarnessError(
            "problème du banc de test : aucun document à envoyer (étape « le document CDA … émis par … » manquante)")
    _receive(sut, ctx, documents[-1], channel)


@when(parsers.parse("le SUT reçoit la version d'origine par \"{channel}\""))
def receive_first(sut: AdapterClient, ctx: ScenarioContext, channel: str) -> None:
    documents = _received(ctx)
    if not documents:
        raise HarnessError(
            "problème du banc de test : aucun document à envoyer (étape « le document CDA … émis par … » manquante)")
    _receive(sut, ctx, documents[0], channel)


def _last_reception(ctx: ScenarioContext) -> dict[str, Any]:
    receptions = ctx.extra.get("receptions")
    if not receptions:
        raise HarnessError("problème du banc de test : le logiciel n'a reçu aucun document dans ce scénario "
                             "(étape « Quand le SUT reçoit… » manquante)")
    return receptions[-1]


@then(parsers.parse("la réception se conclut par \"{wording}\""))
def reception_outcome(ctx: ScenarioContext, wording: str) -> None:
    expected = feature_word(OUTCOMES, wording, "résultat")
    reply = _last_reception(ctx)
    assert reply.get("outcome") == expected, (
        f"la réception doit se conclure par {expected} ({wording}), le logiciel indique {reply.get('outcome')!r} : "
        f"{reply.get('message')!r}")


@then("l'opérateur est informé que le document était déjà intégré")
def duplicate_reported(ctx: ScenarioContext) -> None:
    reply = _last_reception(ctx)
    assert reply.get("alert") is True and reply.get("message"), (
        f"l'utilisateur doit être informé qu'un doublon n'a pas été intégré à nouveau, le logiciel a répondu {reply}")


@then(parsers.parse("le SUT détient {count:d} document(s) reçu(s)"))
def received_count(sut: AdapterClient, count: int) -> None:
    documents = sut.received_documents()
    assert len(documents) == count, (
        f"{count} document(s) intégré(s) attendu(s), le logiciel en détient {len(documents)} : "
        f"{[(d.get('id'), d.get('document_id'), d.get('version')) for d in documents]}")


@then("le document reçu d'abord est marqué comme remplacé par la nouvelle version")
def first_replaced(sut: AdapterClient, ctx: ScenarioContext) -> None:
    documents = sut.received_documents()
    first_id = cda.document_id(parse_xml(_received(ctx)[0]))
    match = [d for d in documents if (d.get("document_id") or {}).get("root") == (first_id or ("",))[0]]
    assert match, f"le logiciel ne détient plus la première version {cda.describe(first_id)} : {documents}"
    assert match[0].get("status") == "REPLACED", (
        f"la première version doit être marquée REPLACED une fois sa correction reçue, le logiciel affiche {match[0]}")
    current = [d for d in documents if d.get("status") == "CURRENT"]
    assert len(current) == 1 and current[0].get("version") == 2, (
        f"la version 2 doit être la version courante (CURRENT) : {documents}")
