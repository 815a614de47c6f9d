"""A throw-away test PKI for mutual TLS with the mocks (never committed).

One CA, a server certificate for 127.0.0.1/localhost and client certificates
whose CN is what the INSi service checks (INSI-AUTO, INSI-MANU) plus one with
a CN it must refuse, and the DMP "certificat de cachet" (DMP-CACHET) that
signs VIHF assertions (KeyUsage digitalSignature, as XML-DSig verifiers
require). EC P-256 keys: generated in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CLIENT_CNS = ("INSI-AUTO", "INSI-MANU", "INSI-INCONNU", "DMP-CACHET")
"""Client certificates generated: the two the INSi service accepts, one it refuses, the DMP VIHF signer."""
SIGNING_CNS = ("DMP-CACHET",)
"""Certificates that sign XML (VIHF): they carry KeyUsage digitalSignature + nonRepudiation."""
VALIDITY = dt.timedelta(days=30)
RENEW_BEFORE = dt.timedelta(days=2)


@dataclass(frozen=True)
class Pki:
    """Paths of the PEM files of one test PKI."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.directory / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.directory / "server.key"

    def client_cert(self, cn: str) -> Path:
        return self.directory / f"client-{cn}.pem"

    def client_key(self, cn: str) -> Path:
        return self.directory / f"client-{cn}.key"


def _name(cn: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Segur harness TEST PKI"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _issue(subject_cn: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, issuer_key: ec.EllipticCurvePrivateKey,
           *, ca: bool = False, server: bool = False, signing: bool = False) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject_cn))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False), critical=True)
    else:
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if signing:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=True, key_cert_sign=False, crl_sign=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False), critical=True)
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def generate_pki(directory: str | Path, client_cns: tuple[str, ...] = CLIENT_CNS) -> Pki:
    """Create (overwrite) a CA, a server certificate and one client certificate per CN in `directory`."""
    pki = Pki(Path(directory))
    pki.directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _issue("Segur harness TEST CA", ca_key, _name("Segur harness TEST CA"), ca_key, ca=True)
    _write_key(pki.ca_key, ca_key)
    _write_cert(pki.ca_cert, ca_cert)
    server_key = ec.generate_private_key(ec.SECP256R1())
    _write_key(pki.server_key, server_key)
    _write_cert(pki.server_cert, _issue("localhost", server_key, ca_cert.subject, ca_key, server=True))
    for cn in client_cns:
        key = ec.generate_private_key(ec.SECP256R1())
        _write_key(pki.client_key(cn), key)
        _write_cert(pki.client_cert(cn), _issue(cn, key, ca_cert.subject, ca_key, signing=cn in SIGNING_CNS))
    return pki


def _usable(pki: Pki, client_cns: tuple[str, ...]) -> bool:
    paths = [pki.ca_cert, pki.ca_key, pki.server_cert, pki.server_key]
    paths += [p for cn in client_cns for p in (pki.client_cert(cn), pki.client_key(cn))]
    if not all(p.is_file() for p in paths):
        return False
    try:
        cert = x509.load_pem_x509_certificate(pki.server_cert.read_bytes())
        signers = [x509.load_pem_x509_certificate(pki.client_cert(cn).read_bytes())
                   for cn in client_cns if cn in SIGNING_CNS]
    except ValueError:
        return False
    if not all(_can_sign(c) for c in signers):  # made before signing certificates existed: regenerate
        return False
    return cert.not_valid_after_utc - dt.datetime.now(dt.UTC) > RENEW_BEFORE


def _can_sign(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature)
    except x509.ExtensionNotFound:
        return False


def ensure_pki(directory: str | Path, client_cns: tuple[str, ...] = CLIENT_CNS) -> Pki:
    """The PKI in `directory`, generated when missing, incomplete or about to expire."""
    pki = Pki(Path(directory))
    return pki if _usable(pki, client_cns) else generate_pki(directory, client_cns)


# -- RSA leaves issued on demand from the same CA ------------------------------
# The MSSanté cipher suites (ECDHE-RSA-*) need an RSA server key; these leaves are
# added to an existing PKI without regenerating it, and reissued when the CA changed.

RSA_BITS = 2048
MSS_SERVER = "mss"
"""RSA server certificate of the MSSanté SMTP mock (127.0.0.1/localhost)."""
MSS_APPLICATION_CN = "MSS-APPLICATION"
"""RSA client certificate of the test application mailbox (certificate authentication)."""


def rsa_server_cert(pki: Pki, name: str = MSS_SERVER) -> tuple[Path, Path]:
    """(certificate, key) paths of RSA server certificate `name` (see ensure_rsa_leaf)."""
    return pki.directory / f"{name}-server.pem", pki.directory / f"{name}-server.key"


def _leaf_current(cert_path: Path, key_path: Path, ca: x509.Certificate) -> bool:
    if not (cert_path.is_file() and key_path.is_file()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return cert.not_valid_after_utc - dt.datetime.now(dt.UTC) > RENEW_BEFORE


def ensure_rsa_leaf(pki: Pki, cn: str, cert_path: Path, key_path: Path, *, server: bool) -> tuple[Path, Path]:
    """An RSA leaf issued by the PKI's CA at these paths: kept while valid, else (re)issued."""
    ca = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    if _leaf_current(cert_path, key_path, ca):
        return cert_path, key_path
    ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), password=None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    cert = _issue(cn, key, ca.subject, ca_key, server=server)  # type: ignore[arg-type]
    _write_key(key_path, key)  # type: ignore[arg-type]
    _write_cert(cert_path, cert)
    return cert_path, key_path


ROGUE_SERVER = "mss-hors-igc"
"""Self-signed RSA server certificate (127.0.0.1/localhost) that the test CA did not issue: a server outside
IGC Santé, which an MSSanté client must refuse (MSS/va1.06)."""


def ensure_self_signed_server(pki: Pki, name: str = ROGUE_SERVER) -> tuple[Path, Path]:
    """(certificate, key) of a self-signed RSA server certificate `name`, kept while valid, else reissued."""
    cert_path, key_path = rsa_server_cert(pki, name)
    if cert_path.is_file() and key_path.is_file():
        try:
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            cert.verify_directly_issued_by(cert)
            if cert.not_valid_after_utc - dt.datetime.now(dt.UTC) > RENEW_BEFORE:
                return cert_path, key_path
        except (ValueError, TypeError, InvalidSignature):
            pass
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    subject = _name("Serveur hors IGC Sante")
    cert = _issue("Serveur hors IGC Sante", key, subject, key, server=True)  # type: ignore[arg-type]
    _write_key(key_path, key)  # type: ignore[arg-type]
    _write_cert(cert_path, cert)
    return cert_path, key_path


def ensure_mss_pki(directory: str | Path) -> Pki:
    """The shared test PKI plus the MSSanté RSA server and application client certificates."""
    pki = ensure_pki(directory)
    ensure_rsa_leaf(pki, "localhost", *rsa_server_cert(pki), server=True)
    ensure_self_signed_server(pki)
    ensure_rsa_leaf(pki, MSS_APPLICATION_CN, pki.client_cert(MSS_APPLICATION_CN), pki.client_key(MSS_APPLICATION_CN),
                    server=False)
    return pki
