"""What the DMP mock's transport layer hands to each transaction handler, and what a handler gives back.

The transport (service.py: SOAP, MTOM, VIHF) and the transactions
(patients.py, xds.py) meet only here, so either can change inside without
the other noticing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from segur_harness.mocks.framework.checks import Checks
from segur_harness.mocks.framework.soap import SoapRequest


@dataclass
class Vihf:
    """The parsed, verified VIHF assertion (only what the transactions need)."""

    assertion_id: str
    subject_id: str  # saml:Subject/saml:NameID (professional's national id)
    subject_name: str  # urn:oasis:names:tc:xspa:1.0:subject:subject-id
    structure_id: str  # Identifiant_Structure
    secteur: tuple[str, str]  # Secteur_Activite (code, OID)
    roles: list[tuple[str, str]]  # (code, codeSystem) of every subject:role value, in order
    authentication_mode: str
    purpose: str  # normal | bris_de_glace | centre_15
    resource_id: str  # raw INS^^^&OID&ISO^NH
    ins: str | None  # matricule part of resource_id
    ins_oid: str | None
    lps_name: str
    lps_version: str
    homologation: str
    signer_subject: str  # DN of the certificate that signed it

    @property
    def is_professional(self) -> bool:
        from .protocol import PROFESSION_SYSTEM

        return bool(self.roles) and self.roles[0][1] == PROFESSION_SYSTEM


@dataclass
class DmpContext:
    """One request as the transaction handlers see it.

    `documents` are the xdsb:Document contents of an ITI-41 request keyed by
    their `id` attribute (MTOM attachments already resolved, base64 decoded);
    `checks` collects findings, and its first blocking problem becomes the
    answer's error. `vihf` is None only when the transport already refused the
    request (handlers are then not called).
    """

    soap: SoapRequest
    checks: Checks
    vihf: Vihf
    message_id: str | None
    now: datetime
    cfg: dict[str, Any]
    documents: dict[str, bytes] = field(default_factory=dict)
    structure: dict[str, Any] | None = None  # the calling structure from fixtures/dmp/structures.toml


@dataclass
class DmpAnswer:
    """A handler's answer: the SOAP Body child, attachments for MTOM (Content-ID -> bytes), HTTP status."""

    body: etree._Element
    operation: str
    attachments: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # cid -> (content type, bytes)
    status: int = 200
