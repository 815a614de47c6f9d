"""Load the PSC mock's data files: clients, test professionals and authentication modes, error texts.

TOML under fixtures/psc/ because ANS (and each editor's registration) changes
them; [mocks.psc] clients_file / professionals_file / errors_file point at a
corrected copy. A malformed file is refused at start-up with its name.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segur_harness.mocks.framework.data import load_toml as framework_load_toml

CARD_STATUSES = ("ACTIVE", "SUSPENDUE", "REVOQUEE")
RPPS = re.compile(r"[0-9]{11}")


class PscDataError(ValueError):
    """A data file of the PSC mock is missing or malformed (the message names it)."""


def load_toml(explicit: str | Path | None, name: str) -> dict[str, Any]:
    """Parse `explicit` when given, else fixtures/psc/<name>; raise PscDataError naming the file."""
    return framework_load_toml(explicit, "psc", name, what="PSC mock", error=PscDataError)


@dataclass(frozen=True)
class AuthMode:
    """How one authentication mode (CPS card, e-CPS app) shows in tokens."""

    name: str
    acr: str
    amr: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Professional:
    """One test professional: identity, cards, and the exercices PSC puts in SubjectRefPro."""

    rpps: str
    given_name: str
    family_name: str
    civilite: str
    cards: tuple[str, ...]
    card_status: str
    exercices: tuple[dict[str, str], ...] = field(default_factory=tuple)

    @property
    def national_id(self) -> str:
        """The RPPS-based national id of the ANS directory: "8" + RPPS."""
        return "8" + self.rpps


def load_professionals(explicit: str | None) -> tuple[dict[str, Professional], dict[str, AuthMode]]:
    data = load_toml(explicit, "professionals.toml")
    try:
        modes = {name: AuthMode(name, str(m["acr"]), tuple(str(a) for a in m["amr"]), str(m.get("label", name)))
                 for name, m in data.get("mode", {}).items()}
        people: dict[str, Professional] = {}
        for p in data.get("professional", []):
            pro = Professional(str(p["rpps"]), str(p["given_name"]), str(p["family_name"]), str(p.get("civilite", "")),
                               tuple(str(c) for c in p["cards"]), str(p.get("card_status", "ACTIVE")),
                               tuple({k: str(v) for k, v in e.items()} for e in p.get("exercice", [])))
            if not RPPS.fullmatch(pro.rpps) or pro.card_status not in CARD_STATUSES:
                raise ValueError(f"professional {pro.rpps}: bad rpps or card_status")
            if any(c not in modes for c in pro.cards):
                raise ValueError(f"professional {pro.rpps}: card not among the [mode.*] tables")
            people[pro.rpps] = pro
    except (KeyError, TypeError, ValueError) as exc:
        raise PscDataError(f"PSC professionals file is malformed: {exc}") from exc
    return people, modes


@dataclass(frozen=True)
class Client:
    """A registered relying party (authlib ClientMixin duck type)."""

    client_id: str
    client_secret: str
    name: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    auth_methods: tuple[str, ...]
    scope: str
    introspection: bool
    client_metadata: dict[str, Any] = field(default_factory=dict)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = set(self.scope.split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris  # exact match, as OIDC Core §3.1.2.1 requires

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in self.auth_methods

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


def load_clients(explicit: str | None) -> dict[str, Client]:
    data = load_toml(explicit, "clients.toml")
    try:
        clients = [Client(str(c["client_id"]), str(c["client_secret"]), str(c.get("name", c["client_id"])),
                          tuple(c.get("redirect_uris", [])), tuple(c.get("post_logout_redirect_uris", [])),
                          tuple(c.get("grant_types", [])),
                          tuple(c.get("token_endpoint_auth_methods", ["client_secret_basic"])),
                          str(c.get("scope", "")), bool(c.get("introspection", False)))
                   for c in data.get("client", [])]
    except (KeyError, TypeError) as exc:
        raise PscDataError(f"PSC clients file is malformed: missing {exc}") from exc
    return {c.client_id: c for c in clients}
