"""What dovecot did, read from its log file and rawlogs, recorded as mss-imap exchanges.

dovecot.conf makes the log say enough: auth_verbose lines say why an
authentication failed (user, session), imap-login lines say who logged in or
how a connection ended, with mechanism, client port and TLS state
(login_log_format_elements). No auth_debug: it would write the token.

IMAP-LOGIN    one per authentication outcome: success at imap-login's "Login:"
              line (status 200); a failure (401; 503 when the PSC mock could
              not be asked) once imap-login says more about its connection
              (next login or end of connection), or at once for a command
              imap-login refuses itself (LOGIN, AUTHENTICATE PLAIN)
IMAP-SESSION  one per connection when it ends: after a login, with what the
              client sent and received after login (rawlog_dir, decrypted) as
              bodies; before any login, with why it ended (TLS refused, …)

A reader thread follows the file (poll every POLL seconds) and records in
order; the bridge's answers (imap_bridge.py, by client address) explain refused
tokens (with several attempts on one connection, the last token's answer).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from segur_harness.mocks.framework.tcp import MAX_TRANSCRIPT, TcpRecorder
from segur_harness.store import Exchange, Finding

from .imap_bridge import Decision, IntrospectionBridge

log = logging.getLogger(__name__)
LOGIN, SESSION = "IMAP-LOGIN", "IMAP-SESSION"
POLL = 0.05
RAWLOG_WAIT = 2.0
"""Seconds to wait for a finished imap process to exit (its rawlog then complete) before reading it."""
KEEP_SESSIONS = 1000

LINE = re.compile(r"^\S+ \S+ (?P<source>[^:]+): (?P<level>Debug|Info|Warning|Error|Fatal|Panic): (?P<text>.*)$")
AUTH_RESULT = re.compile(r"^[\w-]+\((?P<user>[^,]*),(?P<rip>[^,]*),<(?P<session>[^>]*)>\): (?P<reason>.*)$")
MAIL_PROCESS = re.compile(r"^imap\((?P<user>[^)]*)\)<(?P<pid>\d+)><(?P<session>[^>]*)>$")
ELEMENT = re.compile(r"(\w+)=<([^>]*)>|(\w+)=([^,\s]*)")
RAWLOG_STAMP = re.compile(rb"^\d+\.\d{6} ", re.M)
TLS_ELEMENT = re.compile(r", TLS[,:]")
REFUSED_MECHANISM = re.compile(r"^Authenticate (?P<mechanism>\S+) failed: (?P<reason>[^:]*)")
PRE_AUTH_REFUSALS = {"isallowed plaintext auth": "authentification en clair (LOGIN, PLAIN) refusée",
                     "laintext authentication disallowed": "authentification en clair (LOGIN, PLAIN) refusée",
                     "nsupported auth": "mécanisme SASL non proposé (seuls XOAUTH2 et OAUTHBEARER)"}
"""imap-login's own refusals (no auth process involved), by a piece of its English text."""


def elements(text: str) -> dict[str, str]:
    """key=value and key=<value> pairs of a login_log_format_elements line."""
    out = {}
    for match in ELEMENT.finditer(text):
        key = match.group(1) or match.group(3)
        out[key] = match.group(2) if match.group(1) else match.group(4)
    return out


@dataclass
class Failure:
    user: str
    reason: str
    unavailable: bool


@dataclass
class Connection:
    """What the log has said so far about one IMAP connection (dovecot's session id)."""

    started: float = field(default_factory=time.time)
    failures: list[Failure] = field(default_factory=list)
    refusals: int = 0
    mechanism: str = ""
    tls: bool = False
    peer: str | None = None


class LogReader:
    """Follows dovecot.log from the start and records logins and sessions."""

    def __init__(self, path: Path, rawlog_dir: Path, recorder: TcpRecorder, bridge: IntrospectionBridge) -> None:
        self.path, self.rawlog_dir, self.recorder, self.bridge = path, rawlog_dir, recorder, bridge
        self.connections: OrderedDict[str, Connection] = OrderedDict()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mss-imap-log", daemon=True)
        self._offset = 0
        self._partial = b""

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop following, after reading what dovecot wrote up to now (call once dovecot has stopped)."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            stopping = self._stop.is_set()
            try:
                self.read_new()
            except Exception as exc:  # noqa: BLE001 - one odd line must not end the recording of the run
                log.error("dovecot log %s: %s", self.path, exc, exc_info=exc)
            if stopping:
                return
            self._stop.wait(POLL)

    def read_new(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return
        self._offset += len(data)
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            self.line(line.decode("utf-8", "replace"))

    # -- one line -------------------------------------------------------------------
    def line(self, text: str) -> None:
        match = LINE.match(text)
        if match is None:
            return
        source, level, body = match["source"], match["level"], match["text"]
        if source.startswith("auth") and level in ("Info", "Error") and (result := AUTH_RESULT.match(body)):
            self._connection(result["session"]).failures.append(
                Failure(result["user"].strip("?"), result["reason"], unavailable=level == "Error"))
        elif source == "imap-login" and level == "Info":
            self._login_line(body)
        elif (process := MAIL_PROCESS.match(source)) and level == "Info" and body.startswith(
                ("Disconnected", "Logged out")):
            self._mail_session_end(process, body)

    def _connection(self, session: str) -> Connection:
        found = self.connections.get(session)
        if found is None:
            found = self.connections[session] = Connection()
            while len(self.connections) > KEEP_SESSIONS:
                self.connections.popitem(last=False)
        return found

    def _decision(self, conn: Connection) -> Decision | None:
        return self.bridge.recall(conn.peer) if conn.peer else None

    def _login_line(self, body: str) -> None:
        values = elements(body)
        session = values.get("session", "")
        conn = self._connection(session)
        if values.get("rip") and values.get("rport"):
            conn.peer = f"{values['rip']}:{values['rport']}"
        conn.mechanism = values.get("method") or conn.mechanism
        conn.tls = conn.tls or bool(TLS_ELEMENT.search(body))
        self._failures(session, conn)
        refused = REFUSED_MECHANISM.match(body)
        refusal = next((fr for key, fr in PRE_AUTH_REFUSALS.items() if key in body), None)
        if body.startswith("Login: "):
            decision = self._decision(conn)
            detail = f" : {decision.check.detail}" if decision is not None else ""
            self._login(session, values.get("user", ""), conn, status=200, reason="Login",
                        finding=Finding("info", "MSS-IMAP-AUTH", f"Connexion IMAP de {values.get('user', '')} "
                                                                 f"({conn.mechanism}, STARTTLS){detail}"))
            conn.started = time.time()
        elif refused and refusal:  # LOGIN (as PLAIN) or AUTHENTICATE PLAIN: refused by imap-login itself
            conn.mechanism = refused["mechanism"]
            self._refusal(session, values, conn, refused["reason"], refusal)
        elif body.startswith(("Disconnected", "Aborted login")):
            self._pre_login_end(session, conn, body, values, refusal)

    def _failures(self, session: str, conn: Connection) -> None:
        """Record the auth failures of `conn` seen so far, now that imap-login said how it connected."""
        failures, conn.failures = conn.failures, []
        for failure in failures:
            self._login(session, failure.user, conn, status=401, reason=failure.reason, failure=failure,
                        finding=self._why(failure, conn))

    def _why(self, failure: Failure, conn: Connection) -> Finding:
        decision = self._decision(conn)
        user, reason = failure.user, failure.reason
        if decision is None and ("missing" in reason or "Invalid" in reason):
            why = "réponse SASL mal formée (XOAUTH2 : user=…^Aauth=Bearer <jeton>^A^A)"
        elif not conn.tls:
            why = "authentification sans STARTTLS (le jeton a circulé en clair)"
        elif decision is not None and (decision.check.unavailable or not decision.check.active):
            why = decision.check.detail
        elif decision is not None:
            owned = ", ".join(decision.mailboxes) or "aucune"
            why = f"le titulaire du jeton (RPPS {decision.check.rpps}) ne possède pas la boîte {user} " \
                  f"(boîtes possédées : {owned})"
        else:
            why = f"refus de dovecot : {reason}"
        return Finding("error", "MSS-IMAP-AUTH", f"Authentification IMAP refusée pour {user or '?'} : {why}")

    def _refusal(self, session: str, values: dict[str, str], conn: Connection, reason: str, refusal: str) -> None:
        conn.refusals += 1
        self._login(session, values.get("user", ""), conn, status=401, reason=reason,
                    finding=Finding("error", "MSS-IMAP-AUTH", f"Authentification IMAP refusée : {refusal}"))

    def _pre_login_end(self, session: str, conn: Connection, body: str, values: dict[str, str],
                       refusal: str | None) -> None:
        reason = body.split(": user=", 1)[0]
        if refusal and not conn.refusals:
            self._refusal(session, values, conn, reason, refusal)
        findings = []
        if "TLS handshaking" in body or "SSL_accept() failed" in body:
            detail = body.split("TLS handshaking: ", 1)[-1].split(", session=", 1)[0]
            findings.append(Finding("error", "MSS-TLS-POLITIQUE", "Négociation TLS refusée (TLS 1.2 et suites "
                                                                  f"MSSanté seulement), dovecot : {detail}"))
        elif not conn.tls:
            findings.append(Finding("warning", "MSS-IMAP-STARTTLS", "Session IMAP terminée sans STARTTLS"))
        headers = {"user": values.get("user", ""), "session": session, "reason": reason,
                   "tls": "yes" if conn.tls else "no"}
        self._record(SESSION, conn, headers, findings, status=0)
        self.connections.pop(session, None)

    def _login(self, session: str, user: str, conn: Connection, *, status: int, reason: str, finding: Finding,
               failure: Failure | None = None) -> None:
        decision = self._decision(conn)
        if failure is not None and (failure.unavailable or (decision is not None and decision.check.unavailable)):
            status = 503
        headers = {"user": user, "mechanism": conn.mechanism, "tls": "yes" if conn.tls else "no", "session": session,
                   "result": {200: "ok", 503: "unavailable"}.get(status, "refused"), "reason": reason}
        if decision is not None and decision.check.rpps:
            headers["national_id"] = f"8{decision.check.rpps}"
        self._record(LOGIN, conn, headers, [finding], status=status, method=conn.mechanism or None)

    def _mail_session_end(self, process: re.Match[str], body: str) -> None:
        session, pid = process["session"], int(process["pid"])
        conn = self.connections.pop(session, None) or Connection()
        sent, received = self._rawlog(pid)
        headers = {"user": process["user"], "session": session, "mpid": str(pid), "reason": body}
        finding = Finding("info", "MSS-IMAP-SESSION", f"Session IMAP de {process['user']} terminée "
                                                      f"({len(sent)} octets reçus du client après connexion)")
        self._record(SESSION, conn, headers, [finding], status=200, request_body=sent, response_body=received)

    def _rawlog(self, pid: int) -> tuple[bytes, bytes]:
        """What the imap process `pid` read and wrote (timestamps removed), then its rawlog files are deleted."""
        deadline = time.monotonic() + RAWLOG_WAIT
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except (ProcessLookupError, PermissionError):
                break
            time.sleep(0.02)
        out = []
        for suffix in ("in", "out"):
            data = b""
            for path in sorted(self.rawlog_dir.glob(f"*.{pid}.*.{suffix}")):
                with contextlib.suppress(OSError):
                    data += path.read_bytes()[:MAX_TRANSCRIPT]
                    path.unlink()
            out.append(RAWLOG_STAMP.sub(b"", data))
        return out[0], out[1]

    def _record(self, operation: str, conn: Connection, headers: dict[str, str], findings: list[Finding], *,
                status: int, method: str | None = None, request_body: bytes = b"",
                response_body: bytes = b"") -> None:
        self.recorder.record(Exchange(
            service=self.recorder.service, operation=operation, scenario_id=self.recorder.scenario(),
            peer=conn.peer, started_at=conn.started, ended_at=time.time(), method=method,
            request_headers={k: v for k, v in headers.items() if v is not None}, request_body=request_body,
            status=status, response_body=response_body, findings=findings,
        ))  # fmt: skip
