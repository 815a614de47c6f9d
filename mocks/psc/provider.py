"""The provider's shared parts: data, signing key, state, lifetimes, and the token records authlib works on.

Every grant and endpoint reaches these through the server; tokens are
issued (and recorded) here so the code, refresh and CIBA grants agree.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from authlib.oauth2 import OAuth2Error
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from .claims import Login
from .data import AuthMode, Client, Professional
from .faults import ErrorTexts
from .protocol import SIGNING_ALG
from .state import PscState, digest

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
VERIFIED_TOKENS = 1024
"""Access tokens whose verified signature a worker remembers."""


class PscOAuthError(OAuth2Error):
    """A refusal with a [message.<key>] text of errors.toml, raised where authlib expects OAuth2Error."""

    def __init__(self, key: str, detail: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = key
        self.detail = detail
        self.error = key


@dataclass
class Grant:
    """A stored authorization code or CIBA approval (authlib AuthorizationCodeMixin duck type)."""

    data: dict[str, Any]

    def get_redirect_uri(self) -> str | None:
        return self.data.get("redirect_uri")

    def get_scope(self) -> str:
        return str(self.data.get("scope", ""))

    def get_nonce(self) -> str | None:
        return self.data.get("nonce")

    def get_auth_time(self) -> int | None:
        return self.data.get("auth_time")

    def get_acr(self) -> str | None:
        return self.data.get("acr")

    def get_amr(self) -> list[str] | None:
        return self.data.get("amr")


@dataclass
class StoredToken:
    """An access (by jti) or refresh token from the state (authlib TokenMixin duck type)."""

    kind: str
    item_id: str
    data: dict[str, Any]

    def check_client(self, client: Client) -> bool:
        return self.data["client_id"] == client.client_id

    def get_scope(self) -> str:
        return str(self.data.get("scope", ""))

    def get_expires_in(self) -> int:
        return max(0, int(self.data["expires_at"] - time.time()))

    def is_expired(self) -> bool:
        return self.data["expires_at"] <= time.time()

    def is_revoked(self) -> bool:
        return bool(self.data.get("revoked"))


class Provider:
    """What every grant and endpoint needs: data, keys, state, lifetimes (one per service)."""

    def __init__(self, *, issuer: str, key: RSAKey, state: PscState, clients: dict[str, Client],
                 professionals: dict[str, Professional], modes: dict[str, AuthMode], texts: ErrorTexts,
                 lifetimes: dict[str, int]) -> None:
        self.issuer = issuer
        self.key = key
        self.state = state
        self.clients = clients
        self.professionals = professionals
        self.modes = modes
        self.texts = texts
        self.lifetimes = lifetimes
        self._verified: dict[tuple[str, str], dict[str, Any]] = {}

    def professional(self, hint: str) -> Professional | None:
        """By RPPS or by national id "8" + RPPS."""
        hint = hint.strip()
        return self.professionals.get(hint) or self.professionals.get(hint[1:] if hint.startswith("8") else "")

    def login_of(self, data: dict[str, Any], sid: str) -> Login | None:
        pro = self.professionals.get(str(data.get("rpps", "")))
        mode = self.modes.get(str(data.get("mode", "")))
        if pro is None or mode is None or pro.card_status != "ACTIVE":
            return None
        return Login(pro, mode, sid, int(data.get("auth_time", time.time())))

    def sign(self, claims: dict[str, Any], typ: str = "JWT") -> str:
        return jwt.encode({"alg": SIGNING_ALG, "kid": self.key.kid, "typ": typ}, claims, self.key)

    def verify(self, token: str) -> dict[str, Any] | None:
        """Claims of a JWT this provider signed (expiry not checked here), or None.

        A relying party sends the same access token on every call while it lasts: a token whose signature
        was verified is remembered (its exact bytes, under this issuer), as the claims cannot change; its
        state (revoked, expired) is still read from the store on every use (find_token).
        """
        if token.count(".") != 2 or len(token) > 16384:
            return None
        known = self._verified.get((self.issuer, token))
        if known is not None:
            return dict(known)
        try:
            claims = jwt.decode(token, self.key, algorithms=[SIGNING_ALG]).claims
        except (JoseError, ValueError, TypeError):
            return None
        if claims.get("iss") != self.issuer:
            return None
        if len(self._verified) >= VERIFIED_TOKENS:
            self._verified.pop(next(iter(self._verified)))
        self._verified[(self.issuer, token)] = dict(claims)
        return claims

    def issue(self, grant_type: str, client: Client, user: Login | None = None, scope: str | None = None,
              expires_in: int | None = None, include_refresh_token: bool = True) -> dict[str, Any]:
        """Access token (signed JWT, RFC 9068 shape) and optionally a new refresh token, both recorded."""
        if user is None:  # authlib only generates tokens for an authenticated user; never trust that blindly
            raise PscOAuthError("invalid_grant")
        now = int(time.time())
        seconds = self.lifetimes["access_token_seconds"]
        scope = client.get_allowed_scope(scope)
        jti = secrets.token_urlsafe(16)
        pro = user.professional
        claims = {"iss": self.issuer, "sub": user.get_user_id(), "aud": client.client_id, "azp": client.client_id,
                  "client_id": client.client_id, "exp": now + seconds, "iat": now, "jti": jti, "scope": scope,
                  "sid": user.sid, "acr": user.mode.acr, "auth_time": user.auth_time,
                  "preferred_username": pro.national_id, "SubjectNameID": pro.national_id}
        data = {"rpps": pro.rpps, "mode": user.mode.name, "scope": scope, "auth_time": user.auth_time, "iat": now,
                "sub": claims["sub"]}
        self.state.put("access", jti, client.client_id, user.sid, data, seconds)
        token: dict[str, Any] = {"access_token": self.sign(claims, "at+jwt"), "token_type": "Bearer",
                                 "expires_in": seconds, "scope": scope}
        if include_refresh_token:
            refresh = secrets.token_urlsafe(32)
            refresh_seconds = self.lifetimes["refresh_token_seconds"]
            self.state.put("refresh", digest(refresh), client.client_id, user.sid, data, refresh_seconds)
            token["refresh_token"] = refresh
            token["refresh_expires_in"] = refresh_seconds
        return token

    def find_token(self, value: str, hint: str | None = None) -> StoredToken | None:
        """The access (JWT) or refresh token `value`, whatever its state; None when never issued here."""
        if hint != "refresh_token":
            claims = self.verify(value)
            if claims and isinstance(claims.get("jti"), str):
                item = self.state.get("access", claims["jti"])
                if item:
                    return StoredToken("access", claims["jti"], {**item, "claims": claims})
        if hint != "access_token":
            item = self.state.get("refresh", digest(value))
            if item:
                return StoredToken("refresh", digest(value), item)
        return None
