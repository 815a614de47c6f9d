"""The DMP mock's own admin calls, beside the framework's (mocks/framework/admin.py).

GET /_admin/patients/<ins>[?oid=]                 the patient's DMP: status, authorisations, opposition
GET /_admin/patients/<ins>/documents?vue=<view>[&oid=]
                                                  what that reader sees in Mon Espace Santé (views.py):
                                                  vue = patient | representant-legal | professionnel

They let a scenario check what the DMP did with a request (a DMP created or
reactivated, a document hidden from the patient) where no LPS transaction can.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .patients_state import PatientState
from .registry_store import RegistryStore
from .views import documents_seen, entry_json, views


def _bad(message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), 400


def register(bp: Blueprint, state: PatientState, store: RegistryStore | None) -> None:
    """Add the DMP admin routes to the mock's admin blueprint."""

    @bp.get("/patients/<ins>")
    def patient(ins: str) -> Response:
        oid = request.args.get("oid")
        found = [r for r in state.records_of(ins) if oid in (None, r.oid)]
        if not found:
            return jsonify({"ins": ins, "oid": oid, "dmp_status": "ABSENT", "authorisations": {},
                            "opposition_bdg": False})
        record = found[0]
        return jsonify({"ins": record.ins, "oid": record.oid, "dmp_status": record.status,
                        "authorisations": record.authorisations, "opposition_bdg": record.opposition_bdg})

    @bp.get("/patients/<ins>/documents")
    def documents(ins: str) -> Response | tuple[Response, int]:
        known = views()
        view = known.get(request.args.get("vue", ""))
        if view is None:
            return _bad(f"vue must be one of {', '.join(known)}")
        if store is None:
            return jsonify({"error": "the DMP mock's XDS registry is unavailable"}), 503
        with store.transaction() as tx:
            seen = documents_seen(tx, ins, view, request.args.get("oid"))
        return jsonify({"ins": ins, "vue": view.name, "label": view.label, "hidden_by": sorted(view.hidden_by),
                        "documents": [entry_json(e) for e in seen]})
