"""The MSSanté functions of the reference SUT (adapter contract 1.3): send documents, read the mailbox.

Conformant behaviour (each `mss-*` defect in `defects.DEFECTS` bends one rule):
- nothing goes out without a PSC session (REFUSED, no SMTP connection);
- one message per patient; the patient's mailbox only with a qualified INS;
- STARTTLS with TLS 1.2 and the MSSanté suites, the server certificate
  checked; XOAUTH2 with a fresh PSC token, renewed once after a 535;
- every refusal and transport error is shown to the user with the server's reply;
- received mail: acknowledgements attached, XDM documents integrated or
  refused with an LPS error code, one MDN per message when asked for.
"""

from __future__ import annotations

from ..inbox import Inbox
from ..model import Registry
from ..outcome import ServiceOutcome
from ..psc.client import PscClient
from ..settings import SutSettings
from ..workflows import Workflows
from .ledger import MssLedger
from .reading import Reader
from .sending import Sender, SendRequest

__all__ = ["MssWorkflows", "SendRequest"]


class MssWorkflows:
    """Sending and reading for one SUT process; PSC sessions, inbox and ledger are the Sut's."""

    def __init__(self, settings: SutSettings, registry: Registry, inbox: Inbox, psc: PscClient,
                 ledger: MssLedger, identities: Workflows) -> None:
        self.sender = Sender(settings, psc, ledger)
        self.reader = Reader(settings, registry, inbox, psc, ledger, identities)

    def send(self, req: SendRequest) -> ServiceOutcome:
        return self.sender.send(req)

    def sync(self, mailbox: str, rpps: str, user: str) -> ServiceOutcome:
        return self.reader.sync(mailbox, rpps, user)
