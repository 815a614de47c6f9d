"""The MIME message of one planned send: headers of the MSSanté "DMP compatible" guide, text, XDM, PDFs.

- Subject `XDM/1.0/DDM+<label> <NOM> <prénom> <JJ/MM/AAAA>`;
- X-MSS-CODECDA (the documents' type codes), X-MSS-INS (O only for a
  qualified INS), X-MSS-NIL (the product's reference);
- Message-ID `<uuid@domain>` (RFC 5322 §3.6.4), Date, From, To, MIME-Version;
  Disposition-Notification-To when a read acknowledgement is asked for;
- a short text, the IHE_XDM.ZIP and one PDF per document.
The defects `mss-wrong-subject`, `mss-no-x-mss-headers` and `mss-no-xdm` are switched here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate

from ..dmp.cda_facts import read_facts
from ..model import Identity
from ..profile import profile
from ..settings import SutSettings
from .data import mss_data
from .plan import PlannedMessage, qualified
from .rendition import pdf_of
from .xdm_out import XdmDocument, archive, file_name

WIRE_POLICY = policy.SMTP.clone(max_line_length=998)
"""Headers unfolded up to RFC 5322's hard limit: a folded Subject would read back with a leading space."""


def wire_bytes(msg: EmailMessage) -> bytes:
    """The message as sent (CRLF); parts were encoded at 76 characters a line when added."""
    return msg.as_bytes(policy=WIRE_POLICY)


@dataclass(frozen=True)
class Composed:
    message: EmailMessage
    message_id: str
    envelope_id: str
    """The DSN envelope id (RFC 3461 ENVID) that delivery reports quote back."""
    subject: str


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1] or mss_data()["message"]["ehlo_name"]


def new_message_id(sender: str) -> tuple[str, str]:
    """(`<uuid@domain>`, the uuid as envelope id)."""
    unique = uuid.uuid4().hex
    return f"<{unique}@{domain_of(sender)}>", unique


def _patient(identity: Identity) -> str:
    traits = identity.traits
    first = (traits.used_first_name or traits.first_first_name).title()
    year, month, day = traits.birth_date.split("-")
    return f"{traits.birth_name.upper()} {first} {day}/{month}/{year}"


def subject_of(label: str, identity: Identity, settings: SutSettings) -> str:
    prefix = "" if settings.has("mss-wrong-subject") else mss_data()["message"]["subject_prefix"]
    return f"{prefix}{label} {_patient(identity)}"


def _body(planned: PlannedMessage, titles: list[str], settings: SutSettings, user: str) -> str:
    author = profile().professional(user)
    listed = "\n".join(f"- {title}" for title in titles)
    return (f"Bonjour,\n\nVeuillez trouver ci-joint {len(titles)} document(s) concernant {_patient(planned.identity)}"
            f" :\n{listed}\n\nLes documents sont joints au format IHE XDM (IHE_XDM.ZIP) et en PDF.\n\n"
            f"{author.prefix} {author.given} {author.family}\n-- \nMessage envoyé par {settings.lps_name} "
            f"{settings.lps_version}.\n")


def compose(planned: PlannedMessage, sender: str, request_mdn: bool, settings: SutSettings,
            user: str) -> Composed:
    """The message of `planned` (ValueError when a document's CDA cannot be read)."""
    data = mss_data()["message"]
    facts = [read_facts(d.xml) for d in planned.documents]
    titles = [f.title or d.kind for f, d in zip(facts, planned.documents, strict=True)]
    message_id, envelope_id = new_message_id(sender)
    subject = subject_of(titles[0], planned.identity, settings)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(planned.recipients)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    if request_mdn:
        msg["Disposition-Notification-To"] = sender
    if not settings.has("mss-no-x-mss-headers"):
        msg["X-MSS-CODECDA"] = data["codecda_separator"].join(dict.fromkeys(f.type_code.code for f in facts))
        msg["X-MSS-INS"] = "O" if qualified(planned.identity, planned.documents, settings) else "N"
        msg["X-MSS-NIL"] = settings.mss_nil
    msg.set_content(_body(planned, titles, settings, user), cte="quoted-printable")
    if settings.has("mss-no-xdm"):
        for index, document in enumerate(planned.documents, start=1):
            msg.add_attachment(document.xml, maintype="text", subtype="xml", filename=file_name(index))
    else:
        documents = [XdmDocument(d.kind, d.xml, f) for d, f in zip(planned.documents, facts, strict=True)]
        org = profile()
        zipped = archive(documents, org.professional(user), org.organisation, settings.dmp_structure_id,
                         f"{settings.lps_name} {settings.lps_version}")
        msg.add_attachment(zipped, maintype="application", subtype="zip", filename=data["xdm_attachment"])
    for index, (document, title) in enumerate(zip(planned.documents, titles, strict=True), start=1):
        msg.add_attachment(pdf_of(document.xml, title), maintype="application", subtype="pdf",
                           filename=f"{document.kind}-{index}.pdf")
    return Composed(msg, message_id, envelope_id, subject)
