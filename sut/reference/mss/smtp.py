"""One SMTP submission session with the MSSanté operator: EHLO, STARTTLS, EHLO, AUTH XOAUTH2, transactions.

Each message is its own transaction (MAIL, RCPT per recipient, DATA) so the
user is told the server's exact reply, per recipient when some are refused.
DSN parameters (RFC 3461: NOTIFY, ORCPT, RET, ENVID) are sent only when the
server offers the DSN extension, as the RFC requires.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from types import TracebackType

from ..settings import MailServer
from .auth import TokenSource, xoauth2
from .data import mss_data
from .errors import ServerRefusal, TransportError, transport_error

SENT, REFUSED = "sent", "refused"


def reply_line(code: int, text: bytes | str) -> str:
    """A server reply on one line: "550 5.1.1 <x> : destinataire inconnu"."""
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(words.split())}".strip()


def xtext(value: str) -> str:
    """RFC 3461 §4 xtext: '+', '=' and characters outside '!'..'~' as +XX."""
    return "".join(c if "!" <= c <= "~" and c not in "+=" else f"+{ord(c):02X}" for c in value)


@dataclass(frozen=True)
class Delivery:
    status: str
    """sent (DATA accepted, maybe not by every recipient) or refused."""
    reply: str
    refused_recipients: dict[str, str] = field(default_factory=dict)
    dsn_requested: bool = False


class SmtpSession:
    """`with SmtpSession(...) as smtp: smtp.send(...)`; TransportError or ServerRefusal when it cannot open."""

    def __init__(self, server: MailServer, context: ssl.SSLContext, timeout: float, user: str, token: str,
                 tokens: TokenSource, *, plaintext: bool = False) -> None:
        self.server, self.context, self.timeout = server, context, timeout
        self.plaintext = plaintext
        """The 'mss-no-starttls' defect: authenticate and send without STARTTLS."""
        self.user, self.token, self.tokens = user, token, tokens
        self.client: smtplib.SMTP | None = None
        self.name = server.url("smtp")

    def __enter__(self) -> SmtpSession:
        try:
            self.client = smtplib.SMTP(self.server.host, self.server.port, timeout=self.timeout,
                                       local_hostname=mss_data()["message"]["ehlo_name"])
            self.client.ehlo()
            if not self.plaintext:
                if not self.client.has_extn("starttls"):
                    raise TransportError(f"le serveur MSSanté {self.name} ne propose pas STARTTLS : envoi en clair "
                                         "refusé")
                self.client.starttls(context=self.context)
                self.client.ehlo()
            self._authenticate()
        except (TransportError, ServerRefusal):
            self.close()
            raise
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise TransportError(f"le serveur MSSanté {self.name} a refusé la session "
                                 f"({reply_line(exc.smtp_code, exc.smtp_error)})") from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise transport_error(exc, self.name, self.timeout) from None
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self.client is None:
            return
        try:
            self.client.quit()
        except (OSError, smtplib.SMTPException):
            self.client.close()
        self.client = None

    def _authenticate(self) -> None:
        """AUTH XOAUTH2; after a 535, once, with a renewed token."""
        assert self.client is not None
        token = self.token
        for attempt in (1, 2):
            try:
                self.client.auth("XOAUTH2", lambda challenge=None, t=token: "" if challenge else xoauth2(self.user, t))
                return
            except smtplib.SMTPAuthenticationError as exc:
                refusal = reply_line(exc.smtp_code, exc.smtp_error)
                if attempt == 1 and exc.smtp_code == 535:
                    renewed = self.tokens.renewed()
                    if renewed.token:
                        token = renewed.token
                        continue
                raise ServerRefusal(refusal) from None

    def send(self, data: bytes, sender: str, recipients: list[str], *, envelope_id: str,
             request_dsn: bool) -> Delivery:
        """One transaction; TransportError when the connection breaks on the way."""
        assert self.client is not None
        client = self.client
        dsn = request_dsn and client.has_extn("dsn")
        mail_options = ["RET=HDRS", f"ENVID={xtext(envelope_id)}"] if dsn else []
        try:
            code, text = client.mail(sender, mail_options)
            if code != 250:
                client.rset()
                return Delivery(REFUSED, reply_line(code, text), dsn_requested=dsn)
            refused: dict[str, str] = {}
            for recipient in recipients:
                options = ["NOTIFY=SUCCESS,FAILURE", f"ORCPT=rfc822;{xtext(recipient)}"] if dsn else []
                code, text = client.rcpt(recipient, options)
                if code not in (250, 251):
                    refused[recipient] = reply_line(code, text)
            if len(refused) == len(recipients):
                client.rset()
                return Delivery(REFUSED, next(iter(refused.values())), refused, dsn)
            code, text = client.data(data)
        except smtplib.SMTPResponseException as exc:
            return Delivery(REFUSED, reply_line(exc.smtp_code, exc.smtp_error), dsn_requested=dsn)
        except (OSError, smtplib.SMTPException) as exc:
            raise transport_error(exc, self.name, self.timeout) from None
        status = SENT if code == 250 else REFUSED
        return Delivery(status, reply_line(code, text), refused, dsn)
