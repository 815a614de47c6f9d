"""Adapter routes of contract 1.4 (sut/openapi.json): create / reactivate a DMP, send a received document to it.

Kept beside the DMP client so api.py only hands over its blueprint; bodies
are validated here and every refusal names its field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify

from ..dmp_inputs import flags_of
from ..inbox import Inbox, ReceivedDocument
from ..inputs import user_of
from ..model import Identity, Registry
from ..problems import Problem, invalid
from .workflows import DmpWorkflows


def consent_of(data: dict[str, Any]) -> bool:
    """The patient's consent to the creation of their DMP: a required boolean (the user records what was said)."""
    consent = data.get("consent")
    if not isinstance(consent, bool):
        raise invalid([{"field": "consent", "message": "consent (consentement du patient à la création de son DMP, "
                                                       "booléen) est obligatoire"}])
    return consent


def identity_id_of(data: dict[str, Any]) -> str:
    identity_id = data.get("identity_id")
    if not isinstance(identity_id, str) or not identity_id.strip():
        raise invalid([{"field": "identity_id", "message": "identity_id (le patient du document) est obligatoire"}])
    return identity_id.strip()


def received_or_404(inbox: Inbox, received_id: str) -> ReceivedDocument:
    document = inbox.get(received_id)
    if document is None:
        raise Problem(404, "document-not-found", "Document inconnu", f"aucun document reçu {received_id!r}")
    return document


def add_routes(bp: Blueprint, dmp: DmpWorkflows, registry: Registry, inbox: Inbox,
               identity_or_404: Callable[[str], Identity], body: Callable[[], dict[str, Any]]) -> None:
    """Register the 1.4 DMP routes on the adapter blueprint."""

    @bp.post("/identities/<identity_id>/dmp/create")
    def dmp_create(identity_id: str) -> Response:
        identity = identity_or_404(identity_id)
        data = body()
        user, consent = user_of(data), consent_of(data)
        with registry.lock:
            return jsonify(dmp.dossier.create(identity, user, consent).to_json())

    @bp.post("/identities/<identity_id>/dmp/reactivate")
    def dmp_reactivate(identity_id: str) -> Response:
        identity = identity_or_404(identity_id)
        user = user_of(body())
        with registry.lock:
            return jsonify(dmp.dossier.reactivate(identity, user).to_json())

    @bp.post("/received-documents/<received_id>/dmp")
    def dmp_feed_received(received_id: str) -> Response:
        received = received_or_404(inbox, received_id)
        data = body()
        user, flags = user_of(data), flags_of(data.get("confidentiality"), "confidentiality")
        identity = identity_or_404(identity_id_of(data))
        with registry.lock, inbox.lock:
            return jsonify(dmp.feed_received(received, identity, user, *flags).to_json())
