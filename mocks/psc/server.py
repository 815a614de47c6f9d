"""The OAuth 2.0 / OIDC machinery of the PSC mock, on authlib's AuthorizationServer and grants.

authlib does the RFC work (request validation, client authentication,
redirect_uri and PKCE checks, ID token at_hash); this module gives it the
mock's storage, keys and PSC claims, and turns its errors into the French
texts of errors.toml.
"""

from __future__ import annotations

import time
from typing import Any

from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, OpenIDToken, UserInfo
from joserfc.jwk import RSAKey

from segur_harness.store import Finding

from .claims import Login, user_claims
from .data import Client
from .oauth_request import PscRequest
from .protocol import SCOPES, SIGNING_ALG
from .provider import AUTH_METHODS, Grant, Provider, PscOAuthError, StoredToken
from .state import digest


class PscServer(AuthorizationServer):
    """authlib's AuthorizationServer, framework side written for the mock's own requests."""

    def __init__(self, provider: Provider) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.provider = provider
        self.register_token_generator("default", provider.issue)

    def query_client(self, client_id: str) -> Client | None:
        return self.provider.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: PscRequest) -> None:
        """Tokens are recorded when generated (Provider.issue): nothing left to do."""

    def create_oauth2_request(self, request: PscRequest) -> PscRequest:
        return request

    def create_json_request(self, request: PscRequest) -> PscRequest:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, dict]:
        return status, body, dict(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def handle_error_response(self, request: PscRequest, error: OAuth2Error) -> tuple[int, Any, dict]:
        """authlib's error, with the French text and status of errors.toml; the cause as a finding."""
        key = getattr(error, "key", None) or error.error or "server_error"
        code, text, status = self.provider.texts.resolve(key, getattr(error, "detail", ""))
        cause = error.description or text
        request.findings.append(Finding("error", f"PSC-{code.upper()}", cause, request.uri.split("?")[0]))
        error.error, error.description = code, text
        if not getattr(error, "redirect_uri", None):
            error.status_code = status
        status_out, body, headers = error(self.get_error_uri(request, error))
        headers = dict(headers)
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k != "error_uri"}
        if code == "invalid_client":
            headers["WWW-Authenticate"] = 'Basic realm="psc"'
        return status_out, body, headers


class StrictPkce(CodeChallenge):
    """PKCE as PSC requires it: a code_challenge on every authorization request, S256 only."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise PscOAuthError("pkce_requis", redirect_uri=redirect_uri, state=data.get("state"))
        method = data.get("code_challenge_method", "plain")
        if method != "S256":
            raise PscOAuthError("pkce_methode", method[:32], redirect_uri=redirect_uri, state=data.get("state"))
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise PscOAuthError("pkce_verifier_absent")
        try:
            super().validate_code_verifier(grant, result)
        except OAuth2Error as exc:
            if exc.error == "invalid_grant":
                raise PscOAuthError("pkce_verifier_faux") from None
            raise

    def get_authorization_code_challenge(self, authorization_code: Grant) -> str | None:
        return authorization_code.data.get("code_challenge")

    def get_authorization_code_challenge_method(self, authorization_code: Grant) -> str | None:
        return authorization_code.data.get("code_challenge_method")


class CodeGrant(grants.AuthorizationCodeGrant):
    """Authorization code grant (RFC 6749 §4.1) with codes in the shared state."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    AUTHORIZATION_CODE_LENGTH = 43

    @property
    def provider(self) -> Provider:
        return self.server.provider

    def save_authorization_code(self, code: str, request: PscRequest) -> None:
        login: Login = request.user
        data = request.payload.data
        self.provider.state.put("code", code, request.client.client_id, login.sid, {
            "redirect_uri": data.get("redirect_uri"), "scope": request.client.get_allowed_scope(data.get("scope")),
            "nonce": data.get("nonce"), "code_challenge": data.get("code_challenge"),
            "code_challenge_method": data.get("code_challenge_method"), "rpps": login.professional.rpps,
            "mode": login.mode.name, "auth_time": login.auth_time, "acr": login.mode.acr,
            "amr": list(login.mode.amr)}, self.provider.lifetimes["code_seconds"])

    def query_authorization_code(self, code: str, client: Client) -> Grant | None:
        item = self.provider.state.claim("code", code)  # single use, even under concurrent redemptions
        if item is None or item["client_id"] != client.client_id:
            return None
        return Grant(item)

    def delete_authorization_code(self, authorization_code: Grant) -> None:
        """Already consumed by query_authorization_code."""

    def authenticate_user(self, authorization_code: Grant) -> Login | None:
        return self.provider.login_of(authorization_code.data, authorization_code.data["sid"])


class RefreshGrant(grants.RefreshTokenGrant):
    """Refresh (RFC 6749 §6) with rotation: the old refresh token is consumed, a new one issued."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> StoredToken | None:
        if len(refresh_token) > 512:
            return None
        item = self.server.provider.state.claim("refresh", digest(refresh_token))
        if item is None:
            raise PscOAuthError("refresh_invalide")
        return StoredToken("refresh", digest(refresh_token), item)

    def authenticate_user(self, refresh_token: StoredToken) -> Login | None:
        session = self.server.provider.state.get("session", refresh_token.data["sid"])
        if session is not None and session["revoked"]:
            return None
        login = self.server.provider.login_of(refresh_token.data, refresh_token.data["sid"])
        if login is not None:  # the refreshed ID token keeps the original authentication event
            self.request.authorization_code = Grant({"auth_time": login.auth_time, "acr": login.mode.acr,
                                                     "amr": list(login.mode.amr)})
        return login

    def revoke_old_credential(self, refresh_token: StoredToken) -> None:
        """Already consumed by authenticate_refresh_token."""


class PscIdToken:
    """The ID token claims shared by the code and CIBA grants (OIDC Core §2, PSC claims)."""

    provider: Provider

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.provider.key

    def get_client_algorithm(self, client: Client) -> str:
        return SIGNING_ALG

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": SIGNING_ALG, "kid": self.provider.key.kid, "typ": "JWT"}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": self.provider.issuer, "aud": [client.client_id], "azp": client.client_id,
                "iat": now, "exp": now + self.provider.lifetimes["id_token_seconds"]}

    def generate_user_info(self, user: Login, scope: str) -> UserInfo:
        return UserInfo({**user_claims(user), "sid": user.sid, "amr": list(user.mode.amr)})


class PscOpenIDCode(PscIdToken, OpenIDCode):
    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=False)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: PscRequest) -> bool:
        return False


class PscOpenIDToken(PscIdToken, OpenIDToken):
    def __init__(self, provider: Provider) -> None:
        self.provider = provider


def build_server(provider: Provider) -> PscServer:
    """The AuthorizationServer with every grant and endpoint of the mock registered."""
    from .ciba import CibaGrant
    from .endpoints import PscIntrospection, PscRevocation

    server = PscServer(provider)
    server.register_grant(CodeGrant, [StrictPkce(required=True), PscOpenIDCode(provider)])
    server.register_grant(RefreshGrant, [PscOpenIDToken(provider)])
    server.register_grant(CibaGrant, [PscOpenIDToken(provider)])
    server.register_endpoint(PscIntrospection)
    server.register_endpoint(PscRevocation)
    return server
