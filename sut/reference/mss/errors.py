"""The two ways an MSSanté exchange ends badly, each with the French sentence the user reads.

`TransportError` (connection refused, timeout, TLS handshake or certificate
failure, connection lost) becomes outcome ERROR; `ServerRefusal` (the server
answered no: 535, 550, IMAP NO) becomes FAILURE with the server's own reply.
"""

from __future__ import annotations

import ssl


class TransportError(Exception):
    """No usable session: `detail` says why, in French."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ServerRefusal(Exception):
    """The server refused; `reply` is its reply line ("535 5.7.8 ...", "NO [AUTHENTICATIONFAILED] ...")."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


def transport_error(exc: BaseException, server: str, timeout: float) -> TransportError:
    """The French reason of a socket or TLS failure talking to `server`."""
    if isinstance(exc, TimeoutError):
        return TransportError(f"le serveur MSSanté {server} n'a pas répondu dans le délai de {timeout:g} s")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TransportError(f"certificat du serveur MSSanté {server} refusé ({exc.verify_message})")
    if isinstance(exc, ssl.SSLError):
        return TransportError(f"échec de la négociation TLS avec le serveur MSSanté {server} "
                              f"({exc.reason or type(exc).__name__})")
    return TransportError(f"serveur MSSanté {server} injoignable ({type(exc).__name__})")
