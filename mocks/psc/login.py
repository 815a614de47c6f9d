"""The authorize endpoint's login step: a harness-only non-interactive login, or a tiny HTML form for a human.

Headless runs send login_hint=<RPPS> with test_login=1 (and test_mode=CPS|ECPS)
and are redirected at once with the code. Without it, a form lists the test
professionals; posting it to /auth logs in the one chosen.
"""

from __future__ import annotations

import html
import secrets
import time

from .claims import Login
from .faults import PscError
from .oauth_request import PscRequest
from .protocol import AUTHORIZE, TEST_LOGIN_PARAM, TEST_MODE_PARAM
from .provider import Provider

FORM_FIELD = "psc_rpps"
FORM_MODE = "psc_mode"


def chosen(request: PscRequest) -> tuple[str, str] | None:
    """(login hint, mode) when the request says who logs in now, else None (show the form)."""
    data = request.payload.data
    if request.method == "POST" and data.get(FORM_FIELD):
        return data[FORM_FIELD], data.get(FORM_MODE, "")
    if data.get(TEST_LOGIN_PARAM) in ("1", "true", "yes") and data.get("login_hint"):
        return data["login_hint"], data.get(TEST_MODE_PARAM, "")
    return None


def log_in(provider: Provider, hint: str, mode_name: str, client_id: str) -> Login:
    """The Login of professional `hint`; PscError (access_denied texts) when PSC would refuse it."""
    pro = provider.professional(hint)
    if pro is None:
        raise PscError("professionnel_inconnu", hint[:64])
    if pro.card_status != "ACTIVE":
        raise PscError("carte_invalide", pro.card_status.lower())
    mode_name = mode_name or pro.cards[0]
    if mode_name not in pro.cards or mode_name not in provider.modes:
        raise PscError("mode_indisponible", mode_name[:16])
    sid = secrets.token_urlsafe(16)
    login = Login(pro, provider.modes[mode_name], sid, int(time.time()))
    provider.state.put("session", sid, client_id, sid, {"rpps": pro.rpps}, provider.lifetimes["session_seconds"])
    return login


def form_page(provider: Provider, request: PscRequest) -> bytes:
    """The HTML login page: every original parameter carried in hidden fields."""
    data = request.payload.data
    hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k in data for v in data.getlist(k) if k not in (FORM_FIELD, FORM_MODE))
    options = "".join(f'<option value="{p.rpps}">{html.escape(p.family_name)} {html.escape(p.given_name)} '
                      f'({p.rpps}, {html.escape(p.card_status.lower())})</option>'
                      for p in provider.professionals.values())
    modes = "".join(f'<option value="{m.name}">{html.escape(m.label)}</option>' for m in provider.modes.values())
    page = (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Pro Santé Connect (test)</title>'
            f'</head><body><h1>Pro Santé Connect — environnement de test</h1>'
            f'<form method="post" action="{AUTHORIZE}">{hidden}'
            f'<label>Professionnel <select name="{FORM_FIELD}">{options}</select></label> '
            f'<label>Moyen <select name="{FORM_MODE}">{modes}</select></label> '
            f'<button type="submit">Se connecter</button></form></body></html>')
    return page.encode("utf-8")
