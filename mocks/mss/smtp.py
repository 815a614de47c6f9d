"""The SMTP protocol of the MSSanté mock: aiosmtpd's SMTP, recorded and with injected behaviours.

aiosmtpd does the protocol (RFC 5321, STARTTLS per RFC 3207, AUTH per RFC
4954); this subclass only keeps the raw transcript of the session (what the
client sent, what the server answered, after TLS decryption), applies the
framework's TCP behaviours at connection and per command, words aiosmtpd's
fixed replies as fixtures/mss/replies.toml says, and records the session once
when the connection ends.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from typing import Any

from aiosmtpd.smtp import SMTP, TLSSetupException

from segur_harness.mocks.framework.tcp import (
    CONNECT,
    TcpRecorder,
    Transcript,
    delay_seconds,
    injected_finding,
    peer_of,
    reset_connection,
)
from segur_harness.store import Behaviour, Finding

SESSION = "SMTP-SESSION"
MESSAGE = "SMTP-MESSAGE"
FIXED_REPLIES = {"530 Must issue a STARTTLS command first": "starttls_required",
                 "530 5.7.0 Authentication required": "auth_required"}
"""aiosmtpd's own texts, replaced by the mock's (same code) when sent."""


DSN_MAIL_PARAMS = ("RET", "ENVID")
DSN_RCPT_PARAMS = ("NOTIFY", "ORCPT")
"""RFC 3461 parameters the mock takes out of MAIL / RCPT before aiosmtpd (which knows none of them) parses the rest."""
NOTIFY_VALUES = {"SUCCESS", "FAILURE", "DELAY"}


def take_dsn_params(arg: str, names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """`arg` without its RFC 3461 parameters `names`, and those parameters (upper-case keys, raw values)."""
    words = arg.split()
    kept, found = [], {}
    for word in words:
        key, sep, value = word.partition("=")
        if sep and key.upper() in names:
            found[key.upper()] = value
        else:
            kept.append(word)
    return " ".join(kept), found


def dsn_problem(params: dict[str, str]) -> str | None:
    """Why RFC 3461 parameters are malformed (None when they are fine)."""
    notify = params.get("NOTIFY")
    if notify is not None:
        values = set(notify.upper().split(","))
        if not (values == {"NEVER"} or (values and values <= NOTIFY_VALUES)):
            return "NOTIFY"
    if params.get("RET") is not None and params["RET"].upper() not in ("FULL", "HDRS"):
        return "RET"
    if params.get("ENVID") is not None and not 0 < len(params["ENVID"]) <= 100:
        return "ENVID"
    return None


AUTH_LINE_LIMIT = 12288
"""RFC 4954 §4: an AUTH command line (and a SASL response line) may be 12288 octets; PSC JWTs need it."""


class RecordedSMTP(SMTP):
    """One SMTP session of the mock (aiosmtpd creates one protocol object per connection)."""

    line_length_limit = AUTH_LINE_LIMIT

    def __init__(self, handler: Any, recorder: TcpRecorder, replies: dict[str, str],
                 tls_profiles: dict[str, ssl.SSLContext] | None = None, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.recorder = recorder
        self.replies = replies
        self.tls_profiles = tls_profiles or {}
        self.transcript = Transcript(recorder.service, None)
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit,
                                                           {"AUTH": AUTH_LINE_LIMIT})  # per session, not aiosmtpd's
        self._smtp_methods = {verb: self._with_behaviour(verb, method) for verb, method in self._smtp_methods.items()}

    # -- transcript -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.transcript.peer is None:
            self.transcript.peer = peer_of(transport)
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self.transcript.client(data)
        super().data_received(data)

    async def push(self, status: str | bytes) -> None:
        text = status.decode("ascii", "replace") if isinstance(status, bytes) else status
        if text in FIXED_REPLIES:
            status = self.replies[FIXED_REPLIES[text]]
            text = status
        raw = status.encode("ascii", "replace") if isinstance(status, str) else status  # RFC 5321 §4.2: ASCII
        self.transcript.server(raw + b"\r\n")
        if text[:3].isdigit():
            self.transcript.status = int(text[:3])
        await super().push(raw)

    def connection_lost(self, error: Exception | None) -> None:
        try:
            super().connection_lost(error)
        finally:
            self.recorder.finish(self.transcript, SESSION)

    def finding(self, severity: str, rule: str, message: str) -> None:
        self.transcript.findings.append(Finding(severity, rule, message))

    # -- RFC 3461 DSN parameters ---------------------------------------------------
    async def smtp_MAIL(self, arg: str | None) -> None:
        rest, params = take_dsn_params(arg or "", DSN_MAIL_PARAMS)
        problem = dsn_problem(params)
        if problem is not None:
            await self.push(f"501 5.5.4 Parametre {problem} invalide (RFC 3461)")
            return
        await super().smtp_MAIL(rest)
        if self.envelope.mail_from is not None:
            self.envelope.dsn = {"envid": params.get("ENVID", ""), "ret": params.get("RET", ""), "notify": {}}

    async def smtp_RCPT(self, arg: str | None) -> None:
        rest, params = take_dsn_params(arg or "", DSN_RCPT_PARAMS)
        problem = dsn_problem(params)
        if problem is not None:
            await self.push(f"501 5.5.4 Parametre {problem} invalide (RFC 3461)")
            return
        before = len(self.envelope.rcpt_tos)
        await super().smtp_RCPT(rest)
        if len(self.envelope.rcpt_tos) > before and params.get("NOTIFY"):
            dsn = getattr(self.envelope, "dsn", None)
            if isinstance(dsn, dict):
                dsn["notify"][self.envelope.rcpt_tos[-1]] = params["NOTIFY"].upper()

    # -- injected behaviours ----------------------------------------------------
    async def _handle_client(self) -> None:
        behaviour = self.recorder.behaviour(CONNECT)
        if behaviour is not None and not await self._apply(behaviour, CONNECT):
            return
        await super()._handle_client()

    def _with_behaviour(self, verb: str, method: Any) -> Any:
        async def run(arg: str | None) -> None:
            behaviour = self.recorder.behaviour(verb)
            if behaviour is not None and not await self._apply(behaviour, verb):
                return
            try:
                await method(arg)
            except TLSSetupException as exc:
                self.finding("error", "MSS-TLS-POLITIQUE", f"Négociation TLS refusée (TLS 1.2 et suites MSSanté "
                                                           f"seulement) : {exc.__cause__}")
                raise

        return run

    async def _apply(self, behaviour: Behaviour, point: str) -> bool:
        """Apply `behaviour`; True when the session goes on as normal afterwards."""
        self.transcript.findings.append(injected_finding(behaviour, point))
        assert self.transport is not None
        if behaviour.kind == "delay":
            await asyncio.sleep(delay_seconds(behaviour))
            return True
        if behaviour.kind == "tls":
            profile = str(behaviour.params.get("profile", ""))
            if profile in self.tls_profiles:
                self.tls_context = self.tls_profiles[profile]
                self.transcript.info["tls_profile"] = profile
            else:
                self.finding("warning", "INJECTED", f"profil TLS inconnu {profile!r} : politique normale")
            return True
        if behaviour.kind == "refuse":
            reset_connection(self._original_transport or self.transport)
            return False
        if behaviour.kind == "drop":
            self.transport.close()
            return False
        if behaviour.kind == "reply":
            line = str(behaviour.params.get("line") or self.replies["injected_default"])
            await self.push(line)
            if point == CONNECT or line.startswith("421"):
                self.transport.close()
            return False
        return True
