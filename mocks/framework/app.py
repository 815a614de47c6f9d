"""WSGI app factory shared by every HTTP mock.

Every request that is not an admin call goes through one pipeline, whatever
its path, method or body: read the body under a size and time bound, apply
injected behaviours, let the service answer, record the exchange in the store,
and only then reply. Anything refused on the way (unknown path or method,
unreadable body, a crash of the service) is answered with the service's own
protocol_error and recorded like any other exchange; the admin API
(/_admin/...) is the harness's remote control and is not recorded.

The pipeline runs on a bare request object (request.MockRequest: werkzeug's
values, read from the environ), outside Flask's routing and contexts:
per-request set-up is the cost of a mock under load, and Flask only serves
the admin API.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.http import HTTP_STATUS_CODES

from segur_harness.store import Behaviour, Finding, Store

from . import soap
from .admin import admin_blueprint
from .body import read_body
from .recording import exchange_of, record
from .request import MockRequest
from .service import MockResult, MockService

log = logging.getLogger(__name__)

OUTAGE_BODY = b"Service temporairement indisponible"
ADMIN_PREFIX = "/_admin"
UNKNOWN = "unknown"
_UNREAD = object()
"""The current scenario, not read yet for this request."""
DEFAULT_BODY_TIMEOUT = 10.0
"""Seconds a client has to send its whole body: a stalled client is answered and let go."""


def _apply_behaviour(service: MockService, behaviour: Behaviour, operation: str) -> MockResult | None:
    if behaviour.kind == "delay":
        time.sleep(float(behaviour.params.get("seconds", 1.0)))
        return None
    if behaviour.kind == "outage":
        status = int(behaviour.params.get("status", 503))
        return MockResult(status, OUTAGE_BODY, "text/plain; charset=utf-8", operation)
    if behaviour.kind == "fault":
        return service.injected_fault(behaviour, operation)
    return None


def _last_resort(status: int = 500) -> MockResult:
    """A SOAP 1.2 Receiver fault for when the service's own protocol_error failed too."""
    return MockResult(status, soap.fault("Receiver", "Erreur interne du mock"), soap.SOAP12_CONTENT_TYPE, UNKNOWN)


class MockPipeline:
    """The recorded request/answer pipeline of one mock (see the module docstring)."""

    def __init__(self, service: MockService, store: Store, max_body_bytes: int, body_timeout: float | None) -> None:
        self.service = service
        self.store = store
        self.max_body_bytes = body_limit(service, max_body_bytes)
        self.body_timeout = body_timeout
        self.routes = frozenset(service.routes())
        self._prefetched = threading.local()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        result = self.result(environ)
        if result.headers.get("Connection") == "close":
            _close_after_answer(start_response)
        return respond(result, environ, start_response)

    def may_block(self, path: str = "") -> bool:
        """True when a request for `path` may wait: a delay behaviour is set, or the service says requests
        there wait on something else (its optional `may_block(path)`: an outbound call). The mock worker
        then runs it in a thread, not on its loop.

        The read that tells (Store.service_state) also gives the current scenario: when no behaviour
        is set, the request this thread runs next takes it from there instead of reading the store again
        (the worker calls this right before running the request on the same thread).
        """
        self._prefetched.scenario = _UNREAD
        declared = getattr(self.service, "may_block", None)
        if callable(declared) and declared(path):
            return True
        try:
            scenario, behaviours_set, delay = self.store.service_state(self.service.name)
        except Exception:  # the store unreadable: the request will say so, from a thread
            return True
        if not behaviours_set:
            self._prefetched.scenario = scenario
        return delay

    def _take_prefetched(self) -> str | None | object:
        """The scenario may_block read for this thread's next request (_UNREAD when none); read once."""
        scenario = getattr(self._prefetched, "scenario", _UNREAD)
        self._prefetched.scenario = _UNREAD
        return scenario

    def response(self, environ: dict[str, Any]) -> Response:
        """The recorded answer to the request in `environ`, as a werkzeug Response."""
        result = self.result(environ)
        return Response(result.body, status=result.status, headers=_headers(result))

    def result(self, environ: dict[str, Any]) -> MockResult:
        """The answer to the request in `environ`, once its exchange is recorded (or the refusal to say it was not)."""
        started = time.time()
        request = MockRequest(environ)
        raw = b""
        operation = UNKNOWN
        scenario = prefetched = self._take_prefetched()
        try:
            raw, operation, result, scenario = self._answer(request, prefetched)
        except Exception:  # a mock bug must still answer in-protocol and be recorded
            log.exception("mock %s crashed", self.service.name)
            result = self.refusal("internal error in the mock", operation, 500)
            result.findings.append(Finding("error", "MOCK-CRASH",
                                           "le simulateur n'a pas pu traiter cette requête (problème du banc de test)"))
        if scenario is _UNREAD:
            try:
                scenario = self.store.scenario(self.service.name)
            except Exception as exc:
                log.error("current scenario unreadable: %s", exc)
                scenario = None
        exchange = exchange_of(self.service.name, request, raw, result, operation, scenario, started)  # type: ignore[arg-type]
        if not record(self.store, exchange):
            result = self.refusal("the mock could not record this exchange", operation, 500)
            result.headers["Connection"] = "close"
        return result

    def server_refusal(self, reason: str, status: int, peer: str, req: Any = None, received: bytes = b""
                       ) -> MockResult:
        """Record and answer a request the HTTP server layer refused (see worker.py); never raises.

        `req` is gunicorn's partly parsed request when there is one (method,
        path, headers); `received` the raw bytes the client sent, recorded as
        the request body since no body was ever read.
        """
        started = time.time()
        environ: dict[str, Any] = {"REQUEST_METHOD": getattr(req, "method", None) or "",
                                   "PATH_INFO": getattr(req, "path", None) or "", "REMOTE_ADDR": peer,
                                   "wsgi.input": None, "SERVER_NAME": "", "SERVER_PORT": ""}
        for name, value in getattr(req, "headers", None) or []:
            environ["HTTP_" + str(name).upper().replace("-", "_")] = str(value)
        result = self.refusal(reason, UNKNOWN, status)
        try:
            scenario = self.store.scenario(self.service.name)
            exchange = exchange_of(self.service.name, MockRequest(environ), received, result, UNKNOWN, scenario,
                                   started)
        except Exception as exc:
            log.error("refused request not recordable: %s", exc)
            return result
        if not record(self.store, exchange):
            return self.refusal("the mock could not record this exchange", UNKNOWN, 500)
        return result

    def refusal(self, reason: str, operation: str, status: int) -> MockResult:
        """The service's answer to input refused before handling; never raises."""
        try:
            return self.service.protocol_error(reason, operation, status=status)
        except Exception:
            log.exception("protocol_error of mock %s failed", self.service.name)
            return _last_resort(status)

    def _answer(self, request: MockRequest, prefetched: str | None | object = _UNREAD
                ) -> tuple[bytes, str, MockResult, str | None | object]:
        """(body received, operation, answer, current scenario or _UNREAD when it was not read on the way).

        `prefetched`: the scenario may_block read with no behaviour set (_UNREAD: read it here).
        """
        body = read_body(request, self.max_body_bytes, self.body_timeout)
        if request.path not in self.routes:
            return body.data, UNKNOWN, self.refusal(f"no such endpoint: {request.path}", UNKNOWN, 404), prefetched
        allowed = allowed_methods(self.service, request.path)
        if request.method not in allowed:
            result = self.refusal(f"method {request.method} not allowed: {', '.join(allowed)} expected", UNKNOWN,
                                  405)
            result.headers["Allow"] = ", ".join(allowed)
            return body.data, UNKNOWN, result, prefetched
        if body.problem is not None:
            result = self.refusal(body.problem, UNKNOWN, body.status)
            result.headers["Connection"] = "close"  # the rest of the stream cannot be trusted
            # gunicorn keeps what it read of a body it could not finish: record the raw bytes the worker saw
            raw = body.data or getattr(request.environ.get("gunicorn.socket"), "received", b"")
            return raw, UNKNOWN, result, prefetched
        operation = self.service.sniff_operation(request, body.data)
        if prefetched is _UNREAD:
            scenario, behaviour = self.store.scenario_and_behaviour(self.service.name, operation)
        else:
            scenario, behaviour = prefetched, None  # type: ignore[assignment]
        result = _apply_behaviour(self.service, behaviour, operation) if behaviour else None
        if result is None:
            try:
                result = self.service.handle(request, body.data)
            except Exception:
                log.exception("mock %s crashed", self.service.name)
                result = self.refusal("internal error in the mock", operation, 500)
                result.findings.append(Finding(
                    "error", "MOCK-CRASH", "le simulateur n'a pas pu traiter cette requête (problème du banc de test)"))
        if behaviour:
            result.findings.append(
                Finding("info", "INJECTED", f"behaviour {behaviour.kind} {behaviour.params} applied")
            )
        return body.data, operation, result, scenario


def _close_after_answer(start_response: Callable[..., Any]) -> None:
    """Make gunicorn close this connection once answered, without reading the rest of the body.

    gunicorn drops an app's Connection: close header and drains the unread
    body of a refused request before keep-alive (up to a timeout; a stalled
    client then got a second, 408 refusal). Its Response, whose bound method
    `start_response` is, closes when told to; other servers are left alone.
    """
    force_close = getattr(getattr(start_response, "__self__", None), "force_close", None)
    if callable(force_close):
        force_close()


def _headers(result: MockResult) -> dict[str, str]:
    return {"Content-Type": result.content_type, **result.headers}


_WERKZEUG_HEADERS = frozenset({"location", "content-location", "content-length"})
"""Headers werkzeug's Response rewrites (IRI to URI, computed length): answers with them go through it."""


@lru_cache(maxsize=64)
def _status_line(status: int) -> str:
    """The status line werkzeug's Response gives `status` ("400 BAD REQUEST", "299 UNKNOWN")."""
    return f"{status} {HTTP_STATUS_CODES[status].upper()}" if status in HTTP_STATUS_CODES else f"{status} UNKNOWN"


def respond(result: MockResult, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Send `result` as werkzeug's Response(body, status, headers) would, without building one when it is plain.

    Plain: a bytes body with its length, str headers without line breaks,
    none that werkzeug rewrites, a status that has a body, not HEAD. Anything
    else goes through werkzeug itself, so the bytes on the wire are the same.
    """
    headers = _headers(result)
    status = result.status
    plain = (200 <= status < 600 and status not in (204, 304) and environ.get("REQUEST_METHOD") != "HEAD"
             and isinstance(result.body, bytes)
             and all(isinstance(key, str) and isinstance(value, str) and key.lower() not in _WERKZEUG_HEADERS
                     and "\n" not in value and "\r" not in value and "\n" not in key and "\r" not in key
                     for key, value in headers.items()))
    if not plain:
        return Response(result.body, status=status, headers=headers)(environ, start_response)
    start_response(_status_line(status), [*headers.items(), ("Content-Length", str(len(result.body)))])
    return [result.body]


def body_limit(service: MockService, framework_limit: int) -> int:
    """The body size bound of `service`: its optional `body_limit` (bytes) when lower than the framework's."""
    own = getattr(service, "body_limit", None)
    return min(framework_limit, int(own)) if isinstance(own, int) and own > 0 else framework_limit


def allowed_methods(service: MockService, path: str) -> tuple[str, ...]:
    """HTTP methods `service` takes on `path`: its optional `methods(path)`, else POST (SOAP services)."""
    declared = getattr(service, "methods", None)
    return tuple(declared(path)) if callable(declared) else ("POST",)


class _Dispatch:
    """Admin calls to Flask, everything else to the recorded pipeline."""

    def __init__(self, admin: Callable[..., Iterable[bytes]], pipeline: MockPipeline) -> None:
        self.admin = admin
        self.pipeline = pipeline

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            return self.admin(environ, start_response)
        return self.pipeline(environ, start_response)


def create_mock_app(service: MockService, store: Store, *, max_body_bytes: int,
                    body_timeout: float | None = DEFAULT_BODY_TIMEOUT) -> Flask:
    """A WSGI app serving `service` on every path but /_admin, where the admin API is."""
    app = Flask(f"mock-{service.name}")
    app.config["MAX_CONTENT_LENGTH"] = None
    app.register_blueprint(admin_blueprint(service, store), url_prefix=ADMIN_PREFIX)

    @app.errorhandler(404)
    def not_found(_exc: Exception) -> tuple[Response, int]:
        return jsonify({"error": f"no such admin endpoint on the {service.name} mock"}), 404

    @app.errorhandler(405)
    def bad_method(_exc: Exception) -> tuple[Response, int]:
        return jsonify({"error": f"method not allowed on this admin endpoint of the {service.name} mock"}), 405

    @app.errorhandler(Exception)
    def any_error(exc: Exception) -> tuple[Response, int]:
        log.error("unhandled error in the admin API of mock %s: %s", service.name, exc)
        return jsonify({"error": f"internal error in the {service.name} mock admin API"}), 500

    pipeline = MockPipeline(service, store, max_body_bytes, body_timeout)
    for index, route in enumerate(service.routes()):  # never reached through _Dispatch; kept for url_map readers
        app.add_url_rule(route, f"service_{index}", lambda: pipeline.response(request.environ), methods=["POST"])
    app.wsgi_app = _Dispatch(app.wsgi_app, pipeline)  # type: ignore[method-assign]
    app.extensions["segur_mock_pipeline"] = pipeline
    return app
