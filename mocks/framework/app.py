"""Flask app factory shared by every HTTP mock.

Reads the body under a size bound, applies injected behaviours, lets the
service answer, and records the exchange in the store before replying, so
every request is recorded whatever happens — even when the service crashes.
"""

from __future__ import annotations

import logging
import time
import traceback

from flask import Flask, Request, Response, request

from segur_harness.store import Behaviour, Exchange, Finding, Store

from .admin import admin_blueprint
from .service import MockResult, MockService

log = logging.getLogger(__name__)

OUTAGE_BODY = b"Service temporairement indisponible"


def _read_body(req: Request, limit: int) -> bytes | None:
    """The raw body, or None when it exceeds `limit` (read at most limit+1 bytes)."""
    if req.content_length is not None and req.content_length > limit:
        return None
    data = req.stream.read(limit + 1)
    return None if len(data) > limit else data


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


def create_mock_app(service: MockService, store: Store, *, max_body_bytes: int) -> Flask:
    """A Flask app serving `service` on its routes plus the admin API under /_admin."""
    app = Flask(f"mock-{service.name}")
    app.config["MAX_CONTENT_LENGTH"] = None  # we bound reads ourselves, to answer in-protocol

    def endpoint() -> Response:
        started = time.time()
        body = _read_body(request, max_body_bytes)
        raw = body if body is not None else b""
        if body is None:
            operation = "unknown"
            result = service.protocol_error(
                f"message too large: limit is {max_body_bytes} bytes", operation, status=413
            )
        else:
            operation = service.sniff_operation(request, body)
            behaviour = store.take_behaviour(service.name, operation)
            result = _apply_behaviour(service, behaviour, operation) if behaviour else None
            if result is None:
                try:
                    result = service.handle(request, body)
                except Exception:  # a mock bug must still answer in-protocol and be recorded
                    log.error("mock %s crashed:\n%s", service.name, traceback.format_exc())
                    result = service.protocol_error("internal error in the mock", operation, status=500)
                    result.findings.append(
                        Finding("error", "MOCK-CRASH", "the mock failed to handle this request")
                    )
            if behaviour:
                result.findings.append(
                    Finding("info", "INJECTED", f"behaviour {behaviour.kind} {behaviour.params} applied")
                )
        headers = {"Content-Type": result.content_type, **result.headers}
        store.record(
            Exchange(
                service=service.name,
                operation=result.operation or operation,
                scenario_id=store.scenario(service.name),
                peer=request.remote_addr,
                started_at=started,
                ended_at=time.time(),
                method=request.method,
                path=request.path,
                request_headers=dict(request.headers),
                request_body=raw,
                status=result.status,
                response_headers=headers,
                response_body=result.body,
                findings=result.findings,
                message_id=result.message_id,
            )
        )
        return Response(result.body, status=result.status, headers=headers)

    for index, route in enumerate(service.routes()):
        app.add_url_rule(route, f"service_{index}", endpoint, methods=["POST"])

    app.register_blueprint(admin_blueprint(service, store), url_prefix="/_admin")

    @app.errorhandler(404)
    def not_found(_exc: Exception) -> Response:
        return Response(f"no such endpoint on the {service.name} mock\n", 404, mimetype="text/plain")

    @app.errorhandler(405)
    def bad_method(_exc: Exception) -> Response:
        return Response(f"method not allowed on the {service.name} mock\n", 405, mimetype="text/plain")

    @app.errorhandler(Exception)
    def any_error(exc: Exception) -> Response:
        log.error("unhandled error in mock %s: %s", service.name, exc)
        return Response(f"internal error in the {service.name} mock\n", 500, mimetype="text/plain")

    return app
