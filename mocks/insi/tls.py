"""Mutual TLS for the INSi mock: serve over HTTPS and read the client certificate.

The real service authenticates software by a client certificate whose CN is
INSI-AUTO or INSI-MANU. Werkzeug's server puts the verified peer certificate
in the WSGI environ as SSL_CLIENT_CERT (PEM); gunicorn does not, so TLS mode
is served by `serve_tls` / `make_tls_server`. The server asks for a client
certificate without requiring one, so a client without one still reaches the
mock and gets a recorded SOAP fault instead of a bare handshake failure.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from segur_harness.pki import Pki, ensure_pki

CLIENT_CERT_ENVIRON = "SSL_CLIENT_CERT"


def client_cn(environ: dict) -> str | None:
    """CN of the verified client certificate of this request, or None when there is none."""
    pem = environ.get(CLIENT_CERT_ENVIRON)
    if not pem:
        return None
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii") if isinstance(pem, str) else pem)
    except ValueError:
        return None
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def server_ssl_context(pki: Pki) -> ssl.SSLContext:
    """Server context: our server certificate, client certificates verified against the test CA."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(pki.server_cert, pki.server_key)
    context.load_verify_locations(cafile=str(pki.ca_cert))
    context.verify_mode = ssl.CERT_OPTIONAL
    return context


def make_tls_server(app: Flask, host: str, port: int, pki_dir: str | Path) -> BaseWSGIServer:
    """A threaded HTTPS server for `app` (port 0 picks a free port); call serve_forever() on it."""
    pki = ensure_pki(pki_dir)
    return make_server(host, port, app, threaded=True, ssl_context=server_ssl_context(pki))


def serve_tls(app: Flask, host: str, port: int, pki_dir: str | Path) -> None:
    """Serve `app` over mutual TLS until interrupted."""
    make_tls_server(app, host, port, pki_dir).serve_forever()
