"""The adapter contract (sut/openapi.json) served by the reference SUT.

Thin HTTP layer: parse and validate, call `Workflows`, answer JSON or
application/problem+json. Every route lives under `/adapter/v1`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from .cda.kinds import kind_names
from .dmp.channel import DmpChannel
from .dmp.ledger import DmpLedger
from .dmp.routes import add_routes as add_dmp_routes
from .dmp.trace import DmpTraceLog
from .dmp.workflows import DmpWorkflows
from .dmp_inputs import flags_of, include_archived_of, mode_of, status_of, unique_id_of
from .documents import DocumentShelf, DocumentWorkflows
from .inbox import Inbox
from .inputs import (
    content_of,
    document_of,
    document_request_of,
    json_object,
    received_document_of,
    traits_of,
    user_of,
    vitale_of,
)
from .model import Identity, Registry
from .mss.ledger import MssLedger
from .mss.workflows import MssWorkflows, SendRequest
from .mss_inputs import mail_server_of, mailbox_of, psc_mode_of, rpps_of, send_fields_of
from .problems import Problem, invalid
from .psc.client import PscClient
from .psc.provider import Provider
from .psc.sessions import PscSessions
from .psc.trace import PscTraceLog
from .settings import MailServer, SutSettings
from .workflows import Workflows

log = logging.getLogger(__name__)

CONTRACT_VERSION = "1.4.0"
PRODUCT_NAME = "Segur harness reference SUT"
PREFIX = "/adapter/v1"
SERVICES = ("insi", "dmp", "psc", "mss-smtp", "mss-imap")
"""The service locations PUT /services knows; a body naming none of them is refused."""
TIMEOUTS = ("insi_timeout_seconds", "dmp_timeout_seconds", "psc_timeout_seconds", "mss_timeout_seconds")


def _body() -> dict[str, Any]:
    if not request.get_data():
        return {}
    return json_object(request.get_json(silent=True))


@dataclass
class Sut:
    """Everything one reference SUT process holds; the adapter reset empties it."""

    settings: SutSettings
    registry: Registry
    workflows: Workflows
    shelf: DocumentShelf
    documents: DocumentWorkflows
    inbox: Inbox
    dmp_traces: DmpTraceLog
    dmp_ledger: DmpLedger
    dmp: DmpWorkflows
    psc_traces: PscTraceLog
    psc_sessions: PscSessions
    psc_provider: Provider
    psc: PscClient
    mss_ledger: MssLedger
    mss: MssWorkflows

    @classmethod
    def create(cls, settings: SutSettings) -> Sut:
        registry, shelf = Registry(), DocumentShelf()
        inbox = Inbox(dedup_on_id=not settings.has("integrates-duplicates"),
                      dedup_on_set_id=settings.has("dedup-on-set-id"))
        traces, ledger = DmpTraceLog(), DmpLedger()
        psc_traces, sessions = PscTraceLog(), PscSessions()
        provider = Provider(psc_traces)
        psc = PscClient(settings, psc_traces, sessions, provider)
        dmp = DmpWorkflows(inbox, settings, DmpChannel(settings, traces, psc), ledger)
        mss_ledger, identities = MssLedger(), Workflows(registry, settings)
        return cls(settings, registry, identities, shelf, DocumentWorkflows(shelf, settings), inbox,
                   traces, ledger, dmp, psc_traces, sessions, provider, psc, mss_ledger,
                   MssWorkflows(settings, registry, inbox, psc, mss_ledger, identities))

    def reset(self) -> None:
        self.registry.reset()
        self.shelf.reset()
        self.inbox.reset()
        self.dmp_traces.reset()
        self.dmp_ledger.reset()
        self.psc_traces.reset()
        self.psc_sessions.reset()
        self.psc_provider.reset()
        self.mss_ledger.reset()


def _url_errors(data: dict[str, Any], field: str, message: str) -> list[dict[str, str]]:
    url = data.get(field)
    ok = isinstance(url, str) and url.startswith(("http://", "https://"))
    return [] if ok else [{"field": field, "message": message}]


def adapter_blueprint(sut: Sut) -> Blueprint:
    bp = Blueprint("adapter", __name__)
    workflows, registry, settings = sut.workflows, sut.registry, sut.settings

    def identity_or_404(identity_id: str) -> Identity:
        identity = registry.get(identity_id)
        if identity is None:
            raise Problem(404, "identity-not-found", "Identité inconnue", f"aucune identité {identity_id!r}")
        return identity

    @bp.get("/info")
    def info() -> Response:
        return jsonify({
            "product": PRODUCT_NAME,
            "version": settings.lps_version,
            "contract_version": CONTRACT_VERSION,
            "vendor": "segur-harness",
            "lps_name": settings.lps_name,
            "defect": settings.defect,
            "capabilities": ["identities", "insi-traits", "insi-vitale", "documents", "export", "insi-calls",
                             "services", "cda-documents", "received-documents", "dmp", "psc", "mss",
                             "dmp-dossier", "dmp-received-feed"],
            "document_kinds": kind_names(),
        })

    @bp.post("/reset")
    def reset() -> tuple[str, int]:
        sut.reset()
        return "", 204

    @bp.put("/services")
    def services() -> Response:
        data = _body()
        errors: list[dict[str, str]] = []
        if "insi" in data or not any(name in data for name in SERVICES):
            errors += _url_errors(data, "insi", "insi doit être l'URL http(s) du téléservice INSi")
        if "dmp" in data:
            errors += _url_errors(data, "dmp", "dmp doit être l'URL http(s) de base du DMP")
        if "psc" in data:
            errors += _url_errors(data, "psc", "psc doit être l'URL http(s) de l'émetteur Pro Santé Connect")
        mail: dict[str, MailServer | None] = {}
        for name, scheme in (("mss-smtp", "smtp"), ("mss-imap", "imap")):
            if name in data:
                mail[name], wrong = mail_server_of(data[name], scheme, name)
                errors += wrong
        for name in TIMEOUTS:
            timeout = data.get(name)
            if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float)
                                        or not 0 < timeout <= 120):
                errors.append({"field": name, "message": f"{name} doit être dans ]0, 120]"})
        if errors:
            raise invalid(errors)

        def timeout_of(name: str) -> float | None:
            return float(data[name]) if data.get(name) is not None else None

        if "insi" in data:
            settings.set_insi(data["insi"], timeout_of("insi_timeout_seconds"))
        if "dmp" in data:
            settings.set_dmp(data["dmp"], timeout_of("dmp_timeout_seconds"))
        if "psc" in data:
            settings.set_psc(data["psc"], timeout_of("psc_timeout_seconds"))
        if mail or data.get("mss_timeout_seconds") is not None:
            settings.set_mss(mail.get("mss-smtp"), mail.get("mss-imap"), timeout_of("mss_timeout_seconds"))
        smtp, imap = settings.mss_smtp, settings.mss_imap
        return jsonify({"insi": settings.insi_url, "insi_timeout_seconds": settings.insi_timeout_seconds,
                        "dmp": settings.dmp_url, "dmp_timeout_seconds": settings.dmp_timeout_seconds,
                        "psc": settings.psc_url, "psc_timeout_seconds": settings.psc_timeout_seconds,
                        "mss-smtp": smtp.url("smtp") if smtp else None, "mss-imap": imap.url("imap") if imap else None,
                        "mss_timeout_seconds": settings.mss_timeout_seconds})

    @bp.post("/identities")
    def create_identity() -> tuple[Response, int]:
        data = _body()
        identity = workflows.create(traits_of(data), user_of(data))
        return jsonify(identity.to_json()), 201

    @bp.get("/identities")
    def list_identities() -> Response:
        with registry.lock:
            return jsonify({"identities": [i.to_json() for i in registry.identities.values()]})

    @bp.get("/identities/<identity_id>")
    def show_identity(identity_id: str) -> Response:
        return jsonify(identity_or_404(identity_id).to_json())

    @bp.post("/identities/<identity_id>/insi/traits-search")
    def traits_search(identity_id: str) -> Response:
        identity = identity_or_404(identity_id)
        data = _body()
        with registry.lock:
            outcome = workflows.search_by_traits(identity, user_of(data))
        return jsonify(outcome.to_json())

    @bp.post("/identities/<identity_id>/insi/vitale-search")
    def vitale_search(identity_id: str) -> Response:
        identity = identity_or_404(identity_id)
        data = _body()
        query = vitale_of(data)
        with registry.lock:
            outcome = workflows.search_by_vitale(identity, query, user_of(data))
        return jsonify(outcome.to_json())

    @bp.post("/identities/<identity_id>/documents")
    def record_document(identity_id: str) -> tuple[Response, int]:
        identity = identity_or_404(identity_id)
        data = _body()
        doc_type, number = document_of(data)
        with registry.lock:
            document = workflows.record_document(identity, doc_type, number, user_of(data))
        return jsonify({"document": vars(document), "identity": identity.to_json()}), 201

    @bp.get("/identities/<identity_id>/export")
    def export_identity(identity_id: str) -> Response:
        return jsonify(workflows.export(identity_or_404(identity_id)))

    @bp.get("/insi-calls")
    def insi_calls() -> Response:
        wanted = request.args.get("identity_id")
        with registry.lock:
            calls = [t.to_json() for t in registry.traces if wanted is None or t.identity_id == wanted]
        return jsonify({"calls": calls})

    @bp.post("/documents")
    def produce_document() -> tuple[Response, int]:
        data = _body()
        identity_id, kind, content = document_request_of(data, kind_names())
        identity = identity_or_404(identity_id)
        with registry.lock:
            document = sut.documents.produce(identity, kind, content, user_of(data))
        return jsonify(document.to_json()), 201

    @bp.get("/documents")
    def list_documents() -> Response:
        with sut.shelf.lock:
            return jsonify({"documents": [d.to_json() for d in sut.shelf.documents.values()]})

    @bp.get("/documents/<document_id>")
    def show_document(document_id: str) -> Response:
        return jsonify(sut.shelf.get(document_id).to_json())

    @bp.get("/documents/<document_id>/cda")
    def document_cda(document_id: str) -> Response:
        document = sut.shelf.get(document_id)
        return Response(document.xml, mimetype="text/xml",
                        headers={"Content-Disposition": f'attachment; filename="{document.id}.xml"'})

    @bp.post("/documents/<document_id>/replace")
    def replace_document(document_id: str) -> tuple[Response, int]:
        previous = sut.shelf.get(document_id)
        data = _body()
        content = content_of(data)
        identity = identity_or_404(previous.identity_id)
        with registry.lock:
            document = sut.documents.replace(previous, identity, content, user_of(data))
        return jsonify(document.to_json()), 201

    @bp.post("/identities/<identity_id>/dmp/test-existence")
    def dmp_test_existence(identity_id: str) -> Response:
        identity = identity_or_404(identity_id)
        data = _body()
        user, mode = user_of(data), mode_of(data)
        with registry.lock:
            return jsonify(sut.dmp.test_existence(identity, user, mode).to_json())

    @bp.post("/documents/<document_id>/dmp")
    def dmp_feed(document_id: str) -> Response:
        document = sut.shelf.get(document_id)
        data = _body()
        user, flags = user_of(data), flags_of(data.get("confidentiality"), "confidentiality")
        identity = identity_or_404(document.identity_id)
        with registry.lock, sut.shelf.lock:
            return jsonify(sut.dmp.feed(document, identity, user, *flags).to_json())

    @bp.post("/documents/<document_id>/dmp/status")
    def dmp_status(document_id: str) -> Response:
        document = sut.shelf.get(document_id)
        data = _body()
        user, status = user_of(data), status_of(data)
        identity = identity_or_404(document.identity_id)
        with registry.lock, sut.shelf.lock:
            return jsonify(sut.dmp.set_status(document, identity, user, status).to_json())

    @bp.post("/documents/<document_id>/dmp/visibility")
    def dmp_visibility(document_id: str) -> Response:
        document = sut.shelf.get(document_id)
        data = _body()
        user, flags = user_of(data), flags_of(data)
        identity = identity_or_404(document.identity_id)
        with registry.lock, sut.shelf.lock:
            return jsonify(sut.dmp.set_visibility(document, identity, user, *flags).to_json())

    @bp.post("/identities/<identity_id>/dmp/search")
    def dmp_search(identity_id: str) -> Response:
        identity = identity_or_404(identity_id)
        data = _body()
        user, mode, archived = user_of(data), mode_of(data), include_archived_of(data)
        with registry.lock:
            return jsonify(sut.dmp.search(identity, user, mode, archived).to_json())

    @bp.post("/identities/<identity_id>/dmp/retrieve")
    def dmp_retrieve(identity_id: str) -> Response:
        identity = identity_or_404(identity_id)
        data = _body()
        user, unique_id, mode = user_of(data), unique_id_of(data), mode_of(data)
        with registry.lock:
            return jsonify(sut.dmp.retrieve(identity, user, unique_id, mode).to_json())

    @bp.get("/dmp-calls")
    def dmp_calls() -> Response:
        return jsonify({"calls": sut.dmp_traces.for_identity(request.args.get("identity_id"))})

    @bp.post("/received-documents")
    def receive_document() -> Response:
        data = _body()
        payload, channel = received_document_of(data)
        return jsonify(sut.inbox.receive(payload, channel, user_of(data)).to_json())

    @bp.get("/received-documents")
    def received_documents() -> Response:
        with sut.inbox.lock:
            return jsonify({"documents": [d.to_json() for d in sut.inbox.documents]})

    @bp.post("/psc/login")
    def psc_login() -> Response:
        data = _body()
        rpps, mode, user = rpps_of(data), psc_mode_of(data), user_of(data)
        return jsonify(sut.psc.login(rpps, mode, user).to_json())  # the user's DMP calls then go through PSC

    @bp.post("/psc/logout")
    def psc_logout() -> Response:
        data = _body()
        rpps = rpps_of(data)
        user_of(data)
        return jsonify(sut.psc.logout(rpps).to_json())

    @bp.get("/psc/session")
    def psc_session() -> Response:
        return jsonify(sut.psc_sessions.state(rpps_of({"rpps": request.args.get("rpps")})))

    @bp.get("/psc-calls")
    def psc_calls() -> Response:
        return jsonify({"calls": sut.psc_traces.to_json()})

    @bp.post("/mss/send")
    def mss_send() -> Response:
        data = _body()
        fields, user = send_fields_of(data), user_of(data)
        documents = [sut.shelf.get(d) for d in fields.document_ids]
        with registry.lock, sut.shelf.lock:
            identities = {d.identity_id: identity_or_404(d.identity_id) for d in documents}
            req = SendRequest(documents, identities, fields.sender, fields.rpps, fields.to, fields.to_patient,
                              fields.request_dsn, fields.request_mdn, user)
            return jsonify(sut.mss.send(req).to_json())

    @bp.get("/mss/messages")
    def mss_messages() -> Response:
        return jsonify(sut.mss_ledger.to_json())

    @bp.post("/mss/mailbox/sync")
    def mss_sync() -> Response:
        data = _body()
        mailbox, rpps, user = mailbox_of(data), rpps_of(data), user_of(data)
        with registry.lock:
            return jsonify(sut.mss.sync(mailbox, rpps, user).to_json())

    @bp.get("/received-documents/<received_id>/cda")
    def received_document_cda(received_id: str) -> Response:
        document = sut.inbox.get(received_id)
        if document is None:
            raise Problem(404, "document-not-found", "Document reçu inconnu", f"aucun document reçu {received_id!r}")
        return Response(document.xml, mimetype="text/xml",
                        headers={"Content-Disposition": f'attachment; filename="{document.id}.xml"'})

    add_dmp_routes(bp, sut.dmp, registry, sut.inbox, identity_or_404, _body)  # contract 1.4
    return bp


def create_app(settings: SutSettings, sut: Sut | None = None) -> Flask:
    """The reference SUT's WSGI app; its state is `app.extensions["segur_sut"]` (tests look inside)."""
    app = Flask("segur-reference-sut")
    sut = sut or Sut.create(settings)
    app.extensions["segur_sut"] = sut
    app.register_blueprint(adapter_blueprint(sut), url_prefix=PREFIX)

    @app.errorhandler(Problem)
    def problem(exc: Problem) -> Response:
        return exc.response()

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        kinds = {404: "not-found", 405: "method-not-allowed"}
        status = exc.code or 500
        return Problem(status, kinds.get(status, "http-error"), exc.name, exc.description or "").response()

    @app.errorhandler(Exception)
    def crash(exc: Exception) -> Response:
        log.exception("reference SUT crashed")
        return Problem(500, "internal-error", "Erreur interne du SUT", type(exc).__name__).response()

    return app
