"""HTTP calls from one harness service to another on kept-alive connections.

A mock asks another service on every request: MSSanté and the DMP's PSC
entry ask Pro Santé Connect (introspection, userinfo) on every AUTH or DMP
request, the DMP asks the validation service for every CDA it receives; a
new TCP connection per call costs more than the call. Each thread (and each
forked worker) has its own requests.Session, since a Session is not shared
safely across threads. A call that finds its kept-alive connection closed by
the peer (its keep-alive ran out between two calls) is sent once more on a
new one: every such call is a read (nothing is changed on the other side),
so sending it again is safe.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import requests

_LOCAL = threading.local()


def _session() -> requests.Session:
    session = getattr(_LOCAL, "session", None)
    if session is None or getattr(_LOCAL, "pid", None) != os.getpid():
        session = requests.Session()
        _LOCAL.session, _LOCAL.pid = session, os.getpid()
    return session


def request(method: str, url: str, **kwargs: Any) -> requests.Response:
    """requests.request on this thread's Session (`timeout` is required: nothing may hang)."""
    if "timeout" not in kwargs:
        raise TypeError("keepalive.request needs a timeout")
    try:
        return _session().request(method, url, **kwargs)
    except requests.ConnectionError:
        _LOCAL.session = None
        return _session().request(method, url, **kwargs)
