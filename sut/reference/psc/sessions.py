"""The PSC sessions the SUT holds, one per professional (RPPS), in memory only.

Tokens never leave this store: the adapter shows whether a professional is
logged in, until when, and how often the access token was refreshed.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any


def iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class PscSession:
    rpps: str
    national_id: str
    mode: str | None
    access_token: str
    refresh_token: str | None
    id_token: str
    expires_at: float
    """Epoch seconds when the access token expires."""
    refresh_count: int = 0
    shown_logged_out: bool = False
    work_situation: str = ""
    """codeProfession + codeCategorieProfessionnelle of the exercice the user acts in (first one of SubjectRefPro)."""
    """Defect 'psc-logout-keeps-tokens': the user was told the session ended, the tokens are still used."""

    def expires_within(self, seconds: float, now: float) -> bool:
        return self.expires_at - seconds <= now

    def to_json(self) -> dict[str, Any]:
        return {"logged_in": not self.shown_logged_out, "rpps": self.rpps, "national_id": self.national_id,
                "mode": self.mode, "expires_at": iso(self.expires_at), "refresh_count": self.refresh_count}


class PscSessions:
    """Sessions by RPPS; `lock` is held across a refresh so two actions never spend one refresh token twice."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.by_rpps: dict[str, PscSession] = {}
        self.users: dict[str, str] = {}
        """LPS user -> RPPS of the PSC session their actions use (the DMP through its Pro Santé Connect entry)."""

    def reset(self) -> None:
        with self.lock:
            self.by_rpps.clear()
            self.users.clear()

    def bind(self, user: str, rpps: str) -> None:
        with self.lock:
            self.users[user] = rpps

    def rpps_of(self, user: str) -> str | None:
        """The RPPS whose PSC session `user` acts with, or None (the DMP is then called with a signed VIHF)."""
        with self.lock:
            rpps = self.users.get(user)
            return rpps if rpps in self.by_rpps else None

    def get(self, rpps: str) -> PscSession | None:
        with self.lock:
            return self.by_rpps.get(rpps)

    def put(self, session: PscSession) -> None:
        with self.lock:
            self.by_rpps[session.rpps] = session

    def forget(self, rpps: str) -> PscSession | None:
        with self.lock:
            for user in [u for u, r in self.users.items() if r == rpps]:
                del self.users[user]
            return self.by_rpps.pop(rpps, None)

    def state(self, rpps: str) -> dict[str, Any]:
        """GET /psc/session: what the user sees of their session."""
        session = self.get(rpps)
        if session is None:
            return {"logged_in": False, "rpps": rpps, "national_id": None, "mode": None, "expires_at": None,
                    "refresh_count": 0}
        return session.to_json()
