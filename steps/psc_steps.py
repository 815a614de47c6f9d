"""Steps about Pro Santé Connect: the SUT's login, token refresh and logout, as the PSC mock saw them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from pytest_bdd import given, parsers, then, when

from segur_harness.errors import HarnessError, request_problem

from .adapter import AdapterClient
from .context import ScenarioContext
from .evidence import attach_json
from .mock_admin import MockAdmin
from .mss_wire import mailbox_of

EXPIRE_PATH = "/test/expire-access-tokens"
"""Harness-only endpoint of the PSC mock (docs/mocks.md): ends the live access tokens of a professional."""
T = 10.0


def professional(ctx: ScenarioContext) -> tuple[str, str]:
    """(RPPS, personal mailbox) of the professional logged in with PSC in this scenario."""
    rpps = ctx.extra.get("psc_rpps")
    if not rpps:
        raise HarnessError("problème du banc de test : aucun professionnel connecté par Pro Santé Connect dans ce "
                             "scénario (étape « le professionnel de RPPS … est connecté par Pro Santé Connect » "
                             "manquante)")
    return rpps, mailbox_of(rpps)


def _login(sut: AdapterClient, ctx: ScenarioContext, rpps: str) -> dict[str, Any]:
    ctx.extra["psc_rpps"] = rpps
    outcome = sut.psc_login(rpps, ctx.user)
    ctx.extra["psc_outcome"] = outcome
    return outcome


@given(parsers.parse("le professionnel de RPPS \"{rpps}\" est connecté par Pro Santé Connect"))
def logged_in(sut: AdapterClient, ctx: ScenarioContext, rpps: str) -> None:
    outcome = _login(sut, ctx, rpps)
    assert outcome.get("outcome") == "SUCCESS" and outcome.get("logged_in") is True, (
        f"mise en place du scénario : la connexion Pro Santé Connect de {rpps} a échoué : {outcome}")


@when(parsers.parse("le professionnel de RPPS \"{rpps}\" se connecte par Pro Santé Connect"))
def log_in(sut: AdapterClient, ctx: ScenarioContext, rpps: str) -> None:
    _login(sut, ctx, rpps)


@when("le professionnel se déconnecte de Pro Santé Connect")
def log_out(sut: AdapterClient, ctx: ScenarioContext) -> None:
    rpps, _ = professional(ctx)
    ctx.extra["psc_logout"] = sut.psc_logout(rpps, ctx.user)


@given("le jeton d'accès Pro Santé Connect du professionnel a expiré")
def access_token_expired(psc: MockAdmin, ctx: ScenarioContext) -> None:
    rpps, _ = professional(ctx)
    url = psc.url.rstrip("/") + EXPIRE_PATH
    try:
        answer = requests.post(url, data={"rpps": rpps}, timeout=T)
    except requests.RequestException as exc:
        raise HarnessError(f"simulateur Pro Santé Connect {url} : {request_problem(exc, T)}") from None
    if answer.status_code != 200:
        raise HarnessError(f"simulateur Pro Santé Connect {url} : HTTP {answer.status_code} {answer.text[:200]!r}")
    attach_json("PSC mock: access tokens expired", answer.json())
    assert answer.json().get("expired", 0) >= 1, (
        "mise en place du scénario : le professionnel n'avait aucun jeton d'accès Pro Santé Connect actif à "
        "faire expirer")


def _exchanges(psc: MockAdmin, ctx: ScenarioContext, operation: str) -> list[dict[str, Any]]:
    return [e for e in psc.exchanges(ctx.scenario_id) if e["operation"] == operation]


def _form(exchange: dict[str, Any]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(str(exchange.get("request_body") or "")).items()}


@then("la connexion Pro Santé Connect a utilisé le code d'autorisation avec PKCE S256")
def pkce_used(psc: MockAdmin, ctx: ScenarioContext) -> None:
    outcome = ctx.extra.get("psc_outcome") or {}
    assert outcome.get("outcome") == "SUCCESS", f"la connexion Pro Santé Connect du logiciel n'a pas abouti : {outcome}"
    authorize = _exchanges(psc, ctx, "authorize")
    assert authorize, "le simulateur Pro Santé Connect n'a reçu aucune demande d'autorisation du logiciel"
    query = {k: v[0] for k, v in parse_qs(urlsplit(str(authorize[0].get("path") or "")).query).items()}
    assert query.get("response_type") == "code", f"demande d'autorisation sans response_type=code : {query}"
    assert query.get("code_challenge_method") == "S256" and query.get("code_challenge"), (
        f"demande d'autorisation sans code_challenge PKCE S256 : {query}")
    tokens = [_form(e) for e in _exchanges(psc, ctx, "token")]
    codes = [f for f in tokens if f.get("grant_type") == "authorization_code"]
    assert codes and all(f.get("code_verifier") for f in codes), (
        f"le code d'autorisation a été échangé sans code_verifier PKCE : {codes}")


@then("le SUT a renouvelé son jeton par le jeton de rafraîchissement Pro Santé Connect")
def token_refreshed(psc: MockAdmin, ctx: ScenarioContext) -> None:
    refreshes = [e for e in _exchanges(psc, ctx, "token") if _form(e).get("grant_type") == "refresh_token"]
    assert refreshes, (
        "après l'expiration, le logiciel n'a jamais utilisé son jeton de rafraîchissement auprès du point de "
        "terminaison token de Pro Santé Connect")
    assert any(e.get("status") == 200 for e in refreshes), (
        f"aucun renouvellement n'a réussi : statuts HTTP {[e.get('status') for e in refreshes]}")


@then("le SUT a révoqué ses jetons Pro Santé Connect")
def tokens_revoked(psc: MockAdmin, ctx: ScenarioContext) -> None:
    ended = [e for e in psc.exchanges(ctx.scenario_id) if e["operation"] in ("revoke", "logout")
             and int(e.get("status") or 0) in (200, 302, 303)]
    assert ended, (
        "à la déconnexion, le logiciel n'a ni révoqué ses jetons ni mis fin à sa session Pro Santé Connect")
