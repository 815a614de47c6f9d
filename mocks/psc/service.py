"""PscService (MockService): one request of the Pro Santé Connect mock, from routing to the OAuth answer.

Transport, bounds and recording are the framework's; this class picks the
endpoint, parses parameters strictly, hands the OAuth work to authlib
(server.py, ciba.py) and shapes every refusal as OAuth JSON (faults.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from flask import Request

from segur_harness.config import store_path
from segur_harness.mocks.framework import MockResult
from segur_harness.store import Behaviour, Finding

from . import ciba, login
from .claims import user_claims
from .data import load_clients, load_professionals
from .faults import ErrorTexts, PscError
from .keys import jwks, load_signing_key
from .oauth_request import PscRequest, parse_params, read_form
from .protocol import (
    AUTHORIZE,
    BACKCHANNEL,
    CIBA_GRANT,
    DISCOVERY,
    INTROSPECT,
    JSON_CT,
    JWKS,
    LOGOUT,
    OPERATIONS,
    REVOKE,
    ROUTES,
    SCOPES,
    SIGNING_ALG,
    TEST_CIBA,
    TEST_EXPIRE,
    TOKEN,
    USERINFO,
)
from .provider import Provider
from .server import build_server
from .state import PscState

LIFETIMES = {"access_token_seconds": 300, "refresh_token_seconds": 1800, "id_token_seconds": 300,
             "code_seconds": 60, "session_seconds": 36000, "ciba_seconds": 120, "ciba_interval": 2,
             "ciba_auto_approve_seconds": 4}
HTML_CT = "text/html; charset=utf-8"


def _json(status: int, body: Any, operation: str, headers: dict[str, str] | None = None) -> MockResult:
    data = json.dumps(body, ensure_ascii=False).encode()
    return MockResult(status, data, JSON_CT, operation, headers={"Cache-Control": "no-store", **(headers or {})})


class PscService:
    """The Pro Santé Connect mock (see docs/mocks.md)."""

    name = "psc"

    def __init__(self, cfg: dict[str, Any]) -> None:
        section = cfg["mocks"].get("psc", {})
        host = cfg["mocks"].get("host", "127.0.0.1")
        issuer = str(section.get("issuer") or f"http://{host}:{section.get('port', 18083)}").rstrip("/")
        pki_dir = section.get("pki_dir") or cfg["mocks"].get("dmp", {}).get("pki_dir") or "reports/pki"
        professionals, modes = load_professionals(section.get("professionals_file") or None)
        lifetimes = {k: int(section.get(k, v)) for k, v in LIFETIMES.items()}
        self.provider = Provider(issuer=issuer, key=load_signing_key(Path(str(pki_dir))),
                                 state=PscState(store_path(cfg)), clients=load_clients(section.get("clients_file")
                                                                                      or None),
                                 professionals=professionals, modes=modes,
                                 texts=ErrorTexts.load(section.get("errors_file") or None), lifetimes=lifetimes)
        self.server = build_server(self.provider)
        self.provider.state.purge_expired()
        self.texts = self.provider.texts

    # -- MockService --------------------------------------------------------------------------------------------
    def routes(self) -> list[str]:
        return [*ROUTES, TEST_CIBA, TEST_EXPIRE]

    def methods(self, path: str) -> tuple[str, ...]:
        """OIDC takes GET on discovery, JWKS, authorize, userinfo and logout (the framework enforces it)."""
        return ROUTES.get(path, ("POST",))

    def sniff_operation(self, request: Request, body: bytes) -> str:
        return OPERATIONS.get(request.path, "unknown")

    def handle(self, request: Request, body: bytes) -> MockResult:
        operation = self.sniff_operation(request, body)
        method = request.method
        allowed = self.methods(request.path)
        if method not in allowed:
            return self.texts.result("methode_refusee", "", operation, status=405,
                                     finding=f"{method} sur {request.path}", headers={"Allow": ", ".join(allowed)})
        try:
            req = self._oauth_request(request, method, body)
            result = self._dispatch(request.path, req, operation)
        except PscError as exc:
            return self.texts.result(exc.key, exc.detail, operation, status=exc.status)
        result.findings[:0] = req.findings
        return result

    def protocol_error(self, reason: str, operation: str, status: int = 400) -> MockResult:
        key = {404: "point_acces_inconnu", 405: "methode_refusee", 413: "trop_volumineux"}.get(
            status, "server_error" if status >= 500 else "requete_refusee")
        return self.texts.result(key, "", operation, status=status, finding=reason)

    def injected_fault(self, behaviour: Behaviour, operation: str) -> MockResult:
        params = behaviour.params
        key = str(params.get("code", "server_error"))
        status = int(params["status"]) if "status" in params else None
        return self.texts.result(key, str(params.get("detail", "")), operation, status=status,
                                 finding=f"erreur injectée {key}")

    def reset(self) -> None:
        self.provider.state.clear()

    # -- endpoints ----------------------------------------------------------------------------------------------
    def _oauth_request(self, request: Request, method: str, body: bytes) -> PscRequest:
        try:
            query = request.query_string.decode("utf-8")
        except UnicodeDecodeError:
            raise PscError("formulaire_illisible", "URL") from None
        args = parse_params(query, "URL")
        form = read_form(request.content_type, body) if method == "POST" else parse_params("", "")
        uri = self.provider.issuer + request.path + (f"?{query}" if query else "")
        return PscRequest(method, uri, request.headers, args, form)

    def _dispatch(self, path: str, req: PscRequest, operation: str) -> MockResult:
        if path == DISCOVERY:
            return _json(200, self.discovery(), operation, {"Cache-Control": "public, max-age=300"})
        if path == JWKS:
            return _json(200, jwks(self.provider.key), operation, {"Cache-Control": "public, max-age=300"})
        if path == AUTHORIZE:
            return self._authorize(req, operation)
        if path == TOKEN:
            return self._authlib(self.server.create_token_response(req), operation)
        if path == INTROSPECT:
            return self._authlib(self.server.create_endpoint_response("introspection", req), operation)
        if path == REVOKE:
            return self._authlib(self.server.create_endpoint_response("revocation", req), operation)
        if path == BACKCHANNEL:
            try:
                return _json(200, ciba.backchannel_request(self.provider, self.server, req), operation)
            except OAuth2Error as error:
                return self._authlib(self.server.handle_error_response(req, error), operation)
        if path == USERINFO:
            return self._userinfo(req, operation)
        if path == LOGOUT:
            return self._logout(req, operation)
        if path == TEST_EXPIRE:
            rpps = req.form.get("rpps") or None
            return _json(200, {"expired": self.provider.state.expire_access(rpps), "rpps": rpps}, operation)
        return self._ciba_decision(req, operation)

    def _authlib(self, answer: tuple[int, Any, dict[str, str]], operation: str) -> MockResult:
        status, body, headers = answer
        if status in (301, 302, 303):
            return MockResult(status, b"", "text/plain; charset=utf-8", operation, headers=headers)
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        return MockResult(status, data, JSON_CT, operation, headers={"Cache-Control": "no-store", **headers})

    def _authorize(self, req: PscRequest, operation: str) -> MockResult:
        try:
            grant = self.server.get_consent_grant(request=req)
        except OAuth2Error as error:
            if not getattr(error, "redirect_uri", None):
                error.status_code = 400
            result = self._authlib(self.server.handle_error_response(req, error), operation)
            if result.status == 401:  # invalid_client at the authorize endpoint is shown to the user, 400
                result.status = 400
                result.headers.pop("WWW-Authenticate", None)
            return result
        redirect_uri = grant.redirect_uri
        state = req.payload.data.get("state")
        acr = req.payload.data.get("acr_values")
        supported = {m.acr for m in self.provider.modes.values()}
        try:
            if acr and not set(acr.split()) & supported:
                raise PscError("acr_inconnu", acr[:64])
            who = login.chosen(req)
            if who is None:
                return MockResult(200, login.form_page(self.provider, req), HTML_CT, operation,
                                  headers={"Cache-Control": "no-store"})
            user = login.log_in(self.provider, who[0], who[1], req.payload.client_id)
        except PscError as exc:
            code, text, _ = self.texts.resolve(exc.key, exc.detail)
            params = [("error", code), ("error_description", text)] + ([("state", state)] if state else [])
            result = MockResult(302, b"", "text/plain; charset=utf-8", operation,
                                headers={"Location": add_params_to_uri(redirect_uri, params)})
            result.findings.append(Finding("error", f"PSC-{code.upper()}", text, operation))
            return result
        result = self._authlib(self.server.create_authorization_response(req, grant_user=user, grant=grant),
                               operation)
        result.findings.append(Finding("info", "PSC-LOGIN", f"connexion de {user.professional.national_id} "
                                       f"({user.mode.name}, session {user.sid})", operation))
        return result

    def _bearer(self, req: PscRequest) -> str | None:
        header = req.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            return header[7:].strip()
        return req.form.get("access_token") if req.method == "POST" else None

    def _userinfo(self, req: PscRequest, operation: str) -> MockResult:
        token = self._bearer(req)
        if not token:
            return self.texts.result("jeton_absent", "", operation, status=401,
                                     headers={"WWW-Authenticate": 'Bearer realm="psc"'})
        stored = self.provider.find_token(token, "access_token")
        user = self.provider.login_of(stored.data, stored.data["sid"]) if stored else None
        if stored is None or stored.is_expired() or stored.is_revoked() or user is None:
            cause = "inconnu" if stored is None else "expiré" if stored.is_expired() else "révoqué ou inactif"
            return self.texts.result("jeton_invalide", "", operation, finding=f"jeton d'accès {cause}")
        return _json(200, user_claims(user), operation)

    def _logout(self, req: PscRequest, operation: str) -> MockResult:
        data = req.payload.data
        hint, target, state = data.get("id_token_hint"), data.get("post_logout_redirect_uri"), data.get("state")
        client_id = data.get("client_id")
        sid = None
        if hint:
            claims = self.provider.verify(hint)
            if claims is None:
                raise PscError("id_token_hint_invalide")
            sid = claims.get("sid")
            aud = claims.get("aud")
            client_id = client_id or (aud[0] if isinstance(aud, list) and aud else aud)
        if target:
            client = self.provider.clients.get(str(client_id or ""))
            if client is None or target not in client.post_logout_redirect_uris:
                raise PscError("post_logout_inconnue", target[:200])
        revoked = self.provider.state.revoke_session(str(sid)) if sid else 0
        finding = Finding("info", "PSC-LOGOUT", f"session {sid or '(aucune)'} terminée, {revoked} élément(s) "
                          "révoqué(s)", operation)
        if target:
            location = add_params_to_uri(target, [("state", state)] if state else [])
            result = MockResult(302, b"", "text/plain; charset=utf-8", operation, headers={"Location": location})
        else:
            page = ('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Déconnexion</title></head>'
                    '<body><p>Vous êtes déconnecté(e) de Pro Santé Connect.</p></body></html>')
            result = MockResult(200, page.encode(), HTML_CT, operation)
        result.findings.append(finding)
        return result

    def _ciba_decision(self, req: PscRequest, operation: str) -> MockResult:
        auth_req_id, decision = req.form.get("auth_req_id", ""), req.form.get("decision", "approve")
        if not ciba.decide(self.provider, auth_req_id, decision):
            raise PscError("auth_req_id_inconnu")
        return _json(200, {"auth_req_id": auth_req_id, "decision": decision}, operation)

    def discovery(self) -> dict[str, Any]:
        """OpenID Provider Metadata (OIDC Discovery §3, RFC 8414, CIBA §4)."""
        base = self.provider.issuer
        return {
            "issuer": base,
            "authorization_endpoint": base + AUTHORIZE,
            "token_endpoint": base + TOKEN,
            "userinfo_endpoint": base + USERINFO,
            "jwks_uri": base + JWKS,
            "introspection_endpoint": base + INTROSPECT,
            "revocation_endpoint": base + REVOKE,
            "end_session_endpoint": base + LOGOUT,
            "backchannel_authentication_endpoint": base + BACKCHANNEL,
            "backchannel_token_delivery_modes_supported": ["poll"],
            "backchannel_user_code_parameter_supported": False,
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", CIBA_GRANT],
            "acr_values_supported": sorted({m.acr for m in self.provider.modes.values()}),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [SIGNING_ALG],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_parameter_supported": False,
            "claims_supported": ["sub", "SubjectNameID", "SubjectRefPro", "SubjectRole", "SubjectOrganization",
                                 "otherIds", "given_name", "family_name", "preferred_username", "acr", "amr",
                                 "auth_time", "sid", "nonce"],
            "ui_locales_supported": ["fr"],
        }

