"""Steps of adapter contract 1.4: the SUT creates or reactivates the patient's DMP, or is asked to send a received
document to the DMP (never one that came from it, CDA/DD.04); and what the DMP received for TD1.1 / TD1.2."""

from __future__ import annotations

from typing import Any

from pytest_bdd import parsers, then, when

from .adapter import AdapterClient
from .context import ScenarioContext
from .dmp_steps import keep_outcome
from .dmp_wire import DmpExchange
from .dmp_wire_steps import dmp_exchanges
from .mock_admin import MockAdmin

HL7 = "{urn:hl7-org:v3}"


@when("le SUT crée le DMP du patient avec son consentement")
def create_with_consent(sut: AdapterClient, ctx: ScenarioContext) -> None:
    body = {"user": ctx.user, "consent": True}
    keep_outcome(ctx, sut.call("POST", f"/identities/{ctx.require_identity()}/dmp/create", body).body)


@when("le SUT est sollicité pour créer le DMP du patient sans son consentement")
def create_without_consent(sut: AdapterClient, ctx: ScenarioContext) -> None:
    body = {"user": ctx.user, "consent": False}
    keep_outcome(ctx, sut.call("POST", f"/identities/{ctx.require_identity()}/dmp/create", body).body)


@when("le SUT réactive le DMP du patient")
def reactivate(sut: AdapterClient, ctx: ScenarioContext) -> None:
    body = {"user": ctx.user}
    keep_outcome(ctx, sut.call("POST", f"/identities/{ctx.require_identity()}/dmp/reactivate", body).body)


@when("l'opérateur demande au SUT d'envoyer au DMP le document reçu du DMP")
def refeed_retrieved(sut: AdapterClient, ctx: ScenarioContext) -> None:
    from_dmp = [d for d in sut.received_documents() if d.get("channel") == "DMP"]
    assert from_dmp, ("le SUT ne détient aucun document reçu du DMP : la récupération (ITI-43) qui précède aurait dû "
                      "l'intégrer à ses documents reçus")
    body = {"user": ctx.user, "identity_id": ctx.require_identity()}
    keep_outcome(ctx, sut.call("POST", f"/received-documents/{from_dmp[-1]['id']}/dmp", body).body)


def _ack(exchange: DmpExchange) -> str | None:
    body = exchange.response_body
    code = body.find(f"{HL7}acknowledgement/{HL7}typeCode") if body is not None else None
    return code.get("code") if code is not None else None


def _td1(dmp: MockAdmin, ctx: ScenarioContext, operation: str, what: str) -> DmpExchange:
    found = [e for e in dmp_exchanges(dmp, ctx) if e.operation == operation]
    assert found, f"le DMP n'a reçu aucune demande {operation} ({what}) du SUT"
    exchange = found[-1]
    assert _ack(exchange) == "AA", (
        f"le DMP a répondu {_ack(exchange)!r} à la demande {operation} ({what}) du SUT, AA attendu ; ses constats :\n- "
        + "\n- ".join(exchange.errors or [f.get("message", "") for f in exchange.findings] or ["(aucun)"]))
    return exchange


@then("le DMP a accepté la création du DMP du patient (TD1.1)")
def creation_accepted(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    _td1(dmp, ctx, "TD1.1", "création du DMP")


@then(parsers.parse("le DMP a accepté la réactivation du DMP du patient (TD1.2, motif \"{reason}\")"))
def reactivation_accepted(dmp: MockAdmin, ctx: ScenarioContext, reason: str) -> None:
    exchange = _td1(dmp, ctx, "TD1.2", "réactivation du DMP")
    body = exchange.request_body
    sent: Any = body.find(f"{HL7}controlActProcess/{HL7}reasonCode") if body is not None else None
    code = sent.get("code") if sent is not None else None
    assert code == reason, f"le SUT a demandé la TD1.2 avec le motif {code!r}, l'exigence demande le motif {reason}"


@then("le DMP n'a reçu aucune demande de création de DMP")
def no_creation(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    found = [e for e in dmp_exchanges(dmp, ctx) if e.operation == "TD1.1"]
    assert not found, f"le SUT a envoyé {len(found)} demande(s) TD1.1 de création de DMP alors qu'il ne le devait pas"
