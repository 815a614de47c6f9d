"""The [mocks.mss] settings, read once, with the bundled fixtures as defaults."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

FIXTURES = Path(str(files("segur_harness.fixtures").joinpath("mss")))
SERVICE = "mss-smtp"
"""Service name in the exchange store, the admin API and `mocks serve` lines."""


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
        )  # fmt: skip


def admin_port(section: dict[str, Any]) -> int:
    """The admin API port: `admin_port`, or the SMTP port + 1 when it is 0 (parallel lanes move both)."""
    configured = int(section.get("admin_port", 0))
    return configured or int(section.get("port", 18587)) + 1
