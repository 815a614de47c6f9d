"""SASL XOAUTH2 with the professional's PSC access token, and the one-renewal rule both protocols share.

The initial client response is `user=<mailbox>^Aauth=Bearer <token>^A^A`.
When the server refuses it (SMTP 535, IMAP NO) the SUT renews the token with
PSC and tries once more; a second refusal is reported to the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..psc.client import Access, PscClient


def xoauth2(user: str, token: str) -> str:
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


@dataclass
class TokenSource:
    """The access token of professional `rpps`, from the SUT's PSC sessions."""

    psc: PscClient
    rpps: str

    def current(self) -> Access:
        return self.psc.access(self.rpps)

    def renewed(self) -> Access:
        return self.psc.renew(self.rpps)
