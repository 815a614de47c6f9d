"""The [mocks.mss] settings, read once, with the bundled fixtures as defaults."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

FIXTURES = Path(str(files("segur_harness.fixtures").joinpath("mss")))
SERVICE = "mss-smtp"
"""Service name in the exchange store, the admin API and `mocks serve` lines."""
IMAP_SERVICE = "mss-imap"
"""The IMAP side (dovecot started by the same process): its store service name and `mocks serve` lines."""
IMAP_MODES = ("auto", "on", "off")
DOVECOT_MISSING = "dovecot (paquet dovecot-imapd) absent"
"""Why there is no mss-imap endpoint when dovecot is not installed (IMAP scenarios skip with it)."""


def _file(value: Any, default: str) -> Path:
    return Path(str(value)).expanduser() if value else FIXTURES / default


@dataclass(frozen=True)
class MssSettings:
    host: str
    port: int
    admin_port: int
    hostname: str
    pki_dir: Path
    tls_policy_file: Path
    directory_file: Path
    replies_file: Path
    introspection_url: str
    client_id: str
    client_secret: str
    introspection_timeout: float
    idle_timeout: float
    max_message_bytes: int
    imap: str = "off"
    """auto: IMAP when dovecot is installed; on: dovecot required; off: SMTP only."""
    imap_port: int = 0
    """0: any free port."""
    imap_admin_port: int = 0
    """0: any free port (from_config has already turned a configured 0 into imap_port + 1)."""
    imap_dir: Path | None = None
    """dovecot's folder (config, state, log, maildirs); None: <store folder>/mss-imap."""
    imap_mail_user: str = ""
    """System user owning the maildirs when run as root; empty: "mail", else "dovecot"."""

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> MssSettings:
        mocks = cfg["mocks"]
        section = mocks.get("mss", {})
        host = str(mocks.get("host", "127.0.0.1"))
        port = int(section.get("port", 18587))
        psc_port = mocks.get("psc", {}).get("port", 18083)
        pki_dir = section.get("pki_dir") or mocks.get("dmp", {}).get("pki_dir") or "reports/pki"
        return cls(
            host=host, port=port, admin_port=admin_port(section),
            hostname=str(section.get("hostname") or "localhost"),
            pki_dir=Path(str(pki_dir)).expanduser().resolve(),
            tls_policy_file=_file(section.get("tls_policy_file"), "tls_policy.toml"),
            directory_file=_file(section.get("directory_file"), "directory.toml"),
            replies_file=_file(section.get("replies_file"), "replies.toml"),
            introspection_url=str(section.get("introspection_url") or f"http://{host}:{psc_port}/introspect"),
            client_id=str(section.get("introspection_client_id", "mss-mock")),
            client_secret=str(section.get("introspection_client_secret", "secret-de-test-mss")),
            introspection_timeout=float(section.get("introspection_timeout_seconds", 5.0)),
            idle_timeout=float(section.get("idle_timeout_seconds", 60.0)),
            max_message_bytes=int(mocks.get("max_body_bytes", 10 * 1024 * 1024)),
            imap=imap_mode(section), imap_port=int(section.get("imap_port", 0)),
            imap_admin_port=imap_admin_port(section),
            imap_dir=Path(str(section["imap_dir"])).expanduser().resolve() if section.get("imap_dir") else None,
            imap_mail_user=str(section.get("imap_mail_user") or ""),
        )  # fmt: skip


def admin_port(section: dict[str, Any]) -> int:
    """The admin API port: `admin_port`, or the SMTP port + 1 when it is 0 (parallel lanes move both)."""
    configured = int(section.get("admin_port", 0))
    return configured or int(section.get("port", 18587)) + 1


def imap_admin_port(section: dict[str, Any]) -> int:
    """The mss-imap admin API port: `imap_admin_port`, or the IMAP port + 1 when it is 0 (and the IMAP port is set)."""
    configured = int(section.get("imap_admin_port", 0))
    port = int(section.get("imap_port", 0))
    return configured or (port + 1 if port else 0)


def imap_mode(section: dict[str, Any]) -> str:
    """`imap` of [mocks.mss]; absent means "off" so a bare settings dict (a test) never starts dovecot."""
    mode = str(section.get("imap", "off")).lower()
    if mode not in IMAP_MODES:
        raise ValueError(f"[mocks.mss] imap = {mode!r}: attendu {' | '.join(IMAP_MODES)}")
    return mode


def dovecot_binary() -> str | None:
    """dovecot's path (PATH, then the sbin folders a non-root PATH often lacks), or None when not installed."""
    found = shutil.which("dovecot")
    if found:
        return found
    for folder in ("/usr/sbin", "/usr/local/sbin"):
        candidate = os.path.join(folder, "dovecot")
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def imap_wanted(section: dict[str, Any]) -> bool:
    """The one rule (mock and run agree): IMAP runs when `imap` is "on", or "auto" with dovecot installed."""
    mode = imap_mode(section)
    return mode == "on" or (mode == "auto" and dovecot_binary() is not None)
