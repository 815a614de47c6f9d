"""The MSSanté TLS policy (fixtures/mss/tls_policy.toml) as an ssl.SSLContext for STARTTLS.

TLS 1.2 only, exactly the listed ECDHE-RSA suites, the server's preference
order, an RSA certificate from the test PKI; a client certificate is asked
for (optional) so application mailboxes can authenticate with it.
"""

from __future__ import annotations

import ssl
import tomllib
from dataclasses import dataclass
from pathlib import Path

VERSIONS = {"TLSv1": ssl.TLSVersion.TLSv1, "TLSv1.1": ssl.TLSVersion.TLSv1_1, "TLSv1.2": ssl.TLSVersion.TLSv1_2,
            "TLSv1.3": ssl.TLSVersion.TLSv1_3}


@dataclass(frozen=True)
class TlsPolicy:
    versions: tuple[str, ...]
    ciphers: tuple[str, ...]
    """OpenSSL names, in preference order."""

    @classmethod
    def load(cls, path: Path) -> TlsPolicy:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        versions = tuple(data["versions"])
        unknown = [v for v in versions if v not in VERSIONS]
        if unknown or not versions:
            raise ValueError(f"{path}: unknown TLS versions {unknown}; known: {', '.join(VERSIONS)}")
        return cls(versions, tuple(c["openssl"] for c in data["cipher"]))


def server_context(policy: TlsPolicy, cert: Path, key: Path, ca: Path) -> ssl.SSLContext:
    """The STARTTLS context enforcing `policy`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ordered = sorted(VERSIONS[v] for v in policy.versions)
    context.minimum_version, context.maximum_version = ordered[0], ordered[-1]
    context.set_ciphers(":".join(policy.ciphers))  # TLS 1.2 suites; TLS 1.3 ones are out when 1.3 is
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    context.load_cert_chain(cert, key)
    context.load_verify_locations(cafile=str(ca))
    context.verify_mode = ssl.CERT_OPTIONAL
    return context
