"""The MSSanté TLS policy (fixtures/mss/tls_policy.toml) as an ssl.SSLContext for STARTTLS.

TLS 1.2 only, exactly the listed ECDHE-RSA suites, the server's preference
order, an RSA certificate from the test PKI; a client certificate is asked
for (optional) so application mailboxes can authenticate with it.
"""

from __future__ import annotations

import ssl
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

VERSIONS = {"TLSv1": ssl.TLSVersion.TLSv1, "TLSv1.1": ssl.TLSVersion.TLSv1_1, "TLSv1.2": ssl.TLSVersion.TLSv1_2,
            "TLSv1.3": ssl.TLSVersion.TLSv1_3}


def _versions(path: Path, versions: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [v for v in versions if v not in VERSIONS]
    if unknown or not versions:
        raise ValueError(f"{path}: unknown TLS versions {unknown}; known: {', '.join(VERSIONS)}")
    return versions


@dataclass(frozen=True)
class TlsProfile:
    """A server setting outside the policy, for one connection (admin behaviour kind "tls")."""

    name: str
    description: str
    versions: tuple[str, ...]
    ciphers: str
    """OpenSSL cipher string; empty: the policy's suites."""
    certificate: str = ""
    """"hors-igc": present the self-signed certificate (pki.ensure_self_signed_server) instead of the real one."""


@dataclass(frozen=True)
class TlsPolicy:
    versions: tuple[str, ...]
    ciphers: tuple[str, ...]
    """OpenSSL names, in preference order."""
    profiles: tuple[TlsProfile, ...] = ()

    @classmethod
    def load(cls, path: Path) -> TlsPolicy:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        profiles = tuple(TlsProfile(name, str(p.get("description", name)), _versions(path, tuple(p["versions"])),
                                    str(p.get("ciphers", "")), str(p.get("certificate", "")))
                         for name, p in data.get("profile", {}).items())
        return cls(_versions(path, tuple(data["versions"])), tuple(c["openssl"] for c in data["cipher"]), profiles)


def server_context(policy: TlsPolicy, cert: Path, key: Path, ca: Path) -> ssl.SSLContext:
    """The STARTTLS context enforcing `policy`."""
    return _context(policy.versions, ":".join(policy.ciphers), cert, key, ca)


def profile_contexts(policy: TlsPolicy, cert: Path, key: Path, ca: Path,
                     rogue: tuple[Path, Path]) -> dict[str, ssl.SSLContext]:
    """One STARTTLS context per profile outside the policy; `rogue` = the self-signed (certificate, key)."""
    out = {}
    for profile in policy.profiles:
        pair = rogue if profile.certificate == "hors-igc" else (cert, key)
        out[profile.name] = _context(profile.versions, profile.ciphers or ":".join(policy.ciphers), *pair, ca)
    return out


def _context(versions: tuple[str, ...], ciphers: str, cert: Path, key: Path, ca: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ordered = sorted(VERSIONS[v] for v in versions)
    with warnings.catch_warnings():  # TLS 1.0/1.1 profiles are deprecated on purpose: the bad server
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version, context.maximum_version = ordered[0], ordered[-1]
    context.set_ciphers(ciphers)  # TLS 1.2 suites; TLS 1.3 ones are out when 1.3 is
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    context.load_cert_chain(cert, key)
    context.load_verify_locations(cafile=str(ca))
    context.verify_mode = ssl.CERT_OPTIONAL
    return context
