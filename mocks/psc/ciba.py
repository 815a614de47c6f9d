"""CIBA (OpenID Connect Client-Initiated Backchannel Authentication Core 1.0), poll mode.

The backchannel request names the professional (login_hint = RPPS or national
id); PSC pushes the request to the e-CPS app. The mock approves it after
[mocks.psc] ciba_auto_approve_seconds (negative: never by itself) or when the
harness posts a decision to /test/ciba-decision; until then the token endpoint
answers authorization_pending (slow_down when polled faster than the interval).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.hooks import hooked

from .oauth_request import PscRequest
from .protocol import CIBA_GRANT
from .provider import AUTH_METHODS, Grant, Provider, PscOAuthError

DECISIONS = ("approve", "deny")


def backchannel_request(provider: Provider, server: Any, request: PscRequest) -> dict[str, Any]:
    """Validate a backchannel authentication request (CIBA §7) and record it; the §7.3 answer."""
    client = server.authenticate_client(request, AUTH_METHODS, "backchannel_authentication")
    if not client.check_grant_type(CIBA_GRANT):
        raise PscOAuthError("unauthorized_client")
    form = request.form
    for name in form:
        if len(form.getlist(name)) > 1:
            raise PscOAuthError("parametre_repete", name[:64])
    scope = form.get("scope", "")
    if "openid" not in scope.split():
        raise PscOAuthError("invalid_scope")
    hints = [h for h in ("login_hint", "id_token_hint", "login_hint_token") if form.get(h)]
    if len(hints) != 1:
        raise PscOAuthError("ciba_hint_absent")
    if hints[0] == "id_token_hint":
        claims = provider.verify(form["id_token_hint"])
        hint = str((claims or {}).get("preferred_username", ""))
    else:
        hint = form[hints[0]]
    pro = provider.professional(hint)
    if pro is None:
        raise PscOAuthError("ciba_utilisateur_inconnu", hint[:64])
    if pro.card_status != "ACTIVE":
        raise PscOAuthError("carte_invalide", pro.card_status.lower())
    acr = form.get("acr_values")
    if acr and not set(acr.split()) & {m.acr for m in provider.modes.values()}:
        raise PscOAuthError("acr_inconnu", acr[:64])
    if len(form.get("binding_message", "")) > 256:
        raise PscOAuthError("invalid_binding_message")
    mode = form.get("test_mode") or ("ECPS" if "ECPS" in pro.cards else pro.cards[0])
    if mode not in pro.cards:
        raise PscOAuthError("mode_indisponible", mode[:16])
    expires_in = provider.lifetimes["ciba_seconds"]
    if form.get("requested_expiry", "").isdigit():
        expires_in = max(1, min(expires_in, int(form["requested_expiry"])))
    auth_req_id = secrets.token_urlsafe(32)
    sid = secrets.token_urlsafe(16)
    auto = provider.lifetimes["ciba_auto_approve_seconds"]
    provider.state.put("ciba", auth_req_id, client.client_id, sid, {
        "rpps": pro.rpps, "mode": mode, "scope": client.get_allowed_scope(scope), "status": "pending",
        "approve_at": time.time() + auto if auto >= 0 else None, "last_poll": 0.0,
        "binding_message": form.get("binding_message", "")}, expires_in)
    return {"auth_req_id": auth_req_id, "expires_in": expires_in, "interval": provider.lifetimes["ciba_interval"]}


def decide(provider: Provider, auth_req_id: str, decision: str) -> bool:
    """The professional's answer on the e-CPS app (harness-driven); False when no such pending request."""
    item = provider.state.get("ciba", auth_req_id)
    if item is None or item["expired"] or item["status"] != "pending" or decision not in DECISIONS:
        return False
    item["status"] = "approved" if decision == "approve" else "denied"
    item["auth_time"] = int(time.time())
    provider.state.update("ciba", auth_req_id, _data(item))
    return True


def _data(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("client_id", "sid", "expires_at", "revoked", "expired")}


class CibaGrant(grants.BaseGrant, grants.TokenEndpointMixin):
    """grant_type=urn:openid:params:grant-type:ciba at the token endpoint (CIBA §10-11)."""

    GRANT_TYPE = CIBA_GRANT
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    @property
    def provider(self) -> Provider:
        return self.server.provider

    def validate_token_request(self) -> None:
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise PscOAuthError("unauthorized_client")
        self.request.client = client
        auth_req_id = self.request.form.get("auth_req_id")
        if not auth_req_id:
            raise PscOAuthError("invalid_request")
        item = self.provider.state.get("ciba", auth_req_id[:256])
        if item is None or item["client_id"] != client.client_id or item["revoked"]:
            raise PscOAuthError("auth_req_id_inconnu")
        if item["expired"]:
            raise PscOAuthError("expired_token")
        now = time.time()
        if item["status"] == "pending" and item.get("approve_at") is not None and now >= item["approve_at"]:
            item["status"], item["auth_time"] = "approved", int(now)
        if item["status"] == "denied":
            raise PscOAuthError("ciba_refusee")
        if item["status"] == "pending":
            too_fast = now - float(item.get("last_poll") or 0) < self.provider.lifetimes["ciba_interval"] / 2
            item["last_poll"] = now
            self.provider.state.update("ciba", auth_req_id, _data(item))
            raise PscOAuthError("slow_down" if too_fast else "authorization_pending")
        self.provider.state.update("ciba", auth_req_id, _data(item))
        claimed = self.provider.state.claim("ciba", auth_req_id)  # tokens are issued once per auth_req_id
        if claimed is None:
            raise PscOAuthError("auth_req_id_inconnu")
        mode = self.provider.modes.get(item["mode"])
        grant = Grant({**item, "acr": mode.acr if mode else None, "amr": list(mode.amr) if mode else None})
        self.request.authorization_code = grant
        self.request.user = self.provider.login_of(item, item["sid"])
        if self.request.user is None:
            raise PscOAuthError("carte_invalide", "inactive")

    @hooked
    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        user = self.request.user
        token = self.generate_token(user=user, scope=self.request.authorization_code.get_scope(),
                                    include_refresh_token=True)
        self.provider.state.put("session", user.sid, self.request.client.client_id, user.sid,
                                {"rpps": user.professional.rpps}, self.provider.lifetimes["session_seconds"])
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER
