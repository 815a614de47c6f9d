"""Steps about what the SUT really sent to INSi (exchanges recorded by the mock) and what it traced."""

from __future__ import annotations

import time

from pytest_bdd import parsers, then

from .adapter import AdapterClient
from .context import ScenarioContext
from .insi_wire import InsiExchange, read_exchange
from .mock_admin import MockAdmin


def insi_exchanges(insi: MockAdmin, ctx: ScenarioContext, at_least: int = 0) -> list[InsiExchange]:
    """This scenario's INSi exchanges.

    The mock records an exchange before it answers, so what the SUT got an answer
    for is already there; only a deliberately delayed answer (timeout scenario)
    may land later, and is waited for until `ctx.settle_until`.
    """
    while True:
        found = [read_exchange(raw) for raw in insi.exchanges(ctx.scenario_id)]
        if len(found) >= at_least or time.monotonic() > ctx.settle_until:
            return found
        time.sleep(0.2)


def _exchange(insi: MockAdmin, ctx: ScenarioContext, number: int) -> InsiExchange:
    found = insi_exchanges(insi, ctx, at_least=number)
    assert len(found) >= number, (
        f"INSi a reçu {len(found)} requête(s) du logiciel, la requête n°{number} est absente")
    return found[number - 1]


@then(parsers.parse("le SUT a interrogé INSi {count:d} fois"))
def insi_called(insi: MockAdmin, ctx: ScenarioContext, count: int) -> None:
    found = insi_exchanges(insi, ctx, at_least=count)
    summary = [(e.operation, " ".join(e.first_names), e.birth_place, e.result) for e in found]
    assert len(found) == count, (
        f"INSi a reçu {len(found)} requête(s) du logiciel, {count} attendue(s) : {summary}")


@then(parsers.parse("la requête INSi n°{number:d} transmet les prénoms \"{names}\""))
def request_first_names(insi: MockAdmin, ctx: ScenarioContext, number: int, names: str) -> None:
    sent = " ".join(" ".join(_exchange(insi, ctx, number).first_names).split())
    assert sent == " ".join(names.split()), (
        f"la requête n°{number} transmet les prénoms {sent!r}, {names!r} attendus")


@then(parsers.parse("la requête INSi n°{number:d} transmet le lieu de naissance \"{cog}\""))
def request_birth_place(insi: MockAdmin, ctx: ScenarioContext, number: int, cog: str) -> None:
    sent = _exchange(insi, ctx, number).birth_place
    assert sent == cog, f"la requête n°{number} transmet le lieu de naissance {sent!r}, {cog!r} attendu"


@then(parsers.parse("la requête INSi n°{number:d} ne transmet pas de lieu de naissance"))
def request_no_birth_place(insi: MockAdmin, ctx: ScenarioContext, number: int) -> None:
    sent = _exchange(insi, ctx, number).birth_place
    assert sent is None, (
        f"la requête n°{number} transmet le lieu de naissance {sent!r}, alors qu'aucun n'est encore attendu")


@then(parsers.parse("la requête INSi n°{number:d} porte sur l'opération \"{operation}\""))
def request_operation(insi: MockAdmin, ctx: ScenarioContext, number: int, operation: str) -> None:
    sent = _exchange(insi, ctx, number).operation
    assert sent == operation, f"la requête n°{number} porte sur l'opération {sent!r}, {operation!r} attendue"


@then("chaque requête INSi porte le contexte LPS du logiciel (IDAM, nom, version)")
def requests_carry_lps_context(insi: MockAdmin, ctx: ScenarioContext) -> None:
    found = insi_exchanges(insi, ctx, at_least=1)
    assert found, "le logiciel n'a envoyé aucune requête à INSi"
    for exchange in found:
        lps = exchange.lps_context
        assert lps is not None, f"la requête n°{found.index(exchange) + 1} n'a pas d'en-tête ContexteLPS"
        missing = [k for k in ("IDAM", "Nom", "Version") if not lps.get(k)]
        assert not missing, (
            f"la requête n°{found.index(exchange) + 1} : ContexteLPS/LPS ne contient pas {', '.join(missing)}")


@then("chaque requête INSi a un identifiant de message unique")
def requests_have_unique_ids(insi: MockAdmin, ctx: ScenarioContext) -> None:
    found = insi_exchanges(insi, ctx, at_least=1)
    ids = [e.message_id for e in found]
    assert found and all(ids), f"des requêtes INSi ne portent pas de wsa:MessageID : {ids}"
    assert len(set(ids)) == len(ids), (
        f"des valeurs de wsa:MessageID sont réutilisées (chaque requête doit avoir un identifiant unique) : {ids}")


@then("INSi n'a relevé aucune non-conformité dans les requêtes du SUT")
def no_findings(insi: MockAdmin, ctx: ScenarioContext) -> None:
    found = insi_exchanges(insi, ctx, at_least=1)
    assert found, "le logiciel n'a envoyé aucune requête à INSi : rien à valider"
    errors = [(n + 1, f.get("rule"), f.get("message")) for n, e in enumerate(found) for f in e.errors]
    assert not errors, f"le simulateur INSi a relevé des non-conformités dans les requêtes du logiciel : {errors}"


@then("l'opérateur est informé du motif renvoyé par INSi")
def user_told_fault_reason(insi: MockAdmin, ctx: ScenarioContext) -> None:
    found = insi_exchanges(insi, ctx, at_least=1)
    reasons = [e.fault_reason for e in found if e.fault_reason]
    assert reasons, (
        f"INSi n'a répondu par aucune erreur SOAP dans ce scénario (résultats : {[e.result for e in found]})")
    message = " ".join((ctx.require_search().get("message") or "").split())
    assert " ".join(reasons[-1].split()) in message, (
        f"le message affiché à l'utilisateur {message!r} ne donne pas le motif renvoyé par INSi {reasons[-1]!r}"
    )


@then("la trace des appels INSi du SUT correspond aux requêtes reçues par INSi")
def trace_matches_exchanges(sut: AdapterClient, insi: MockAdmin, ctx: ScenarioContext) -> None:
    traced = sut.insi_calls(ctx.require_identity())
    found = insi_exchanges(insi, ctx, at_least=len(traced) or 1)
    assert found, "le logiciel n'a envoyé aucune requête à INSi : rien à tracer"
    sent_ids = [e.message_id for e in found]
    traced_ids = [t.get("message_id") for t in traced]
    assert traced_ids == sent_ids, (
        f"le logiciel a tracé les identifiants de message {traced_ids}, INSi a reçu {sent_ids}")
    for number, (entry, exchange) in enumerate(zip(traced, found, strict=True), start=1):
        assert entry.get("operation") == exchange.operation, (
            f"appel tracé n°{number} : opération {entry.get('operation')!r}, INSi a reçu {exchange.operation!r}"
        )
        expected = exchange.result if exchange.result in ("00", "01", "02", "FAULT") else None
        if expected is not None:
            assert entry.get("result") == expected, (
                f"appel tracé n°{number} : résultat {entry.get('result')!r}, INSi a répondu {expected!r}"
            )
        assert entry.get("user") == ctx.user, (
            f"appel tracé n°{number} : utilisateur {entry.get('user')!r}, {ctx.user!r} attendu"
        )
        assert entry.get("at"), f"l'appel tracé n°{number} n'a pas de date"
