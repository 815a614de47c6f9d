"""Validation of the adapter's DMP request bodies (contract 1.2); every refusal names its field."""

from __future__ import annotations

from typing import Any

from .problems import invalid

MODES = ("normal", "bris_de_glace", "centre_15")
STATUSES = ("deleted", "archived", "approved")
FLAGS = ("masque_ps", "invisible_patient", "invisible_representants_legaux")


def mode_of(data: dict[str, Any]) -> str:
    mode = data.get("mode", "normal")
    if mode not in MODES:
        raise invalid([{"field": "mode", "message": "mode doit être l'un de " + ", ".join(MODES)}])
    return mode


def flags_of(data: Any, field: str = "") -> tuple[bool, bool, bool]:
    """(masque_ps, invisible_patient, invisible_representants_legaux), each false when absent."""
    if data is None:
        return False, False, False
    if not isinstance(data, dict):
        raise invalid([{"field": field or "confidentiality", "message": "un objet de booléens est attendu"}])
    errors = [{"field": f"{field}.{name}" if field else name, "message": f"{name} doit être un booléen"}
              for name in FLAGS if name in data and not isinstance(data[name], bool)]
    if errors:
        raise invalid(errors)
    masque, patient, legal = (bool(data.get(name, False)) for name in FLAGS)
    return masque, patient, legal


def status_of(data: dict[str, Any]) -> str:
    status = data.get("status")
    if status not in STATUSES:
        raise invalid([{"field": "status", "message": "status doit être l'un de " + ", ".join(STATUSES)}])
    return status


def unique_id_of(data: dict[str, Any]) -> str:
    unique_id = data.get("unique_id")
    if not isinstance(unique_id, str) or not unique_id.strip():
        raise invalid([{"field": "unique_id", "message": "unique_id (identifiant unique du document) est obligatoire"}])
    return unique_id.strip()


def include_archived_of(data: dict[str, Any]) -> bool:
    value = data.get("include_archived", False)
    if not isinstance(value, bool):
        raise invalid([{"field": "include_archived", "message": "include_archived doit être un booléen"}])
    return value
