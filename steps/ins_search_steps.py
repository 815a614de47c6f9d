"""Steps about INSi searches the user starts in the SUT, and what the user is then told."""

from __future__ import annotations

import time

from pytest_bdd import given, parsers, then, when

from .adapter import AdapterClient
from .context import ScenarioContext
from .mock_admin import MockAdmin
from .tables import vitale_payload

OUTCOMES = {
    "identité trouvée": "FOUND",
    "aucune identité": "NOT_FOUND",
    "plusieurs identités": "AMBIGUOUS",
    "INS refusé": "REJECTED",
    "service en erreur": "SERVICE_ERROR",
}
"""French wording of the scenarios -> `SearchOutcome.outcome` of the adapter contract."""

FALLBACK_TIMEOUT_SECONDS = 30.0
"""Assumed SUT timeout when it cannot be told one (PUT /services answered 501)."""


@given("l'opérateur lance la recherche INSi par traits pour cette identité")
@when("l'opérateur lance la recherche INSi par traits pour cette identité")
def traits_search(sut: AdapterClient, ctx: ScenarioContext) -> None:
    ctx.search = sut.traits_search(ctx.require_identity(), ctx.user)


@when("l'opérateur lance la recherche INSi avec la carte Vitale :")
def vitale_search(sut: AdapterClient, ctx: ScenarioContext, datatable: list[list[str]]) -> None:
    ctx.search = sut.vitale_search(ctx.require_identity(), vitale_payload(datatable), ctx.user)


@given(parsers.parse("le téléservice INSi répond par l'erreur SOAP \"{fault}\""))
def insi_fault(insi: MockAdmin, fault: str) -> None:
    insi.add_behaviour("fault", {"code": fault}, times=None)


@given(parsers.parse("le téléservice INSi est indisponible (HTTP {status:d})"))
def insi_outage(insi: MockAdmin, status: int) -> None:
    insi.add_behaviour("outage", {"status": status}, times=None)


@given("le téléservice INSi répond après le délai d'attente du SUT")
def insi_too_slow(insi: MockAdmin, ctx: ScenarioContext) -> None:
    delay = (ctx.insi_timeout_seconds or FALLBACK_TIMEOUT_SECONDS) + 1.5
    insi.add_behaviour("delay", {"seconds": delay}, times=1)
    ctx.settle_until = time.monotonic() + delay + 1.0


@then(parsers.parse("la recherche INSi se conclut par \"{wording}\""))
def search_outcome(ctx: ScenarioContext, wording: str) -> None:
    expected = OUTCOMES[wording]
    search = ctx.require_search()
    assert search.get("outcome") == expected, (
        f"la recherche INSi doit se conclure par {expected} ({wording}), le logiciel a répondu "
        f"{search.get('outcome')!r} : message {search.get('message')!r}"
    )


@then("l'opérateur est alerté")
def user_alerted(ctx: ScenarioContext) -> None:
    search = ctx.require_search()
    assert search.get("alert") is True, f"le logiciel n'a pas alerté l'utilisateur : {search.get('message')!r}"
    assert (search.get("message") or "").strip(), "le logiciel a alerté l'utilisateur avec un message vide"


@then("l'opérateur n'est pas alerté")
def user_not_alerted(ctx: ScenarioContext) -> None:
    search = ctx.require_search()
    assert search.get("alert") is False, (
        f"le logiciel a levé une alerte alors que la recherche a abouti : {search.get('message')!r}")


@then(parsers.parse("le message affiché à l'opérateur contient \"{text}\""))
def message_contains(ctx: ScenarioContext, text: str) -> None:
    message = ctx.require_search().get("message") or ""
    assert text.lower() in message.lower(), f"le message affiché à l'utilisateur {message!r} ne mentionne pas {text!r}"
