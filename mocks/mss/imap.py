"""The MSSanté IMAP endpoint: a real dovecot, configured and started by the MSS mock, and its admin API.

MssImap puts together, for one run: the folder and maildirs (imap_config.py,
maildir.py), local delivery (delivery.py, also used by the SMTP side), the
mss-imap admin API with dovecot's introspection bridge (imap_admin.py,
imap_bridge.py), the dovecot master (imap_process.py) and the log reader that
records logins and sessions (imap_log.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from segur_harness.mocks.framework.tcp import AdminServer, TcpRecorder
from segur_harness.processes import free_port
from segur_harness.store import Store

from . import imap_config
from .delivery import Delivery
from .directory import Directory
from .imap_admin import imap_admin_app
from .imap_bridge import ROUTE, IntrospectionBridge
from .imap_log import LogReader
from .imap_process import DovecotError, DovecotProcess
from .maildir import Maildirs
from .settings import DOVECOT_MISSING, IMAP_SERVICE, MssSettings, dovecot_binary
from .tls import TlsPolicy

log = logging.getLogger(__name__)


class MssImap:
    """dovecot on `imap_port` + the mss-imap admin API on `imap_admin_port`, recording into `store`."""

    def __init__(self, settings: MssSettings, store: Store, directory: Directory, policy: TlsPolicy,
                 cert: Path, key: Path, binary: str) -> None:
        self.settings, self.binary = settings, binary
        self.owner = imap_config.mail_owner(settings.imap_mail_user)
        self.layout = imap_config.prepare(settings.imap_dir or store.path.parent / "mss-imap", self.owner)
        self.port = settings.imap_port or free_port(settings.host)
        self.recorder = TcpRecorder(store, IMAP_SERVICE)
        self.maildirs = Maildirs(self.layout.mail_root, (self.owner.uid, self.owner.gid))
        self.maildirs.prepare()
        self.delivery = Delivery(self.maildirs, directory, self.recorder)
        self.bridge = IntrospectionBridge(settings, directory)
        try:
            self.admin = AdminServer(imap_admin_app(store, self.delivery, self.bridge, self.info,
                                                    settings.max_message_bytes),
                                     settings.host, settings.imap_admin_port)
        except BaseException:
            self.layout.remove_spool()
            raise
        imap_config.write(self.layout, host=settings.host, imap_port=self.port,
                          bridge_url=f"http://{settings.host}:{self.admin.port}{ROUTE}", policy=policy, cert=cert,
                          key=key, owner=self.owner, introspection_timeout=settings.introspection_timeout)
        self.dovecot = DovecotProcess(binary, self.layout.config, self.layout.log, settings.host, self.port)
        self.reader = LogReader(self.layout.log, self.layout.rawlog_dir, self.recorder, self.bridge)
        self._started = False

    @property
    def admin_port(self) -> int:
        return self.admin.port

    def info(self) -> dict[str, Any]:
        return {"pid": self.dovecot.pid, "port": self.port, "config": str(self.layout.config),
                "log": str(self.layout.log), "maildirs": str(self.layout.mail_root), "mail_user": self.owner.user}

    def start(self) -> None:
        """Admin API (the bridge) first, then dovecot, then the log reader; all or nothing."""
        self.admin.start()
        try:
            self.dovecot.start()
        except BaseException:
            self.admin.stop()
            self.layout.remove_spool()
            raise
        self.reader.start()
        self._started = True

    def stop(self) -> None:
        """dovecot (SIGTERM, then SIGKILL), the last log lines recorded, the admin API; idempotent."""
        if self._started:
            self._started = False
            self.dovecot.stop()
            self.reader.stop()
            self.admin.stop()
        else:  # bound, never served: werkzeug's shutdown() would wait for a serve_forever that never ran
            self.admin.server.server_close()
        self.layout.remove_spool()


def imap_for(settings: MssSettings, store: Store, directory: Directory, policy: TlsPolicy, cert: Path,
             key: Path) -> MssImap | None:
    """The IMAP side the settings ask for: None when off, or "auto" without dovecot (one log line)."""
    if settings.imap == "off":
        return None
    binary = dovecot_binary()
    if binary is None:
        if settings.imap == "on":
            raise DovecotError(f'[mocks.mss] imap = "on" mais {DOVECOT_MISSING}')
        log.warning("mss mock: IMAP non démarré : %s (mss-imap absent des services)", DOVECOT_MISSING)
        return None
    return MssImap(settings, store, directory, policy, cert, key, binary)
