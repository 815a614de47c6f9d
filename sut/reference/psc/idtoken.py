"""The ID token check of OIDC Core §3.1.3.7: signature with the issuer's JWKS, iss, aud, nonce, exp.

joserfc (the JOSE library authlib itself now builds on) does the JWS and the
claim rules; this module says which claims are essential and words each
refusal in French for the user.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet


class InvalidIdToken(ValueError):
    """The ID token must not be trusted; the message is French and names the check that failed."""


class UnknownKey(InvalidIdToken):
    """Signed with a key the cached JWKS does not hold (PSC may have rotated its keys)."""


def _kid(token: str) -> str | None:
    """The `kid` of the JWS protected header, None when absent or unreadable (the signature check says more)."""
    head = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


def verify(token: str, jwks: dict[str, Any], *, issuer: str, client_id: str, nonce: str, algorithms: list[str],
           leeway: int) -> dict[str, Any]:
    """The claims of `token` when it passes every check, else InvalidIdToken (UnknownKey for an unknown kid)."""
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidIdToken(f"jeu de clés de Pro Santé Connect inutilisable ({exc})") from None
    kid = _kid(token)
    if kid is not None and all(key.kid != kid for key in keys.keys):
        raise UnknownKey(f"jeton d'identité signé par une clé inconnue ({kid})")
    try:
        decoded = jwt.decode(token, keys, algorithms=algorithms)
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidIdToken(f"signature du jeton d'identité invalide ({type(exc).__name__})") from None
    rules = jwt.JWTClaimsRegistry(
        leeway=leeway, iss={"essential": True, "value": issuer}, aud={"essential": True, "value": client_id},
        nonce={"essential": True, "value": nonce}, exp={"essential": True}, sub={"essential": True})
    try:
        rules.validate(decoded.claims)
    except ExpiredTokenError:
        raise InvalidIdToken("jeton d'identité expiré") from None
    except MissingClaimError as exc:
        raise InvalidIdToken(f"jeton d'identité sans la revendication {exc.claim}") from None
    except InvalidClaimError as exc:
        raise InvalidIdToken(f"revendication {exc.claim} du jeton d'identité incorrecte") from None
    azp = decoded.claims.get("azp")
    audience = decoded.claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and azp != client_id:
        raise InvalidIdToken("jeton d'identité émis pour un autre client (azp)")
    return dict(decoded.claims)
