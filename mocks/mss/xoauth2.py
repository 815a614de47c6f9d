"""SASL XOAUTH2 (Google's format, RFC 7628 style errors) and the token check against PSC introspection (RFC 7662).

Initial client response: "user=" address ^A "auth=Bearer " token ^A ^A.
On a refused token the server sends a 334 challenge carrying a base64 JSON
error (status, schemes, scope); the client answers an empty line and gets 535.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

import requests

from segur_harness import keepalive

PSC_SCOPE = "openid scope_all"


@dataclass(frozen=True)
class Credentials:
    user: str
    token: str


def parse_initial_response(blob: bytes) -> Credentials | None:
    """The user and bearer token of a decoded XOAUTH2 response, or None when malformed."""
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.endswith("\x01\x01"):
        return None
    fields = dict(part.split("=", 1) for part in text[:-2].split("\x01") if "=" in part)
    user, auth = fields.get("user", ""), fields.get("auth", "")
    scheme, _, token = auth.partition(" ")
    if not user or scheme.lower() != "bearer" or not token.strip():
        return None
    return Credentials(user.strip(), token.strip())


def decode_b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def error_challenge(status: str = "401") -> str:
    """The JSON an XOAUTH2 server sends (base64 in a 334) when it refuses a token."""
    return json.dumps({"status": status, "schemes": "bearer", "scope": PSC_SCOPE})


@dataclass(frozen=True)
class TokenCheck:
    active: bool
    rpps: str | None = None
    detail: str = ""
    unavailable: bool = False
    """True when introspection itself failed (network, 5xx): a temporary 454, not a 535."""


def rpps_of(national_id: str) -> str | None:
    """RPPS of a PSC national id: "8" + 11-digit RPPS."""
    return national_id[1:] if len(national_id) == 12 and national_id.startswith("8") and national_id.isdigit() \
        else None


def introspect(url: str, client_id: str, secret: str, token: str, timeout: float) -> TokenCheck:
    """Ask PSC whether `token` is active and whose it is (never raises)."""
    try:
        reply = keepalive.request("POST", url, data={"token": token, "token_type_hint": "access_token"},
                                  auth=(client_id, secret), timeout=timeout)
    except requests.RequestException as exc:
        return TokenCheck(False, detail=f"introspection {url} injoignable : {exc}", unavailable=True)
    if reply.status_code != 200:
        return TokenCheck(False, detail=f"introspection {url} : HTTP {reply.status_code}",
                          unavailable=reply.status_code >= 500 or reply.status_code == 401)
    try:
        data = reply.json()
    except ValueError:
        return TokenCheck(False, detail="introspection : réponse non JSON", unavailable=True)
    if not isinstance(data, dict) or data.get("active") is not True:
        return TokenCheck(False, detail="jeton inactif (inconnu, expiré ou révoqué) selon Pro Santé Connect")
    if data.get("token_type") not in (None, "Bearer"):
        return TokenCheck(False, detail="le jeton présenté n'est pas un jeton d'accès")
    national_id = str(data.get("SubjectNameID") or data.get("preferred_username") or data.get("username") or "")
    rpps = rpps_of(national_id)
    if rpps is None:
        return TokenCheck(False, detail=f"identifiant national du jeton inexploitable : {national_id!r}")
    return TokenCheck(True, rpps=rpps, detail=f"jeton actif de l'identifiant national {national_id}")
