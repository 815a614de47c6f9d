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
        raise AssertionError("no professional logged in with Pro Santé Connect in this scenario "
                             "(missing 'le professionnel de RPPS … est connecté par Pro Santé Connect' step)")
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
        f"set-up: the Pro Santé Connect login of {rpps} failed: {outcome}")


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
        raise HarnessError(f"PSC mock {url}: {request_problem(exc, T)}") from None
    if answer.status_code != 200:
        raise HarnessError(f"PSC mock {url}: HTTP {answer.status_code} {answer.text[:200]!r}")
    attach_json("PSC mock: access tokens expired", answer.json())
    assert answer.json().get("expired", 0) >= 1, "set-up: the professional had no live PSC access token to expire"


def _exchanges(psc: MockAdmin, ctx: ScenarioContext, operation: str) -> list[dict[str, Any]]:
    return [e for e in psc.exchanges(ctx.scenario_id) if e["operation"] == operation]


def _form(exchange: dict[str, Any]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(str(exchange.get("request_body") or "")).items()}


@then("la connexion Pro Santé Connect a utilisé le code d'autorisation avec PKCE S256")
def pkce_used(psc: MockAdmin, ctx: ScenarioContext) -> None:
    outcome = ctx.extra.get("psc_outcome") or {}
    assert outcome.get("outcome") == "SUCCESS", f"the SUT's Pro Santé Connect login did not succeed: {outcome}"
    authorize = _exchanges(psc, ctx, "authorize")
    assert authorize, "the PSC mock received no authorization request from the SUT"
    query = {k: v[0] for k, v in parse_qs(urlsplit(str(authorize[0].get("path") or "")).query).items()}
    assert query.get("response_type") == "code", f"authorization request without response_type=code: {query}"
    assert query.get("code_challenge_method") == "S256" and query.get("code_challenge"), (
        f"authorization request without a PKCE S256 code_challenge: {query}")
    tokens = [_form(e) for e in _exchanges(psc, ctx, "token")]
    codes = [f for f in tokens if f.get("grant_type") == "authorization_code"]
    assert codes and all(f.get("code_verifier") for f in codes), (
        f"the code was exchanged without a PKCE code_verifier: {codes}")


@then("le SUT a renouvelé son jeton par le jeton de rafraîchissement Pro Santé Connect")
def token_refreshed(psc: MockAdmin, ctx: ScenarioContext) -> None:
    refreshes = [e for e in _exchanges(psc, ctx, "token") if _form(e).get("grant_type") == "refresh_token"]
    assert refreshes, "the SUT never used its refresh token at the PSC token endpoint after the expiry"
    assert any(e.get("status") == 200 for e in refreshes), (
        f"no refresh succeeded: statuses {[e.get('status') for e in refreshes]}")


@then("le SUT a révoqué ses jetons Pro Santé Connect")
def tokens_revoked(psc: MockAdmin, ctx: ScenarioContext) -> None:
    ended = [e for e in psc.exchanges(ctx.scenario_id) if e["operation"] in ("revoke", "logout")
             and int(e.get("status") or 0) in (200, 302, 303)]
    assert ended, "the SUT neither revoked its tokens nor ended its Pro Santé Connect session at logout"
