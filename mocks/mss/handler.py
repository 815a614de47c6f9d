"""What the MSSanté SMTP server decides: who authenticated (XOAUTH2 / EXTERNAL), who may send, who exists.

aiosmtpd calls these hooks (auth_<MECHANISM>, handle_<COMMAND>); every
decision is also written as a finding on the session transcript, and every
accepted message is recorded raw (one SMTP-MESSAGE exchange) before 250.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import ssl
import time
import uuid
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from aiosmtpd.smtp import MISSING, AuthResult, Envelope, Session

from segur_harness.mocks.framework.tcp import TcpRecorder
from segur_harness.store import Exchange, Finding

from .acks import Ack, dsn_for, mdn_for
from .content import check_message
from .delivery import Delivery
from .directory import Directory, Identity
from .settings import MssSettings
from .smtp import MESSAGE, RecordedSMTP
from .xoauth2 import decode_b64, error_challenge, introspect, parse_initial_response

log = logging.getLogger(__name__)
CONTENT_TIMEOUT = 30.0
"""Seconds the content checks (the XDM's CDAs through the validation service) may take before 250."""


def _cn(cert: dict[str, Any] | None) -> str | None:
    for rdn in (cert or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


class MssHandler:
    """aiosmtpd handler of the MSSanté SMTP submission mock."""

    def __init__(self, settings: MssSettings, directory: Directory, replies: dict[str, str],
                 recorder: TcpRecorder, delivery: Delivery | None = None) -> None:
        self.settings, self.directory, self.replies, self.recorder = settings, directory, replies, recorder
        self.delivery = delivery  # into the recipients' maildirs (the IMAP side); None: SMTP only
        self._remote: Any | None = None

    # -- STARTTLS ---------------------------------------------------------------
    def handle_STARTTLS(self, server: RecordedSMTP, session: Session, envelope: Envelope) -> bool:
        tls: ssl.SSLObject | None = (session.ssl or {}).get("ssl_object")
        if tls is not None:
            cipher = tls.cipher()
            server.transcript.info.update(tls_version=str(tls.version()), tls_cipher=str(cipher[0] if cipher else ""))
            cn = _cn(tls.getpeercert())
            if cn:
                server.transcript.info["tls_client_cn"] = cn
            server.finding("info", "MSS-TLS", f"STARTTLS négocié : {tls.version()} {cipher[0] if cipher else ''}")
        return True

    async def handle_exception(self, error: Exception) -> str:
        """A bug of the mock: logged, answered as a temporary failure (aiosmtpd closes on TLS setup errors)."""
        cause = error.__cause__ or error
        if not isinstance(cause, ssl.SSLError):
            log.error("MSSanté mock: %s", error, exc_info=error)
        return f"451 4.3.0 Erreur interne du mock ({type(cause).__name__})"

    # -- AUTH ---------------------------------------------------------------------
    async def auth_XOAUTH2(self, server: RecordedSMTP, args: list[str]) -> AuthResult:
        if len(args) == 1:
            blob = await server.challenge_auth("", encode_to_b64=False)
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            blob = decode_b64(args[1])
        creds = parse_initial_response(blob) if isinstance(blob, bytes) else None
        if creds is None:
            server.finding("error", "MSS-AUTH-XOAUTH2",
                           "Réponse XOAUTH2 mal formée (attendu user=…^Aauth=Bearer …^A^A)")
            return AuthResult(success=False, handled=False, message=self.replies["auth_malformed"])
        s = self.settings
        check = await asyncio.get_running_loop().run_in_executor(
            None, introspect, s.introspection_url, s.client_id, s.client_secret, creds.token, s.introspection_timeout)
        if check.unavailable:
            server.finding("error", "MSS-AUTH-PSC", check.detail)
            return AuthResult(success=False, handled=False, message=self.replies["auth_unavailable"])
        if check.active and check.rpps and self.directory.owned_by(check.rpps, creds.user):
            server.finding("info", "MSS-AUTH-XOAUTH2", f"{check.detail} ; boîte {creds.user}")
            server.transcript.info["auth_identity"] = creds.user
            return AuthResult(success=True, message=self.replies["auth_ok"],
                              auth_data=Identity(creds.user, "XOAUTH2", rpps=check.rpps))
        detail = check.detail if not check.active else \
            f"le titulaire du jeton (RPPS {check.rpps}) ne possède pas la boîte {creds.user}"
        server.finding("error", "MSS-AUTH-XOAUTH2", f"Authentification refusée : {detail}")
        answer = await server.challenge_auth(error_challenge(), encode_to_b64=True)
        if answer is MISSING:  # the client aborted with "*": aiosmtpd already answered 501
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message=self.replies["auth_failed"])

    async def auth_EXTERNAL(self, server: RecordedSMTP, args: list[str]) -> AuthResult:
        """RFC 4422 EXTERNAL: the TLS client certificate of an application mailbox."""
        cn = server.transcript.info.get("tls_client_cn")
        box = self.directory.application(cn) if cn else None
        authzid = ""
        if len(args) > 1 and args[1] != "=":
            raw = decode_b64(args[1])
            authzid = raw.decode("utf-8", "replace") if raw is not None else "\x00"
        if box is None or (authzid and authzid.lower() != box.address.lower()):
            server.finding("error", "MSS-AUTH-CERTIFICAT", f"Certificat client {cn or 'absent'} : aucune boîte "
                                                           "applicative correspondante")
            return AuthResult(success=False, handled=False, message=self.replies["auth_external_failed"])
        server.finding("info", "MSS-AUTH-CERTIFICAT", f"Boîte applicative {box.address} (certificat {cn})")
        server.transcript.info["auth_identity"] = box.address
        return AuthResult(success=True, message=self.replies["auth_ok"],
                          auth_data=Identity(box.address, "EXTERNAL", certificate_cn=cn))

    # -- envelope -----------------------------------------------------------------
    async def handle_EHLO(self, server: RecordedSMTP, session: Session, envelope: Envelope, hostname: str,
                          responses: list[str]) -> list[str]:
        """aiosmtpd's EHLO lines plus DSN (RFC 3461: smtp.py takes NOTIFY, RET, ENVID, ORCPT)."""
        session.host_name = hostname
        return [*responses[:-1], "250-DSN", *responses[-1:]]

    async def handle_MAIL(self, server: RecordedSMTP, session: Session, envelope: Envelope, address: str,
                          mail_options: list[str]) -> str:
        identity = session.auth_data
        if not isinstance(identity, Identity) or not self.directory.may_send(identity, address):
            server.finding("error", "MSS-EXPEDITEUR", f"Expéditeur {address} refusé pour l'identité "
                                                      f"{getattr(identity, 'mailbox', None)}")
            return self.replies["sender_refused"].format(address=address)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server: RecordedSMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if self.directory.get(address) is None:
            server.finding("error", "MSS-DESTINATAIRE", f"Destinataire {address} inconnu de l'annuaire")
            return self.replies["recipient_unknown"].format(address=address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 Ok"

    def _engine(self) -> Any | None:
        """The run's CDA validation service (SEGUR_VALIDATOR_URL), else None: harness rules in process."""
        url = os.environ.get("SEGUR_VALIDATOR_URL")
        if url and self._remote is None:
            from segur_harness.validation.remote import RemoteEngine

            self._remote = RemoteEngine(url, timeout=CONTENT_TIMEOUT)
        return self._remote

    async def _content_findings(self, raw: bytes, rcpt_tos: list[str]) -> list[Finding]:
        """content.py's findings, bounded in time: a slow validation never holds the client past CONTENT_TIMEOUT."""
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(None, check_message, raw, rcpt_tos, self._engine()),
                                          CONTENT_TIMEOUT)
        except TimeoutError:
            return [Finding("warning", "MSS-MSG-VALIDATION", f"Contrôle du contenu non terminé en {CONTENT_TIMEOUT} s")]
        except Exception as exc:  # noqa: BLE001 - a bug of the checks must not lose the message
            log.error("MSSanté content checks failed: %s", exc, exc_info=exc)
            return [Finding("error", "MOCK-CRASH", f"Contrôle du contenu en échec : {type(exc).__name__}")]

    async def handle_DATA(self, server: RecordedSMTP, session: Session, envelope: Envelope) -> str:
        """Check the content (findings), record the message raw, then accept it."""
        raw = envelope.original_content or b""
        started = time.time()
        content = await self._content_findings(raw, list(envelope.rcpt_tos))
        queue_id = uuid.uuid4().hex[:12].upper()
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
        identity = session.auth_data
        reply = self.replies["message_accepted"].format(queue_id=queue_id)
        exchange = Exchange(
            service=self.recorder.service, operation=MESSAGE, scenario_id=self.recorder.scenario(),
            peer=server.transcript.peer, started_at=started, ended_at=time.time(), method="DATA",
            request_headers={"mail_from": envelope.mail_from or "", "rcpt_to": ", ".join(envelope.rcpt_tos),
                             "auth_identity": getattr(identity, "mailbox", ""),
                             "auth_mechanism": getattr(identity, "mechanism", ""), "queue_id": queue_id,
                             **{k: v for k, v in server.transcript.info.items() if k.startswith("tls_")}},
            request_body=raw, status=250, response_body=reply.encode("ascii", "replace"),
            findings=[Finding("info", "MSS-MESSAGE", f"Message de {envelope.mail_from} pour "
                                                     f"{len(envelope.rcpt_tos)} destinataire(s), {len(raw)} octets"),
                      *content],
            message_id=(headers.get("Message-ID") or "").strip() or None,
        )  # fmt: skip
        if not self.recorder.record(exchange):
            return self.replies["message_not_recorded"]
        server.finding("info", "MSS-MESSAGE", f"Message {queue_id} enregistré (échange {exchange.id})")
        await self._deliver(server, list(envelope.rcpt_tos), raw, queue_id)
        await self._acknowledge(server, envelope, raw, content)
        return reply

    async def _acknowledge(self, server: RecordedSMTP, envelope: Envelope, raw: bytes, content: list[Finding]) -> None:
        """The DSN asked for (NOTIFY=SUCCESS) and the MDN each recipient's LPS sends, into the senders' mailboxes."""
        if self.delivery is None:
            return
        dsn = getattr(envelope, "dsn", None) or {}
        out: list[Ack] = []
        for rcpt in envelope.rcpt_tos:
            box = self.directory.get(rcpt)
            if "SUCCESS" in str(dsn.get("notify", {}).get(rcpt, "")).split(",") and envelope.mail_from:
                out.append(dsn_for(raw, envelope.mail_from, rcpt, dsn.get("envid") or None))
            if box is not None and box.kind != "patient":
                mdn = mdn_for(raw, box.address, content)
                if mdn is not None:
                    out.append(mdn)
        for ack in out:
            if self.directory.get(ack.mailbox) is None:
                server.finding("warning", "MSS-ACCUSE", f"Accusé {ack.kind} pour {ack.mailbox} non remis : "
                                                        "boîte absente de l'annuaire")
                continue
            deliver = functools.partial(self.delivery.deliver_one, ack.mailbox, ack.raw, source=ack.kind.lower())
            done = await asyncio.get_running_loop().run_in_executor(None, deliver)
            code = f" {ack.code}" if ack.kind == "MDN" and ack.code else ""
            server.finding("info" if not done.error else "error", "MSS-ACCUSE",
                           f"Accusé {ack.kind} {ack.disposition}{code} déposé dans la boîte {ack.mailbox}"
                           if not done.error else f"Accusé {ack.kind} non déposé : {done.error}")

    async def _deliver(self, server: RecordedSMTP, rcpts: list[str], raw: bytes, queue_id: str) -> None:
        """The recorded message into the recipients' maildirs; a failure is a finding, never a lost message."""
        if self.delivery is None:
            return
        deliver = functools.partial(self.delivery.deliver, rcpts, raw, source="smtp", queue_id=queue_id,
                                    peer=server.transcript.peer)
        try:
            done = await asyncio.get_running_loop().run_in_executor(None, deliver)
        except Exception as exc:  # noqa: BLE001 - Delivery never raises; a bug there must not lose the 250
            log.error("MSSanté delivery failed: %s", exc, exc_info=exc)
            server.finding("error", "MSS-DEPOT", f"Dépôt dans les boîtes en échec : {type(exc).__name__}")
            return
        for failed in (d for d in done if d.error):
            server.finding("error", "MSS-DEPOT", f"Dépôt dans la boîte {failed.address} impossible : {failed.error}")
