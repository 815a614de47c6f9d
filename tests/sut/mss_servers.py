"""Test-only MSSanté servers the reference SUT is pointed at: SMTP with a chosen TLS context, a small IMAP server.

The SMTP one is aiosmtpd with any XOAUTH2 accepted, so a test can offer TLS
1.1 only, a non-MSSanté suite or an untrusted certificate and see whether the
SUT's client goes on. The IMAP one speaks the part of RFC 3501 the SUT uses
(STARTTLS, AUTHENTICATE XOAUTH2 checked with PSC introspection, SELECT,
UID SEARCH/FETCH/STORE) over a Maildir-like list, until the MSSanté mock has
its own IMAP server.
"""

from __future__ import annotations

import base64
import collections
import re
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult

from segur_harness.mocks.framework.tcp import TcpServer


class AcceptingHandler:
    """aiosmtpd handler: any XOAUTH2 response is accepted, every message is kept."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.sessions = 0

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        return AuthResult(success=True)

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content or b"")
        return "250 2.0.0 Ok"


class _LongAuthSmtp(SMTP):
    """aiosmtpd with RFC 4954's 12288-octet AUTH line (a PSC JWT does not fit in 512)."""

    line_length_limit = 12288

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit, {"AUTH": 12288})


@contextmanager
def smtp_server(context: ssl.SSLContext) -> Iterator[tuple[int, AcceptingHandler]]:
    """An SMTP server on a free port whose STARTTLS uses `context`."""
    handler = AcceptingHandler()

    def protocol(loop: Any) -> SMTP:
        return _LongAuthSmtp(handler, loop=loop, hostname="localhost", tls_context=context, require_starttls=True,
                    auth_required=True, auth_require_tls=True, auth_exclude_mechanism=["PLAIN", "LOGIN"])

    server = TcpServer(protocol, "127.0.0.1", 0)
    server.start()
    try:
        yield server.port, handler
    finally:
        server.stop()


@dataclass
class Mail:
    uid: int
    data: bytes
    seen: bool = False


@dataclass
class Mailbox:
    """INBOX of the test IMAP server; `authorize(user, token)` says whether XOAUTH2 succeeds."""

    authorize: Callable[[str, str], bool]
    mails: list[Mail] = field(default_factory=list)
    uidvalidity: int = 1
    logins: list[str] = field(default_factory=list)
    refusals: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def deliver(self, data: bytes) -> int:
        with self.lock:
            uid = (self.mails[-1].uid if self.mails else 0) + 1
            self.mails.append(Mail(uid, data))
            return uid

    def unseen(self) -> list[Mail]:
        with self.lock:
            return [m for m in self.mails if not m.seen]


_XOAUTH2 = re.compile(r"^user=([^\x01]*)\x01auth=Bearer ([^\x01]+)\x01\x01$")


class _Session(socketserver.StreamRequestHandler):
    timeout = 10
    box: Mailbox
    context: ssl.SSLContext

    def _send(self, line: str | bytes) -> None:
        self.wfile.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")
        self.wfile.flush()

    def _secure(self) -> None:
        tls = self.context.wrap_socket(self.connection, server_side=True)
        self.connection = self.request = tls
        self.rfile, self.wfile = tls.makefile("rb"), tls.makefile("wb")

    def handle(self) -> None:
        self._send("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] test IMAP ready")
        tls = authenticated = False
        while True:
            try:
                line = self.rfile.readline(65536)
            except (OSError, ssl.SSLError):
                return
            if not line:
                return
            tag, _, rest = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "CAPABILITY":
                auth = " AUTH=XOAUTH2" if tls else " STARTTLS LOGINDISABLED"
                self._send(f"* CAPABILITY IMAP4rev1{auth}")
                self._send(f"{tag} OK CAPABILITY completed")
            elif command == "STARTTLS" and not tls:
                self._send(f"{tag} OK Begin TLS negotiation now")
                try:
                    self._secure()
                except (OSError, ssl.SSLError):
                    return
                tls = True
            elif command == "AUTHENTICATE" and tls and args.upper() == "XOAUTH2":
                authenticated = self._authenticate(tag)
            elif command == "LOGOUT":
                self._send("* BYE logging out")
                self._send(f"{tag} OK LOGOUT completed")
                return
            elif command == "NOOP":
                self._send(f"{tag} OK NOOP completed")
            elif not authenticated:
                self._send(f"{tag} NO not authenticated")
            elif command in ("SELECT", "EXAMINE"):
                self._send(f"* {len(self.box.mails)} EXISTS")
                self._send("* FLAGS (\\Seen)")
                self._send(f"* OK [UIDVALIDITY {self.box.uidvalidity}] UIDs valid")
                self._send(f"{tag} OK [READ-WRITE] SELECT completed")
            elif command == "UID":
                self._uid(tag, args)
            else:
                self._send(f"{tag} BAD unknown command")

    def _authenticate(self, tag: str) -> bool:
        self._send("+ ")
        answer = self.rfile.readline(65536).strip()
        try:
            match = _XOAUTH2.match(base64.b64decode(answer).decode())
        except ValueError:
            match = None
        if match and self.box.authorize(match.group(1), match.group(2)):
            self.box.logins.append(match.group(1))
            self._send(f"{tag} OK AUTHENTICATE completed")
            return True
        self.box.refusals += 1
        error = base64.b64encode(b'{"status":"401","schemes":"bearer","scope":"openid scope_all"}').decode()
        self._send(f"+ {error}")
        self.rfile.readline(65536)
        self._send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
        return False

    def _uid(self, tag: str, args: str) -> None:
        verb, _, rest = args.partition(" ")
        verb = verb.upper()
        if verb == "SEARCH":
            found = " ".join(str(m.uid) for m in self.box.unseen())
            self._send(f"* SEARCH {found}".rstrip())
        elif verb in ("FETCH", "STORE"):
            wanted, _, what = rest.partition(" ")
            for index, mail in enumerate(self.box.mails, start=1):
                if str(mail.uid) != wanted:
                    continue
                if verb == "FETCH":
                    self._send(f"* {index} FETCH (UID {mail.uid} BODY[] {{{len(mail.data)}}}".encode() + b"\r\n"
                               + mail.data + b")\r\n")
                else:
                    mail.seen = mail.seen or "\\SEEN" in what.upper()
                    flags = "\\Seen" if mail.seen else ""
                    self._send(f"* {index} FETCH (UID {mail.uid} FLAGS ({flags}))")
        else:
            self._send(f"{tag} BAD unknown UID command")
            return
        self._send(f"{tag} OK UID {verb} completed")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def imap_server(box: Mailbox, context: ssl.SSLContext) -> Iterator[int]:
    """The test IMAP server for `box` on a free port, STARTTLS with `context`."""
    handler = type("Session", (_Session,), {"box": box, "context": context})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


