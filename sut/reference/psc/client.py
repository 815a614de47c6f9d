"""Log a professional in and out of Pro Santé Connect and hand out fresh access tokens.

Conformant behaviour (the `psc-*` defects each bend one rule):
- authorization code flow with PKCE S256, `state` and `nonce` (RFC 6749 §4.1,
  RFC 7636, OIDC Core §3.1), headless through the PSC test login; the code is
  exchanged at the token endpoint with client_secret_basic;
- the ID token is verified (signature with the JWKS from discovery, iss, aud,
  nonce, exp) and must name the professional who logged in;
- an access token expiring within `refresh_leeway_seconds` is refreshed before
  use, keeping the rotated refresh token;
- logout revokes the refresh token (RFC 7009), ends the PSC session
  (RP-initiated logout with id_token_hint) and forgets every token.
"""

from __future__ import annotations

import secrets
import time
import urllib.parse
from dataclasses import dataclass, replace
from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from requests.auth import HTTPBasicAuth

from ..outcome import ERROR, FAILURE, REFUSED, SUCCESS, ServiceOutcome, worst
from ..settings import SutSettings
from .data import psc_data
from .http import Reply, call
from .idtoken import InvalidIdToken, UnknownKey, verify
from .provider import Provider, ProviderMetadata, Unavailable
from .sessions import PscSession, PscSessions, iso
from .trace import PscTraceLog

CONNECTION = "Connexion Pro Santé Connect"


@dataclass(frozen=True)
class Access:
    """An access token to present (XOAUTH2), or why there is none: `outcome` REFUSED / FAILURE / ERROR."""

    token: str | None
    outcome: str
    detail: str = ""


def _work_situation(claims: dict[str, Any]) -> str:
    """codeProfession + codeCategorieProfessionnelle of the first exercice of SubjectRefPro ("" when none)."""
    exercices = (claims.get("SubjectRefPro") or {}).get("exercices") or []
    first = exercices[0] if exercices and isinstance(exercices[0], dict) else {}
    return f"{first.get('codeProfession', '')}{first.get('codeCategorieProfessionnelle', '')}"


def _redirect(reply: Reply, redirect_uri: str, state: str) -> Reply:
    """The authorization answer read from its redirect (RFC 6749 §4.1.2): the code, or PSC's error."""
    target = urllib.parse.urlsplit(reply.location or "")
    expected = urllib.parse.urlsplit(redirect_uri)
    if (target.scheme, target.netloc, target.path) != (expected.scheme, expected.netloc, expected.path):
        return replace(reply, outcome=FAILURE, detail=f"redirection inattendue de Pro Santé Connect ({reply.location})")
    query = dict(urllib.parse.parse_qsl(target.query))
    if query.get("error"):
        detail = query["error"] + (f" : {query['error_description']}" if query.get("error_description") else "")
        return replace(reply, outcome=FAILURE, body=query, detail=f"Pro Santé Connect a refusé la connexion ({detail})")
    if query.get("state") != state:
        return replace(reply, outcome=FAILURE, detail="paramètre state de la réponse incorrect (réponse rejetée)")
    if not query.get("code"):
        return replace(reply, outcome=FAILURE, detail="réponse d'autorisation sans code")
    return replace(reply, body={"code": query["code"]})


def _tokens(reply: Reply, *, id_token: bool) -> Reply:
    """A token answer (RFC 6749 §5.1) the SUT can use: Bearer access token, lifetime, and the ID token on login."""
    body = reply.body
    usable = (isinstance(body.get("access_token"), str) and str(body.get("token_type", "")).lower() == "bearer"
              and isinstance(body.get("expires_in"), int) and not isinstance(body.get("expires_in"), bool))
    if usable and (not id_token or isinstance(body.get("id_token"), str)):
        return reply
    return replace(reply, outcome=ERROR, detail="réponse de jeton de Pro Santé Connect incomplète")


class PscClient:
    """The SUT's PSC relying party, for its settings; sessions and traces are the Sut's."""

    def __init__(self, settings: SutSettings, traces: PscTraceLog, sessions: PscSessions, provider: Provider) -> None:
        self.settings = settings
        self.traces = traces
        self.sessions = sessions
        self.provider = provider

    # -- plumbing ------------------------------------------------------------
    @property
    def _timeout(self) -> float:
        return self.settings.psc_timeout_seconds

    def _client_auth(self) -> HTTPBasicAuth:
        """client_secret_basic: id and secret form-encoded, then Basic (RFC 6749 §2.3.1)."""
        s = self.settings
        return HTTPBasicAuth(urllib.parse.quote(s.psc_client_id, safe=""),
                             urllib.parse.quote(s.psc_client_secret, safe=""))

    def _metadata(self, rpps: str) -> ProviderMetadata:
        return self.provider.metadata(self.settings.psc_url or "", self._timeout, rpps)

    def _claims(self, meta: ProviderMetadata, id_token: str, nonce: str, rpps: str) -> dict[str, Any]:
        data = psc_data()
        options = {"issuer": meta.issuer, "client_id": self.settings.psc_client_id, "nonce": nonce,
                   "algorithms": list(data["signing_algorithms"]), "leeway": int(data["clock_skew_seconds"])}
        try:
            return verify(id_token, self.provider.jwks(meta, self._timeout, rpps), **options)
        except UnknownKey:
            return verify(id_token, self.provider.jwks(meta, self._timeout, rpps, fresh=True), **options)

    @staticmethod
    def _unhappy(outcome: str, detail: str, what: str, fields: dict[str, Any]) -> ServiceOutcome:
        after = " Réessayez plus tard." if outcome == ERROR else ""
        verb = "impossible" if outcome == ERROR else "refusée"
        return ServiceOutcome(outcome, f"{what} {verb} : {detail.rstrip('. ')}.{after}", True, fields)

    # -- login ---------------------------------------------------------------
    def login(self, rpps: str, mode: str | None, user: str | None = None) -> ServiceOutcome:
        """The whole headless login of professional `rpps`; the session is kept on success only."""
        fields: dict[str, Any] = {"logged_in": False, "rpps": rpps, "national_id": None, "mode": mode,
                                  "expires_at": None}
        if not self.settings.psc_url:
            return ServiceOutcome(REFUSED, f"{CONNECTION} impossible : Pro Santé Connect n'est pas configuré.", True,
                                  fields)
        try:
            meta = self._metadata(rpps)
        except Unavailable as exc:
            return self._unhappy(exc.reply.outcome, exc.reply.detail, CONNECTION, fields)
        data, s = psc_data(), self.settings
        verifier, state, nonce = generate_token(64), secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        params = {"response_type": "code", "client_id": s.psc_client_id, "redirect_uri": s.psc_redirect_uri,
                  "scope": data["scope"], "state": state, "nonce": nonce, "acr_values": data["acr_values"],
                  "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256",
                  "login_hint": rpps, data["test_login"]["flag"]: "1"}
        if s.has("psc-no-pkce"):
            params = {k: v for k, v in params.items() if not k.startswith("code_challenge")}
        if mode:
            params[data["test_login"]["mode"]] = mode
        authorized = call(self.traces, "authorize", "GET", meta.authorization_endpoint, self._timeout, rpps,
                          expect=(302, 303), json_body=False, params=params, allow_redirects=False,
                          judge=lambda r: _redirect(r, s.psc_redirect_uri, state))
        if not authorized.ok:
            return self._unhappy(authorized.outcome, authorized.detail, CONNECTION, fields)
        form = {"grant_type": "authorization_code", "code": authorized.body["code"],
                "redirect_uri": s.psc_redirect_uri, "code_verifier": verifier}
        if s.has("psc-no-pkce"):
            del form["code_verifier"]
        tokens = call(self.traces, "token", "POST", meta.token_endpoint, self._timeout, rpps, data=form,
                      auth=self._client_auth(), judge=lambda r: _tokens(r, id_token=True))
        if not tokens.ok:
            return self._unhappy(tokens.outcome, tokens.detail, CONNECTION, fields)
        try:
            claims = self._claims(meta, tokens.body["id_token"], nonce, rpps)
        except Unavailable as exc:
            return self._unhappy(exc.reply.outcome, exc.reply.detail, CONNECTION, fields)
        except InvalidIdToken as exc:
            return self._unhappy(FAILURE, f"jeton d'identité rejeté ({exc})", CONNECTION, fields)
        national_id = str(claims.get("SubjectNameID") or claims.get("preferred_username") or "")
        if national_id != "8" + rpps:
            return self._unhappy(FAILURE, f"le jeton d'identité est celui de {national_id or '(inconnu)'}, "
                                          f"pas du professionnel 8{rpps}", CONNECTION, fields)
        amr = claims.get("amr") if isinstance(claims.get("amr"), list) else []
        shown_mode = mode or next((data["modes"][a] for a in amr if a in data["modes"]), None)
        session = PscSession(rpps, national_id, shown_mode, tokens.body["access_token"],
                             tokens.body.get("refresh_token"), tokens.body["id_token"],
                             time.time() + int(tokens.body["expires_in"]), work_situation=_work_situation(claims))
        self.sessions.put(session)
        if user:
            self.sessions.bind(user, rpps)
        fields.update(session.to_json())
        return ServiceOutcome(SUCCESS, f"Connecté à Pro Santé Connect ({shown_mode or 'carte'}) : {national_id}, "
                                       f"session valable jusqu'à {iso(session.expires_at)}.", False, fields)

    # -- tokens --------------------------------------------------------------
    def _refresh(self, session: PscSession) -> Access:
        """refresh_token grant (RFC 6749 §6) with rotation; a refusal ends the session."""
        if not session.refresh_token:
            return Access(None, REFUSED, "session Pro Santé Connect sans jeton de rafraîchissement")
        try:
            meta = self._metadata(session.rpps)
        except Unavailable as exc:
            return Access(None, exc.reply.outcome, exc.reply.detail)
        form = {"grant_type": "refresh_token", "refresh_token": session.refresh_token}
        reply = call(self.traces, "refresh", "POST", meta.token_endpoint, self._timeout, session.rpps, data=form,
                     auth=self._client_auth(), judge=lambda r: _tokens(r, id_token=False))
        if not reply.ok:
            if reply.outcome == FAILURE:
                self.sessions.forget(session.rpps)
                return Access(None, REFUSED, f"session Pro Santé Connect expirée, reconnexion requise ({reply.detail})")
            return Access(None, ERROR, reply.detail)
        body = reply.body
        session.access_token = body["access_token"]
        session.refresh_token = body.get("refresh_token") or session.refresh_token
        session.id_token = body.get("id_token") or session.id_token
        session.expires_at = time.time() + int(body["expires_in"])
        session.refresh_count += 1
        return Access(session.access_token, SUCCESS)

    def access(self, rpps: str) -> Access:
        """The access token to present now for `rpps`, refreshed first when it expires within the leeway."""
        with self.sessions.lock:
            session = self.sessions.get(rpps)
            if session is None:
                return Access(None, REFUSED, "connexion Pro Santé Connect requise")
            leeway = float(psc_data()["refresh_leeway_seconds"])
            now = time.time()
            if self.settings.has("psc-no-refresh") or not session.expires_within(leeway, now):
                return Access(session.access_token, SUCCESS)
            refreshed = self._refresh(session)
            if refreshed.outcome == ERROR and not session.expires_within(0, now):
                return Access(session.access_token, SUCCESS)  # PSC unreachable, the token still works a little
            return refreshed

    def renew(self, rpps: str) -> Access:
        """A new access token after a server refused the current one (XOAUTH2 535 / NO), once."""
        if self.settings.has("psc-no-refresh"):
            return Access(None, FAILURE, "jeton non renouvelé")
        with self.sessions.lock:
            session = self.sessions.get(rpps)
            if session is None:
                return Access(None, REFUSED, "connexion Pro Santé Connect requise")
            return self._refresh(session)

    # -- logout --------------------------------------------------------------
    def logout(self, rpps: str) -> ServiceOutcome:
        """Revoke, end the PSC session, forget the tokens (they are forgotten even when PSC does not answer)."""
        fields: dict[str, Any] = {"logged_in": False, "rpps": rpps}
        session = self.sessions.get(rpps)
        if session is None:
            return ServiceOutcome(SUCCESS, f"Aucune session Pro Santé Connect ouverte pour 8{rpps}.", False, fields)
        if self.settings.has("psc-logout-keeps-tokens"):
            session.shown_logged_out = True
            return ServiceOutcome(SUCCESS, "Déconnecté de Pro Santé Connect.", False, fields)
        self.sessions.forget(rpps)
        try:
            meta = self._metadata(rpps)
        except Unavailable as exc:
            return self._unhappy(exc.reply.outcome, exc.reply.detail, "Déconnexion Pro Santé Connect", fields)
        replies = []
        if meta.revocation_endpoint and session.refresh_token:
            replies.append(call(self.traces, "revoke", "POST", meta.revocation_endpoint, self._timeout, rpps,
                                json_body=False, auth=self._client_auth(),
                                data={"token": session.refresh_token, "token_type_hint": "refresh_token"}))
        if meta.end_session_endpoint:
            params = {"id_token_hint": session.id_token, "client_id": self.settings.psc_client_id,
                      "post_logout_redirect_uri": self.settings.psc_post_logout_redirect_uri,
                      "state": secrets.token_urlsafe(16)}
            replies.append(call(self.traces, "logout", "GET", meta.end_session_endpoint, self._timeout, rpps,
                                expect=(200, 302, 303), json_body=False, params=params, allow_redirects=False))
        failed = [r for r in replies if not r.ok]
        if failed:
            detail = "; ".join(r.detail for r in failed)
            return ServiceOutcome(worst([r.outcome for r in failed]), "Session locale fermée, mais Pro Santé Connect "
                                  f"n'a pas confirmé la déconnexion : {detail}.", True, fields)
        return ServiceOutcome(SUCCESS, f"Déconnecté de Pro Santé Connect ({session.national_id}) : jetons révoqués "
                                       "et oubliés.", False, fields)
