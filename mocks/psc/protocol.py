"""Names of the Pro Santé Connect wire contract: paths, grant types, scopes (one place for service and docs)."""

from __future__ import annotations

DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/jwks"
AUTHORIZE = "/auth"
TOKEN = "/token"
USERINFO = "/userinfo"
INTROSPECT = "/introspect"
REVOKE = "/revoke"
LOGOUT = "/logout"
BACKCHANNEL = "/bc-authorize"

ROUTES: dict[str, tuple[str, ...]] = {
    DISCOVERY: ("GET",),
    JWKS: ("GET",),
    AUTHORIZE: ("GET", "POST"),
    TOKEN: ("POST",),
    USERINFO: ("GET", "POST"),
    INTROSPECT: ("POST",),
    REVOKE: ("POST",),
    LOGOUT: ("GET", "POST"),
    BACKCHANNEL: ("POST",),
}
"""Path -> HTTP methods allowed (OIDC Core: authorize and userinfo take GET and POST)."""

OPERATIONS = {DISCOVERY: "discovery", JWKS: "jwks", AUTHORIZE: "authorize", TOKEN: "token", USERINFO: "userinfo",
              INTROSPECT: "introspect", REVOKE: "revoke", LOGOUT: "logout", BACKCHANNEL: "ciba"}
"""Operation name of each path in the exchange store (and for injected behaviours)."""

CIBA_GRANT = "urn:openid:params:grant-type:ciba"
SCOPES = ("openid", "scope_all")
FORM_CT = "application/x-www-form-urlencoded"
JSON_CT = "application/json; charset=utf-8"
SIGNING_ALG = "RS256"
TEST_LOGIN_PARAM = "test_login"
"""Harness-only authorize parameter: with login_hint=<RPPS>, log in at once and redirect (headless runs)."""
TEST_MODE_PARAM = "test_mode"
"""Harness-only authorize parameter: CPS or ECPS for the non-interactive login (default: the first card)."""
TEST_CIBA = "/test/ciba-decision"
"""Harness-only: POST auth_req_id=...&decision=approve|deny, the professional's answer on the e-CPS app."""
OPERATIONS[TEST_CIBA] = "test-ciba-decision"
TEST_EXPIRE = "/test/expire-access-tokens"
"""Harness-only: POST [rpps=...] ends every live access token (of that professional) now; refresh tokens stay."""
OPERATIONS[TEST_EXPIRE] = "test-expire-access-tokens"
