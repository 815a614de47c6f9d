"""The PSC mock's token signing key: an RSA key kept in the harness test PKI folder, published as JWKS.

Generated on first use (mode 600, never committed) so every gunicorn worker
and every restart signs with the same key and a client's cached JWKS stays valid.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

from .protocol import SIGNING_ALG

KEY_FILE = "psc-signing.key"


def _create(path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".psc-key-")
    try:
        os.chmod(tmp, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        with contextlib.suppress(FileExistsError):  # another worker won the race: everyone keeps its key
            os.link(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load_signing_key(pki_dir: str | Path) -> RSAKey:
    """The signing key of <pki_dir>/psc-signing.key (created when missing), with its thumbprint as kid."""
    path = Path(pki_dir).expanduser() / KEY_FILE
    if not path.exists():
        _create(path)
    key = RSAKey.import_key(path.read_bytes(), {"use": "sig", "alg": SIGNING_ALG})
    key.ensure_kid()
    return key


def jwks(key: RSAKey) -> dict[str, Any]:
    """The public JWK Set (RFC 7517) clients verify ID and access tokens with."""
    return {"keys": [key.as_dict(private=False, use="sig", alg=SIGNING_ALG)]}
