"""Validation of adapter request bodies into the SUT's own types.

The harness sends well-formed data, but an editor's adapter is judged by how
clearly it refuses bad input, so every refusal names the field at fault.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from typing import Any

from .insi_request import VitaleQuery
from .model import DOCUMENT_TYPES
from .problems import Problem, invalid
from .traits import SEXES, Traits

_COG = re.compile(r"[0-9AB]{5}", re.IGNORECASE)
_NIR13 = re.compile(r"[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}")
_KEY = re.compile(r"[0-9]{2}")


def json_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Problem(400, "not-json-object", "Un objet JSON est attendu",
                      "le corps de la requête doit être un objet JSON (Content-Type: application/json)")
    return data


def user_of(data: dict[str, Any]) -> str:
    """The acting user (traced with INSi calls); defaults to 'adapter'."""
    user = data.get("user", "adapter")
    if not isinstance(user, str) or not user.strip():
        raise invalid([{"field": "user", "message": "user doit être une chaîne non vide"}])
    return user.strip()


def _date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def traits_of(data: dict[str, Any]) -> Traits:
    errors: list[dict[str, str]] = []
    name = data.get("birth_name")
    if not isinstance(name, str) or not name.strip():
        errors.append({"field": "birth_name", "message": "birth_name (nom de naissance) est obligatoire"})
    first_names = data.get("birth_first_names")
    if not isinstance(first_names, list) or not first_names or not all(
        isinstance(n, str) and n.strip() for n in first_names
    ):
        errors.append({"field": "birth_first_names",
                       "message": "birth_first_names doit être une liste non vide de prénoms de naissance"})
    if data.get("sex") not in SEXES:
        errors.append({"field": "sex", "message": "sex doit valoir M, F ou I"})
    if not _date(data.get("birth_date")):
        errors.append({"field": "birth_date", "message": "birth_date doit être une date AAAA-MM-JJ"})
    cog = data.get("birth_place_cog")
    if cog is not None and (not isinstance(cog, str) or not _COG.fullmatch(cog)):
        errors.append({"field": "birth_place_cog", "message": "birth_place_cog doit être un code COG de 5 caractères"})
    for optional in ("used_first_name", "used_name"):
        value = data.get(optional)
        if value is not None and not isinstance(value, str):
            errors.append({"field": optional, "message": f"{optional} doit être une chaîne"})
    if errors:
        raise invalid(errors)
    return Traits(
        birth_name=name.strip(),
        birth_first_names=[n.strip() for n in first_names],
        sex=data["sex"],
        birth_date=data["birth_date"],
        birth_place_cog=cog.upper() if cog else None,
        used_first_name=data.get("used_first_name"),
        used_name=data.get("used_name"),
    )


def _matricule_errors(card: dict[str, Any], prefix: str, required: bool) -> list[dict[str, str]]:
    errors = []
    number, key = card.get(f"{prefix}_nir"), card.get(f"{prefix}_nir_key")
    if number is None and not required:
        return []
    if not isinstance(number, str) or not _NIR13.fullmatch(number):
        errors.append({"field": f"vitale.{prefix}_nir", "message": f"vitale.{prefix}_nir : matricule de 13 caractères"})
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        errors.append({"field": f"vitale.{prefix}_nir_key", "message": f"vitale.{prefix}_nir_key : clé de 2 chiffres"})
    return errors


def vitale_of(data: dict[str, Any]) -> VitaleQuery:
    """The carte Vitale data: holder's matricule, beneficiary's birth date and rank, optional own NIR."""
    card = data.get("vitale")
    if not isinstance(card, dict):
        raise invalid([{"field": "vitale", "message": "vitale (données lues sur la carte) est obligatoire"}])
    errors = _matricule_errors(card, "holder", True) + _matricule_errors(card, "beneficiary", False)
    if not _date(card.get("birth_date")):
        errors.append({"field": "vitale.birth_date", "message": "vitale.birth_date doit être une date AAAA-MM-JJ"})
    rank = card.get("birth_rank")
    if rank is not None and (not isinstance(rank, str | int) or not str(rank).isdigit()):
        errors.append({"field": "vitale.birth_rank", "message": "vitale.birth_rank doit être un entier"})
    name = card.get("birth_name")
    if name is not None and not isinstance(name, str):
        errors.append({"field": "vitale.birth_name", "message": "vitale.birth_name doit être une chaîne"})
    if errors:
        raise invalid(errors)
    return VitaleQuery(
        holder_nir=card["holder_nir"], holder_nir_key=card["holder_nir_key"], birth_date=card["birth_date"],
        birth_rank=str(rank) if rank is not None else None, birth_name=name,
        beneficiary_nir=card.get("beneficiary_nir"), beneficiary_nir_key=card.get("beneficiary_nir_key"),
    )


def document_of(data: dict[str, Any]) -> tuple[str, str | None]:
    doc_type = data.get("type")
    if doc_type not in DOCUMENT_TYPES:
        raise invalid([{"field": "type", "message": "type doit être l'un de " + ", ".join(sorted(DOCUMENT_TYPES))}])
    number = data.get("number")
    if number is not None and not isinstance(number, str):
        raise invalid([{"field": "number", "message": "number doit être une chaîne"}])
    return doc_type, number


CHANNELS = ("MSSANTE", "DMP", "HL7V2", "AUTRE")


def document_request_of(data: dict[str, Any], kinds: list[str]) -> tuple[str, str, dict[str, Any]]:
    """POST /documents: the identity, the kind of document and its clinical content."""
    errors = []
    identity_id, kind, content = data.get("identity_id"), data.get("kind"), data.get("content", {})
    if not isinstance(identity_id, str) or not identity_id:
        errors.append({"field": "identity_id", "message": "identity_id (identité du patient) est obligatoire"})
    if kind not in kinds:
        errors.append({"field": "kind", "message": "kind doit être l'un de " + ", ".join(kinds)})
    if not isinstance(content, dict):
        errors.append({"field": "content", "message": "content doit être un objet JSON"})
    if errors:
        raise invalid(errors)
    return identity_id, kind, content


def content_of(data: dict[str, Any]) -> dict[str, Any] | None:
    """Optional new clinical content of a replacement (None: keep the previous content)."""
    content = data.get("content")
    if content is not None and not isinstance(content, dict):
        raise invalid([{"field": "content", "message": "content doit être un objet JSON"}])
    return content


def received_document_of(data: dict[str, Any]) -> tuple[bytes, str]:
    """POST /received-documents: the document bytes (base64) and the channel it came by."""
    errors = []
    encoded, channel = data.get("cda_base64"), data.get("channel", "MSSANTE")
    payload = b""
    if not isinstance(encoded, str) or not encoded:
        errors.append({"field": "cda_base64", "message": "cda_base64 (document CDA encodé en base64) est obligatoire"})
    else:
        try:
            payload = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            errors.append({"field": "cda_base64", "message": "cda_base64 n'est pas du base64 valide"})
    if channel not in CHANNELS:
        errors.append({"field": "channel", "message": "channel doit être l'un de " + ", ".join(CHANNELS)})
    if errors:
        raise invalid(errors)
    return payload, channel
