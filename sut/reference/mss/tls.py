"""The client TLS context of every MSSanté session (SMTP and IMAP STARTTLS), from mss.toml's policy.

One function builds it, so the three TLS defects are three switches here:
`mss-accepts-tls-below-1.2`, `mss-any-cipher`, `mss-no-server-cert-check`.
"""

from __future__ import annotations

import ssl
import warnings
from pathlib import Path

from ..settings import SutSettings
from .data import mss_data

VERSIONS = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}


def client_context(settings: SutSettings) -> ssl.SSLContext:
    """TLS 1.2 only, the four MSSanté suites, the server certificate checked against the test CA and host name.

    OSError when the CA file cannot be read (the caller reports it as an ERROR).
    """
    policy = mss_data()["tls"]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = VERSIONS[policy["minimum"]]
    context.maximum_version = VERSIONS[policy["maximum"]]
    context.set_ciphers(":".join(policy["ciphers"]))
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    if settings.has("mss-accepts-tls-below-1.2"):
        with warnings.catch_warnings():  # the defect: TLS 1.0/1.1, which OpenSSL only allows at security level 0
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    elif settings.has("mss-any-cipher"):
        context.set_ciphers("ALL:@SECLEVEL=0")
    if settings.has("mss-no-server-cert-check"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context.load_verify_locations(cafile=str(Path(settings.vihf_pki_dir) / policy["ca_file"]))
    return context
