"""A recorded Pro Santé Connect request run again through the PSC mock's own code, offline, for `--rerun`.

What a request says by itself is judged again by the mock's handle on a
throwaway provider built from the run's settings (clients, professionals,
error texts): HTTP method, form, client authentication (client_secret_basic
or _post against the run's clients), grant type, the authorization request's
redirect_uri, scope, acr and PKCE challenge (S256 required), a token
request's code_verifier (present, well formed). For an authorization-code
token request, the code is put in the throwaway state first, as the run's
authorization had issued it, so that authlib reaches the PKCE check: whether
the code was still valid, and whether the verifier matched the challenge of
the run, depended on the provider's state then and are not re-judged
(`invalid_grant`), nor are the tokens of userinfo, refresh, CIBA polling or
the session of an id_token_hint (signed with the run's key, not in the bundle).
"""

from __future__ import annotations

import base64
import copy
from typing import Any
from urllib.parse import parse_qsl, unquote

from segur_harness.store import Finding

STATE_RULES = ("PSC-INVALID_GRANT", "PSC-INVALID_TOKEN", "PSC-AUTHORIZATION_PENDING", "PSC-SLOW_DOWN",
               "PSC-EXPIRED_TOKEN", "PSC-EXPIRED_LOGIN_HINT_TOKEN")
"""Refusals that depended on the provider's state at that moment (a code, a token, a CIBA request)."""
LEFT_OUT = (*STATE_RULES, "PSC-SERVER_ERROR", "PSC-TEMPORARILY_UNAVAILABLE", "PSC-LOGIN", "PSC-LOGOUT", "INJECTED",
            "MOCK-")
CODE_GRANT = "authorization_code"


def in_scope(rule: str) -> bool:
    """True when the replay redoes the check behind `rule` (module docstring)."""
    return rule.startswith("PSC-") and not rule.startswith(LEFT_OUT)


def _form(body: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        return {}


def _client_id(form: dict[str, str], headers: dict[str, Any]) -> str:
    """The client of a token request: client_secret_post's field or client_secret_basic's user."""
    auth = str(next((v for k, v in headers.items() if k.lower() == "authorization"), ""))
    if auth[:6].lower() == "basic ":
        try:
            return unquote(base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")[0])
        except (ValueError, UnicodeDecodeError):
            return ""
    return form.get("client_id", "")


def not_replayable(record: dict[str, Any], body: bytes) -> str | None:
    """Why this PSC request cannot be judged again from the bundle, or None."""
    path, operation = str(record.get("path") or ""), str(record.get("operation") or "")
    form = _form(body) if record.get("method") == "POST" else dict(parse_qsl(str(record.get("query") or "")))
    if path.startswith("/test/"):
        return "point d'accès réservé au harness"
    if operation == "logout" and form.get("id_token_hint"):
        return "id_token_hint signé par la clé du fournisseur du run, absente du bundle"
    errors = {f.get("rule") for f in record.get("findings") or [] if isinstance(f, dict)
              and f.get("severity") == "error"}  # fmt: skip
    if operation == "token" and form.get("grant_type") == CODE_GRANT and errors & set(STATE_RULES):
        return "code refusé au run (invalid_grant) : dépendait de l'état du fournisseur, non rejugé"
    return None


class PscReplay:
    """The PSC mock of the run (its settings and data files), on a throwaway state and signing key."""

    def __init__(self, cfg: dict[str, Any], root: Any) -> None:
        from segur_harness.mocks.psc.service import PscService

        cfg = copy.deepcopy(cfg)
        cfg["mocks"].setdefault("psc", {})["pki_dir"] = str(root / "psc-pki")
        self.service = PscService(cfg)

    def judge(self, request: Any, record: dict[str, Any], body: bytes) -> list[Finding]:
        form = _form(body)
        if record.get("operation") == "token" and form.get("grant_type") == CODE_GRANT and form.get("code"):
            self._issue(form, dict(record.get("request_headers") or {}))
        return list(self.service.handle(request, body).findings)

    def _issue(self, form: dict[str, str], headers: dict[str, Any]) -> None:
        """The code as the run's authorization issued it (CodeGrant.save_authorization_code's record), with the
        challenge of the request's own verifier: the match itself is not re-judged."""
        from authlib.oauth2.rfc7636 import create_s256_code_challenge

        from segur_harness.mocks.psc import login

        provider = self.service.provider
        client_id = _client_id(form, headers)
        pro = next((p for p in provider.professionals.values() if p.card_status == "ACTIVE"), None)
        if client_id not in provider.clients or pro is None:
            return  # the client's authentication fails before the code is read
        who = login.log_in(provider, pro.rpps, "", client_id)
        verifier = form.get("code_verifier") or "verifier-absent-de-la-requete-" + "x" * 20
        provider.state.put("code", form["code"], client_id, who.sid, {
            "redirect_uri": form.get("redirect_uri"), "scope": "openid", "nonce": None,
            "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256",
            "rpps": pro.rpps, "mode": who.mode.name, "auth_time": who.auth_time, "acr": who.mode.acr,
            "amr": list(who.mode.amr)}, provider.lifetimes["code_seconds"])  # fmt: skip
