"""Token introspection (RFC 7662) and revocation (RFC 7009) on authlib's endpoints."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from .data import Client
from .oauth_request import PscRequest
from .provider import AUTH_METHODS, StoredToken


class PscIntrospection(IntrospectionEndpoint):
    """RFC 7662 for resource servers (clients with introspection = true): the MSSanté XOAUTH2 check."""

    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> StoredToken | None:
        return self.server.provider.find_token(token_string, token_type_hint)

    def check_permission(self, token: StoredToken, client: Client, request: PscRequest) -> bool:
        return client.introspection or token.check_client(client)

    def introspect_token(self, token: StoredToken) -> dict[str, Any]:
        data = token.data
        pro = self.server.provider.professionals.get(str(data.get("rpps")))
        out = {"active": True, "scope": data.get("scope", ""), "client_id": data["client_id"],
               "token_type": "Bearer" if token.kind == "access" else "refresh_token",
               "exp": int(data["expires_at"]), "iat": data.get("iat"), "sub": data.get("sub"),
               "iss": self.server.provider.issuer, "sid": data["sid"], "auth_time": data.get("auth_time")}
        if token.kind == "access":
            out.update(aud=data["client_id"], jti=token.item_id)
        if pro is not None:
            out.update(username=pro.national_id, preferred_username=pro.national_id, SubjectNameID=pro.national_id)
        mode = self.server.provider.modes.get(str(data.get("mode")))
        if mode is not None:
            out["acr"] = mode.acr
        return {k: v for k, v in out.items() if v is not None}


class PscRevocation(RevocationEndpoint):
    """RFC 7009: the token stops being active at once (introspection, userinfo, refresh)."""

    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> StoredToken | None:
        return self.server.provider.find_token(token_string, token_type_hint)

    def revoke_token(self, token: StoredToken, request: PscRequest) -> None:
        self.server.provider.state.revoke(token.kind, token.item_id)
