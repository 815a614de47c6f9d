"""The mock MSSanté directory (fixtures/mss/directory.toml): which mailboxes exist and who may send from them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mailbox:
    address: str
    kind: str  # professional | organisation | application | patient
    name: str = ""
    owners: frozenset[str] = frozenset()
    """RPPS of the professionals who may send from it (personal and organisation mailboxes)."""
    certificate_cn: str = ""
    """Subject CN of the TLS client certificate of an application mailbox."""


@dataclass(frozen=True)
class Identity:
    """Who authenticated on an SMTP session, and how."""

    mailbox: str
    mechanism: str  # XOAUTH2 | EXTERNAL
    rpps: str | None = None
    certificate_cn: str | None = None


class Directory:
    def __init__(self, mailboxes: list[Mailbox]) -> None:
        self.by_address = {m.address.lower(): m for m in mailboxes}

    @classmethod
    def load(cls, path: Path) -> Directory:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        patient_domain = data.get("domains", {}).get("patient", "patient.mssante.fr")
        boxes = [Mailbox(p["mailbox"], "professional", p.get("name", ""), frozenset([p["rpps"]]))
                 for p in data.get("professional", [])]
        boxes += [Mailbox(o["mailbox"], "organisation", o.get("name", ""), frozenset(o.get("owners", [])))
                  for o in data.get("organisation", [])]
        boxes += [Mailbox(a["mailbox"], "application", a.get("name", ""), certificate_cn=a["certificate_cn"])
                  for a in data.get("application", [])]
        boxes += [Mailbox(f"{p['ins']}@{patient_domain}", "patient") for p in data.get("patient", [])]
        return cls(boxes)

    def get(self, address: str) -> Mailbox | None:
        return self.by_address.get(address.strip().lower())

    def owned_by(self, rpps: str, address: str) -> bool:
        """True when professional `rpps` may use mailbox `address` (their own or an organisation's)."""
        box = self.get(address)
        return box is not None and box.kind in ("professional", "organisation") and rpps in box.owners

    def owned_mailboxes(self, rpps: str) -> list[str]:
        """Every mailbox professional `rpps` may use (own and organisations'), as `owned_by` decides."""
        return sorted(a for a in self.by_address if self.owned_by(rpps, a))

    def application(self, certificate_cn: str) -> Mailbox | None:
        return next((m for m in self.by_address.values() if m.kind == "application"
                     and m.certificate_cn == certificate_cn), None)

    def may_send(self, identity: Identity, address: str) -> bool:
        """The MAIL FROM rule: the authenticated identity owns the sender mailbox."""
        if identity.mechanism == "EXTERNAL":
            return address.strip().lower() == identity.mailbox.lower()
        return identity.rpps is not None and self.owned_by(identity.rpps, address)
