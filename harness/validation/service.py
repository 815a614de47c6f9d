"""The validation engine as a small HTTP service, so every process of a run shares one warm engine.

Compiling the ANS schematrons costs seconds per process (the N1 one 8-12 s, and
SaxonC HE cannot save compiled stylesheets); a run's step processes, the
selfcheck's variants and multi-worker mocks send documents here instead.

    POST /validate?name=doc.xml[&schematron=NAME]   body: the document bytes  -> FileResult JSON (docs/validation.md)
    GET  /health                                              -> engine info (versions, pack)

Run: `python -m segur_harness.validation.service --port 18085` (the runner starts it).
"""

from __future__ import annotations

import argparse
import sys

from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

from segur_harness.config import config
from segur_harness.validation.engine import Engine, get_engine

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""Bodies above this get 413 (the size budget, 20 MB by default, is below it)."""


def create_app(engine: Engine | None = None) -> Flask:
    app = Flask("segur-validation-service")
    # Transport bound only: a document over the size budget ([validation] max_document_bytes) is
    # answered with its BUDGET-001 finding; one over this bound gets 413.
    app.config["MAX_CONTENT_LENGTH"] = MAX_DOCUMENT_BYTES
    holder: dict[str, Engine] = {}

    def current() -> Engine:
        if "engine" not in holder:
            holder["engine"] = engine or get_engine()
        return holder["engine"]

    @app.get("/health")
    def health() -> Response:
        return jsonify({"status": "ok", "engine": current().info()})

    @app.post("/validate")
    def validate() -> Response | tuple[Response, int]:
        name = request.args.get("name") or "document.xml"
        chosen = None
        if request.args.get("schematron"):
            chosen = current().resolve_schematron(request.args["schematron"])
            if chosen is None:
                return jsonify({"error": f"unknown schematron {request.args['schematron']!r}"}), 400
        result = current().validate_document(request.get_data(cache=False), name, chosen)
        return jsonify(result.to_dict())

    @app.errorhandler(413)
    def too_large(_exc: Exception) -> tuple[Response, int]:
        return jsonify({"error": f"document larger than {MAX_DOCUMENT_BYTES} bytes"}), 413

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m segur_harness.validation.service",
                                     description="Serve the CDA validation engine over HTTP (loopback).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18085)
    args = parser.parse_args(argv)
    engine = get_engine()
    unknown = engine.warm(list(config().get("validator", {}).get("warm_schematrons", [])))
    if unknown:
        print(f"[validator] warm_schematrons: unknown schematron(s) {', '.join(unknown)}", flush=True)
    server = make_server(args.host, args.port, create_app(engine), threaded=True)
    print(f"validation service on http://{args.host}:{server.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
