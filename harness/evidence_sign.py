"""Optional detached signature of an evidence bundle's manifest (XML-DSig with signxml).

The manifest proves nothing changed after the bundle was written, not who
wrote it; the editor's signature over the manifest's SHA-256 does. It lives
beside the manifest (manifest.sig.xml, outside the manifest it covers) and
carries the signer's certificate; `evidence verify` checks it against that
certificate, or against a CA the reviewer trusts (`--trust`).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, load_pem_private_key
from lxml import etree

from segur_harness.isotime import iso_seconds

SIGNATURE = "manifest.sig.xml"
NS = "urn:segur-harness:evidence-signature:1"
DS = "http://www.w3.org/2000/09/xmldsig#"


class SignerError(ValueError):
    """--sign-key / --sign-cert cannot be used (one line)."""


@dataclass(frozen=True)
class Signer:
    key_pem: bytes
    cert_pem: bytes


def load_signer(key: Path, cert: Path) -> Signer:
    """The editor's key and certificate, checked to belong together before the run starts."""
    try:
        key_pem, cert_pem = key.read_bytes(), cert.read_bytes()
    except OSError as exc:
        raise SignerError(f"--sign-key/--sign-cert: cannot read {exc.filename} ({exc.strerror})") from None
    try:
        private = load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SignerError(f"--sign-key {key}: not an unencrypted PEM private key ({exc})") from None
    try:
        certificate = x509.load_pem_x509_certificate(cert_pem)
    except ValueError as exc:
        raise SignerError(f"--sign-cert {cert}: not a PEM certificate ({exc})") from None
    if not isinstance(private, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise SignerError(f"--sign-key {key}: an RSA or EC key is needed")
    if private.public_key().public_numbers() != certificate.public_key().public_numbers():
        raise SignerError(f"--sign-cert {cert}: does not match the key of --sign-key {key}")
    return Signer(key_pem, cert_pem)


def sign_manifest(manifest: bytes, signer: Signer, now: float) -> bytes:
    """manifest.sig.xml: the manifest's name and SHA-256, enveloped-signed with the editor's key."""
    from signxml import DigestAlgorithm, SignatureMethod, XMLSigner

    root = etree.Element(f"{{{NS}}}ManifestSignature", nsmap={"es": NS})
    etree.SubElement(root, f"{{{NS}}}File").text = "manifest.json"
    etree.SubElement(root, f"{{{NS}}}SHA256").text = hashlib.sha256(manifest).hexdigest()
    etree.SubElement(root, f"{{{NS}}}SignedAt").text = iso_seconds(now)
    key = load_pem_private_key(signer.key_pem, password=None)
    method = SignatureMethod.ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey) else SignatureMethod.RSA_SHA256
    signed = XMLSigner(signature_algorithm=method, digest_algorithm=DigestAlgorithm.SHA256).sign(
        root, key=key, cert=signer.cert_pem.decode("ascii"))
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class SignatureCheck:
    valid: bool
    detail: str


def _embedded_cert(signature: bytes) -> str | None:
    from segur_harness.xmlsafe import parse_xml

    node = parse_xml(signature).find(f".//{{{DS}}}X509Certificate")
    if node is None or not (node.text or "").strip():
        return None
    der = base64.b64decode("".join(node.text.split()))
    return x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM).decode()


def check_signature(signature: bytes, manifest: bytes, trust: Path | None = None) -> SignatureCheck:
    """Whether `signature` signs exactly `manifest`, by the certificate it carries (or one `trust` issued)."""
    from signxml import XMLVerifier
    from signxml.exceptions import InvalidCertificate, SignXMLException

    try:
        embedded = _embedded_cert(signature)
        if embedded is None:
            return SignatureCheck(False, "pas de certificat dans la signature")
        verifier = XMLVerifier()
        result = verifier.verify(signature, ca_pem_file=str(trust)) if trust else \
            verifier.verify(signature, x509_cert=embedded)
    except InvalidCertificate as exc:
        return SignatureCheck(False, f"certificat du signataire non reconnu par {trust} : {exc}")
    except (SignXMLException, ValueError, etree.LxmlError) as exc:
        return SignatureCheck(False, f"signature invalide : {exc}")
    signed = result.signed_xml
    digest = signed.findtext(f"{{{NS}}}SHA256") if signed is not None else None
    if digest != hashlib.sha256(manifest).hexdigest():
        return SignatureCheck(False, "la signature est valide mais porte sur un autre manifest.json")
    subject = x509.load_pem_x509_certificate(embedded.encode()).subject.rfc4514_string()
    trusted = f", émis par une autorité de {trust}" if trust else " (certificat non vérifié : --trust CA.pem pour cela)"
    return SignatureCheck(True, f"valide, signataire {subject}, signé le {signed.findtext(f'{{{NS}}}SignedAt')}"
                                f"{trusted}")  # fmt: skip
