"""One IMAP session with the MSSanté operator (RFC 3501 with imaplib): STARTTLS, AUTHENTICATE XOAUTH2, INBOX.

The SUT reads unseen mail with BODY.PEEK[] (reading does not mark it seen)
and sets \\Seen itself once a message is processed; mail it does not handle
stays unseen for the user's own mail client. Messages are addressed by UID.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from collections.abc import Callable
from types import TracebackType

from ..settings import MailServer
from .auth import TokenSource, xoauth2
from .errors import ServerRefusal, TransportError, transport_error

_UIDS = re.compile(rb"\d+")


def _authobject(user: str, token: str) -> Callable[[bytes], bytes]:
    """imaplib's SASL callback: the credentials once, then an empty answer to an error challenge."""
    calls = []

    def answer(challenge: bytes) -> bytes:
        calls.append(challenge)
        return xoauth2(user, token).encode("ascii") if len(calls) == 1 else b""

    return answer


def _text(data: list) -> str:
    return " ".join(d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d) for d in data if d)


class ImapSession:
    """`with ImapSession(...) as imap:`; INBOX selected on entry; TransportError / ServerRefusal when it cannot."""

    def __init__(self, server: MailServer, context: ssl.SSLContext, timeout: float, user: str, token: str,
                 tokens: TokenSource) -> None:
        self.server, self.context, self.timeout = server, context, timeout
        self.user, self.token, self.tokens = user, token, tokens
        self.client: imaplib.IMAP4 | None = None
        self.name = server.url("imap")
        self.uidvalidity = ""

    def __enter__(self) -> ImapSession:
        try:
            self.client = imaplib.IMAP4(self.server.host, self.server.port, timeout=self.timeout)
            if "STARTTLS" not in self.client.capabilities:
                raise TransportError(f"le serveur MSSanté {self.name} ne propose pas STARTTLS : lecture non chiffrée "
                                     "refusée")
            self.client.starttls(ssl_context=self.context)
            self._authenticate()
            status, data = self.client.select("INBOX")
            if status != "OK":
                raise ServerRefusal(f"{status} {_text(data)}")
            validity = self.client.response("UIDVALIDITY")[1]
            self.uidvalidity = _text(validity) if validity and validity[0] else ""
        except (TransportError, ServerRefusal):
            self.close()
            raise
        except imaplib.IMAP4.abort as exc:
            self.close()
            raise TransportError(f"session IMAP interrompue par le serveur MSSanté {self.name} ({exc})") from None
        except imaplib.IMAP4.error as exc:
            self.close()
            raise ServerRefusal(str(exc)) from None
        except OSError as exc:
            self.close()
            raise transport_error(exc, self.name, self.timeout) from None
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self.client is None:
            return
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            self.client.logout()
        self.client = None

    def _authenticate(self) -> None:
        """AUTHENTICATE XOAUTH2; after a NO, once, with a renewed token."""
        assert self.client is not None
        token = self.token
        for attempt in (1, 2):
            try:
                self.client.authenticate("XOAUTH2", _authobject(self.user, token))
                return
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error as exc:
                if attempt == 1:
                    renewed = self.tokens.renewed()
                    if renewed.token:
                        token = renewed.token
                        continue
                raise ServerRefusal(str(exc).replace("AUTHENTICATE command error: ", "")) from None

    def _uid(self, command: str, *args: str) -> list:
        assert self.client is not None
        try:
            status, data = self.client.uid(command, *args)
        except imaplib.IMAP4.abort as exc:
            raise TransportError(f"session IMAP interrompue ({exc})") from None
        except imaplib.IMAP4.error as exc:
            raise ServerRefusal(str(exc)) from None
        except OSError as exc:
            raise transport_error(exc, self.name, self.timeout) from None
        if status != "OK":
            raise ServerRefusal(f"{status} {_text(data)}")
        return data

    def unseen(self) -> list[str]:
        """UIDs of the unseen messages of INBOX, oldest first."""
        data = self._uid("SEARCH", "UNSEEN")
        return [uid.decode() for chunk in data if chunk for uid in _UIDS.findall(chunk)]

    def fetch(self, uid: str) -> bytes:
        """The whole message, without setting \\Seen (BODY.PEEK[])."""
        for item in self._uid("FETCH", uid, "(BODY.PEEK[])"):
            if isinstance(item, tuple) and len(item) == 2:
                return bytes(item[1])
        return b""

    def mark_seen(self, uid: str) -> None:
        self._uid("STORE", uid, "+FLAGS", "(\\Seen)")
