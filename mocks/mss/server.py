"""The MSSanté SMTP mock as one object: the SMTP server and its admin API, both on loopback."""

from __future__ import annotations

import asyncio
import tomllib
import warnings
from pathlib import Path

from segur_harness.mocks.framework.tcp import AdminServer, TcpRecorder, TcpServer, admin_app
from segur_harness.pki import Pki, ensure_self_signed_server, rsa_server_cert
from segur_harness.store import Store

from .directory import Directory
from .handler import MssHandler
from .imap import MssImap, imap_for
from .settings import SERVICE, MssSettings
from .smtp import RecordedSMTP
from .tls import TlsPolicy, profile_contexts, server_context

warnings.filterwarnings("ignore", message="Session.login_data is deprecated")  # aiosmtpd sets it itself


def load_replies(path: Path, hostname: str) -> dict[str, str]:
    with open(path, "rb") as handle:
        replies = dict(tomllib.load(handle)["replies"])
    replies["greeting"] = replies["greeting"].format(hostname=hostname)
    return replies


class MssService:
    """The admin API's view of the mock (service name, reset)."""

    name = SERVICE

    def reset(self) -> None:
        """No per-run state besides the store (behaviours and scenario are reset by the admin API)."""


class MssMock:
    """SMTP submission (aiosmtpd) + admin API sharing one exchange store."""

    def __init__(self, settings: MssSettings, store: Store) -> None:
        self.settings = settings
        pki = Pki(settings.pki_dir)
        cert, key = rsa_server_cert(pki)
        if not cert.is_file():
            raise FileNotFoundError(f"{cert}: no MSSanté server certificate (segur_harness.pki.ensure_mss_pki)")
        policy = TlsPolicy.load(settings.tls_policy_file)
        self.tls = server_context(policy, cert, key, pki.ca_cert)
        self.tls_profiles = profile_contexts(policy, cert, key, pki.ca_cert, ensure_self_signed_server(pki))
        self.replies = load_replies(settings.replies_file, settings.hostname)
        self.recorder = TcpRecorder(store, SERVICE)
        directory = Directory.load(settings.directory_file)
        self.imap: MssImap | None = imap_for(settings, store, directory, policy, cert, key)  # None: SMTP only
        self.handler = MssHandler(settings, directory, self.replies, self.recorder,
                                  delivery=self.imap.delivery if self.imap else None)
        self.smtp = TcpServer(self._protocol, settings.host, settings.port)
        self.admin = AdminServer(admin_app(MssService(), store), settings.host, settings.admin_port)

    def _protocol(self, loop: asyncio.AbstractEventLoop) -> RecordedSMTP:
        ident = self.replies["greeting"].split(" ", 2)[2] if self.replies["greeting"].count(" ") >= 2 else None
        return RecordedSMTP(
            self.handler, self.recorder, self.replies, tls_profiles=self.tls_profiles, loop=loop,
            hostname=self.settings.hostname, ident=ident,
            tls_context=self.tls, require_starttls=True, auth_required=True, auth_require_tls=True,
            auth_exclude_mechanism=["PLAIN", "LOGIN"], data_size_limit=self.settings.max_message_bytes,
            timeout=self.settings.idle_timeout, command_call_limit=100,
        )

    @property
    def smtp_port(self) -> int:
        return self.smtp.port

    @property
    def admin_port(self) -> int:
        return self.admin.port

    def start(self) -> None:
        if self.imap is not None:
            self.imap.start()  # first: the health URL (SMTP admin) answers once both sides are up
        self.admin.start()
        try:
            self.smtp.start()
        except BaseException:
            self.admin.stop()
            if self.imap is not None:
                self.imap.stop()
            raise

    def stop(self) -> None:
        self.smtp.stop()
        if self.imap is not None:
            self.imap.stop()
        self.admin.stop()
