"""Validation of the adapter's PSC and MSSanté request bodies (contract 1.3); each refusal names its field."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from .problems import invalid
from .settings import MailServer

RPPS = re.compile(r"[0-9]{11}")
ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+")
PSC_MODES = ("CPS", "ECPS")


def _error(field: str, message: str) -> list[dict[str, str]]:
    return [{"field": field, "message": message}]


def mail_server_of(value: Any, scheme: str, field: str) -> tuple[MailServer | None, list[dict[str, str]]]:
    """`smtp://host:port` / `imap://host:port` as a MailServer, else the error naming `field`."""
    message = f"{field} doit être de la forme {scheme}://hôte:port"
    if not isinstance(value, str):
        return None, _error(field, message)
    try:
        parts = urllib.parse.urlsplit(value)
        port = parts.port
    except ValueError:
        return None, _error(field, message)
    if (parts.scheme != scheme or not parts.hostname or port is None or parts.username or parts.query
            or parts.path not in ("", "/")):
        return None, _error(field, message)
    return MailServer(parts.hostname, port), []


def rpps_of(data: dict[str, Any]) -> str:
    rpps = data.get("rpps")
    if not isinstance(rpps, str) or not RPPS.fullmatch(rpps):
        raise invalid(_error("rpps", "rpps doit être le numéro RPPS à 11 chiffres du professionnel"))
    return rpps


def psc_mode_of(data: dict[str, Any]) -> str | None:
    mode = data.get("mode")
    if mode is not None and mode not in PSC_MODES:
        raise invalid(_error("mode", "mode doit valoir CPS ou ECPS"))
    return mode


def _address(value: Any) -> bool:
    return isinstance(value, str) and ADDRESS.fullmatch(value) is not None


@dataclass(frozen=True)
class SendFields:
    document_ids: list[str]
    sender: str
    rpps: str
    to: list[str]
    to_patient: bool
    request_dsn: bool
    request_mdn: bool


def send_fields_of(data: dict[str, Any]) -> SendFields:
    """POST /mss/send: documents (1..n), sender mailbox, RPPS, recipients and options."""
    errors: list[dict[str, str]] = []
    documents, to = data.get("documents"), data.get("to", [])
    if not isinstance(documents, list) or not documents or not all(isinstance(d, str) and d for d in documents):
        errors += _error("documents", "documents doit être une liste non vide d'identifiants de documents produits")
    if not _address(data.get("from")):
        errors += _error("from", "from doit être l'adresse MSSanté de l'expéditeur")
    if not isinstance(data.get("rpps"), str) or not RPPS.fullmatch(data["rpps"]):
        errors += _error("rpps", "rpps doit être le numéro RPPS à 11 chiffres du professionnel connecté")
    if not isinstance(to, list) or not all(_address(a) for a in to):
        errors += _error("to", "to doit être une liste d'adresses MSSanté")
    for flag in ("to_patient", "request_dsn", "request_mdn"):
        if not isinstance(data.get(flag, False), bool):
            errors += _error(flag, f"{flag} doit être un booléen")
    if not errors and not to and not data.get("to_patient", False):
        errors += _error("to", "aucun destinataire : donnez to, ou to_patient")
    if errors:
        raise invalid(errors)
    return SendFields(list(dict.fromkeys(documents)), data["from"], data["rpps"], list(to),
                      bool(data.get("to_patient", False)), bool(data.get("request_dsn", False)),
                      bool(data.get("request_mdn", False)))


def mailbox_of(data: dict[str, Any]) -> str:
    if not _address(data.get("mailbox")):
        raise invalid(_error("mailbox", "mailbox doit être l'adresse MSSanté de la boîte à relever"))
    return data["mailbox"]
