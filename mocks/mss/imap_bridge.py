"""The introspection bridge dovecot's oauth2 passdb posts tokens to (fixtures/mss/dovecot-oauth2.conf).

dovecot sends only the token (and, as X-Dovecot-Auth-Remote, the IMAP client's
address), never the login user: the bridge asks the PSC mock's introspection
(xoauth2.introspect, as the SMTP side does) and answers whether the token is
active, whose it is and, as a POSIX regex, exactly the mailboxes the holder owns
in the directory (own and organisations'); dovecot then lets the login through
only for one of them. Each answer is kept a minute by client address so the log
reader (imap_log.py) can say why a login was refused.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Response, jsonify, request

from .directory import Directory
from .settings import MssSettings
from .xoauth2 import TokenCheck, introspect

ROUTE = "/dovecot/introspect"
NOTHING = "^$"
"""Matches no login (dovecot's %Lu is never empty)."""
KEEP = 256
KEEP_SECONDS = 60.0
_PLAIN = re.compile(r"[a-z0-9]")
_QUOTED = ".-_@+"


def mailbox_regex(addresses: list[str]) -> str:
    """^(a|b)$ over `addresses` in POSIX ERE, each special character as a bracket ([.]), no backslash to escape."""
    parts = []
    for address in addresses:
        if all(_PLAIN.match(c) or c in _QUOTED for c in address):
            parts.append("".join(c if _PLAIN.match(c) else f"[{c}]" for c in address))
    return f"^({'|'.join(parts)})$" if parts else NOTHING


@dataclass(frozen=True)
class Decision:
    """What the bridge answered about one token, for the login record."""

    check: TokenCheck
    mailboxes: tuple[str, ...]


class IntrospectionBridge:
    def __init__(self, settings: MssSettings, directory: Directory) -> None:
        self.settings, self.directory = settings, directory
        self._recent: OrderedDict[str, tuple[float, Decision]] = OrderedDict()
        self._lock = threading.Lock()

    def decide(self, token: str) -> Decision:
        s = self.settings
        check = introspect(s.introspection_url, s.client_id, s.client_secret, token, s.introspection_timeout)
        owned = tuple(self.directory.owned_mailboxes(check.rpps)) if check.active and check.rpps else ()
        return Decision(check, owned)

    def remember(self, remote: str, decision: Decision) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent[remote] = (now, decision)
            self._recent.move_to_end(remote)
            while len(self._recent) > KEEP or next(iter(self._recent.values()))[0] < now - KEEP_SECONDS:
                self._recent.popitem(last=False)

    def recall(self, remote: str) -> Decision | None:
        """The last answer about the token of the IMAP client at `remote` ("ip:port"), if recent."""
        with self._lock:
            found = self._recent.get(remote)
        return found[1] if found and found[0] >= time.monotonic() - KEEP_SECONDS else None

    def view(self) -> tuple[Response, int]:
        """POST token=…: dovecot's introspection request (introspection_mode = post)."""
        decision = self.decide(str(request.form.get("token", "")))
        remote = request.headers.get("X-Dovecot-Auth-Remote", "")
        if remote:
            self.remember(remote, decision)
        check = decision.check
        if check.unavailable:  # dovecot answers the client a temporary failure
            return jsonify({"error": check.detail}), 503
        return jsonify({"active": check.active, "mss_holder": f"8{check.rpps}" if check.rpps else "",
                        "mss_mailboxes": mailbox_regex(list(decision.mailboxes)), "mss_detail": check.detail}), 200
