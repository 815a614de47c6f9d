"""The INSi téléservice mock: one MockService answering both WSDL operations.

Flow of one request: transport checks (client certificate, content type,
SOAP 1.2 envelope), headers, operation resolution, XSD validation, body,
then the identity search. Every problem becomes a Finding; the first blocking
one is answered with the siram fault errors.toml gives for it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Request

from segur_harness.mocks.framework.checks import Checks
from segur_harness.mocks.framework.service import MockResult
from segur_harness.mocks.framework.soap import (
    SOAP12_CONTENT_TYPE,
    SoapError,
    SoapRequest,
    envelope_bytes,
    injected_fault,
    parse_soap12,
)
from segur_harness.store import Behaviour, Finding
from segur_harness.xmlsafe import XmlLimits, XmlRejected, check_shape

from . import headers, xsd
from .body import parse_recsans, parse_recvitale
from .faults import DEFAULT_FAULT, Catalogue, render
from .identities import load_identities
from .matching import TraitsIndex, code_cr, search_vitale
from .protocol import BY_ACTION, BY_BODY_TAG, OPERATIONS, SERVICE_NAME, TRAITS, UNKNOWN_OPERATION, Operation
from .responses import ResultatCache
from .tls import client_cn

SOAP12_MIMETYPE = "application/soap+xml"
_SNIFF_ACTION = re.compile(rb"urn:ServiceIdentiteCertifiee:1\.0\.0:(\w+)")
SNIFF_WINDOW = 65536
DEFAULT_CLIENT_CNS = ["INSI-AUTO", "INSI-MANU"]
DEFAULT_BODY_LIMIT = 128 * 1024
"""[mocks.insi] max_body_bytes when a configuration has none: real INSi requests are a few KB."""


INSI_TEXT_LIMIT = XmlLimits(max_depth=None, max_attributes=None, max_elements=None, max_text=64 * 1024)
"""No INSi field nor SAML value comes near 64 KB; a bigger text would only make every later check slower.
The other bounds are parse_soap12's (SOAP_LIMITS)."""


def _check_text_sizes(soap: SoapRequest, size: int) -> None:
    """The text bound (`size`: the body's bytes, which no text of it can outgrow)."""
    try:
        check_shape(soap.envelope, INSI_TEXT_LIMIT, source_size=size)
    except XmlRejected as exc:
        raise SoapError("Sender", f"Message SOAP refusé : {exc.reason}") from None


def _ct_refused(request: Request) -> str:
    return f"Content-Type « {request.content_type or ''} » refusé : {SOAP12_MIMETYPE} attendu (SOAP 1.2)."


def _ct_action(request: Request) -> str | None:
    value = request.mimetype_params.get("action")
    return value.strip().strip('"') if value else None


class InsiService:
    """MockService for INSi (see mocks/framework/service.py for the contract)."""

    name = SERVICE_NAME

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        section = cfg.get("mocks", {}).get("insi", {})
        self.path = str(section.get("path", "/lps"))
        self.accepted_idam = [str(v) for v in section.get("accepted_idam", [])]
        self.accepted_names = [str(v) for v in section.get("accepted_lps_names", [])]
        self.tls = bool(section.get("tls", False))
        self.accepted_cns = [str(v) for v in section.get("accepted_client_cns", DEFAULT_CLIENT_CNS)]
        self.xsd_validation = bool(section.get("xsd_validation", True))
        self.max_body_bytes = int(cfg.get("mocks", {}).get("max_body_bytes", 10 * 1024 * 1024))
        self.body_limit = int(section.get("max_body_bytes", DEFAULT_BODY_LIMIT))
        """INSi's own body bound (the framework refuses above it, before reading when Content-Length says so)."""
        self.identities = load_identities(section.get("identities_file") or None)
        self.traits_index = TraitsIndex(self.identities)
        self.catalogue = Catalogue(section.get("errors_file") or None)
        self.resultats = ResultatCache(self.catalogue.cr_labels)
        self.schemas = xsd.schema_set(cfg) if self.xsd_validation else None
        self.schema_elements = xsd.global_elements(self.schemas.schema) if self.schemas else set()

    # -- MockService -----------------------------------------------------------
    def routes(self) -> list[str]:
        return [self.path]

    def sniff_operation(self, request: Request, body: bytes) -> str:
        for candidate in (_ct_action(request), None):
            if candidate and candidate in BY_ACTION:
                return BY_ACTION[candidate].name
        match = _SNIFF_ACTION.search(body[:SNIFF_WINDOW])
        if match and match.group(1).decode() in OPERATIONS:
            return match.group(1).decode()
        return UNKNOWN_OPERATION

    def handle(self, request: Request, body: bytes) -> MockResult:
        checks = Checks()
        cn = self._check_certificate(request, checks)
        mimetype = request.mimetype
        try:
            soap = parse_soap12(body, min(self.max_body_bytes, self.body_limit))
            _check_text_sizes(soap, len(body))
        except SoapError as exc:
            if mimetype != SOAP12_MIMETYPE:
                checks.error("INSI-HTTP-CT", _ct_refused(request), "HTTP Content-Type")
            key = "version_soap" if exc.code == "VersionMismatch" else "message_invalide"
            checks.error("INSI-SOAP-ENVELOPPE", exc.reason, "Envelope", fault=key)
            return self._fault(checks, self.sniff_operation(request, body), None)
        if mimetype != SOAP12_MIMETYPE:
            checks.error("INSI-HTTP-CT", _ct_refused(request), "HTTP Content-Type", fault="type_contenu")
        headers.check_lps(soap, self.accepted_idam, self.accepted_names, checks)
        headers.check_security(soap, cn, checks)
        message_id, action = headers.check_addressing(soap, checks)
        headers.check_bam(soap, checks)
        headers.check_header_set(soap, checks)
        operation = self._resolve_operation(soap, action, _ct_action(request), checks)
        self._validate_xsd(soap, checks)
        query = None
        if operation is TRAITS:
            query = parse_recsans(soap.body_child, checks)
        elif operation is not None:
            query = parse_recvitale(soap.body_child, checks)
        if checks.blocking is not None or operation is None or query is None:
            return self._fault(checks, operation.name if operation else UNKNOWN_OPERATION, message_id)
        found = self.traits_index.search(query) if operation is TRAITS else search_vitale(query, self.identities)
        code = code_cr(found)
        checks.info("INSI-CR", f"CodeCR {code} : {len(found)} identité(s) trouvée(s)"
                    + (f" ({found[0].label})" if code == "00" else "") + ".", "RESULTAT/CR")
        body_xml = self.resultats.xml(code, found[0] if code == "00" else None)
        return MockResult(
            status=200,
            body=envelope_bytes(body_xml, action=operation.response_action, relates_to=message_id),
            content_type=SOAP12_CONTENT_TYPE,
            operation=operation.name,
            findings=checks.findings,
            message_id=message_id,
        )

    def protocol_error(self, reason: str, operation: str, status: int = 400) -> MockResult:
        key = "trop_volumineux" if status == 413 else "technique" if status >= 500 else "message_invalide"
        checks = Checks()
        checks.error("INSI-HTTP", reason, "HTTP", fault=key)
        result = self._fault(checks, operation, None)
        result.status = status
        return result

    def injected_fault(self, behaviour: Behaviour, operation: str) -> MockResult:
        return injected_fault(self.catalogue, DEFAULT_FAULT, render, "INSI-INJECTED", behaviour.params or {}, operation)

    def reset(self) -> None:
        """Nothing per run: identities and schemas are read-only."""

    # -- steps -----------------------------------------------------------------
    def _check_certificate(self, request: Request, checks: Checks) -> str | None:
        cn = client_cn(request.environ)
        if not self.tls:
            if cn is not None:
                checks.info("INSI-TLS-CN", f"Certificat client CN={cn} (mode TLS non exigé).", "TLS")
            return cn
        if cn is None:
            checks.error("INSI-TLS-CERT", "Aucun certificat client : le mode TLS mutuel est exigé.", "TLS",
                         fault="certificat_refuse")
        elif cn not in self.accepted_cns:
            checks.error("INSI-TLS-CN", f"Certificat client CN={cn} refusé ({' ou '.join(self.accepted_cns)} "
                         "attendu).", "TLS", fault="certificat_refuse")
        else:
            checks.info("INSI-TLS-CN", f"Certificat client CN={cn} accepté.", "TLS")
        return cn

    def _resolve_operation(self, soap: SoapRequest, action: str | None, ct_action: str | None, checks: Checks
                           ) -> Operation | None:
        """The operation named consistently by body element, wsa:Action and Content-Type action."""
        by_body = BY_BODY_TAG.get(soap.body_child.tag)
        if by_body is None:
            checks.error("INSI-OP-BODY", f"Élément {soap.body_child.tag} inattendu dans le Body "
                         "(RECSANSVITALE ou RECVITALE attendu).", "Body", fault="operation_inconnue")
        if action:
            by_action = BY_ACTION.get(action)
            if by_action is None:
                checks.error("INSI-OP-ACTION", f"wsa:Action « {action} » ne désigne aucune opération INSi.",
                             "Header/wsa:Action", fault="operation_inconnue")
            elif by_body is not None and by_action is not by_body:
                checks.error("INSI-OP-INCOHERENT", f"wsa:Action {by_action.name} incohérente avec le Body "
                             f"{by_body.body_local}.", "Header/wsa:Action", fault="operation_inconnue")
        if ct_action and action and ct_action != action:
            checks.error("INSI-OP-CT-ACTION", f"Paramètre action du Content-Type « {ct_action} » différent de "
                         f"wsa:Action « {action} ».", "HTTP Content-Type", fault="operation_inconnue")
        elif ct_action and ct_action not in BY_ACTION:
            checks.error("INSI-OP-CT-ACTION", f"Paramètre action du Content-Type « {ct_action} » inconnu.",
                         "HTTP Content-Type", fault="operation_inconnue")
        return by_body

    def _validate_xsd(self, soap: SoapRequest, checks: Checks) -> None:
        if self.schemas is None:
            return
        for note in self.schemas.notes:
            checks.info("INSI-XSD-INDISPONIBLE", note, "XSD")
        if self.schemas.schema is None:
            return
        whole = self.schemas.envelope()
        if whole is not None and whole.validate(soap.envelope):
            return  # every header and the body child valid: so is each element validated below
        targets = [h for h in soap.headers if h.tag in self.schema_elements]
        if soap.body_child.tag in BY_BODY_TAG:
            targets.append(soap.body_child)
        fast = self.schemas.fast()
        for element in targets:
            for reason, path in xsd.validate(self.schemas.schema, element, fast):
                checks.error("INSI-XSD", f"Non conforme au schéma officiel : {reason}", path or element.tag)

    def _fault(self, checks: Checks, operation: str, message_id: str | None) -> MockResult:
        blocking = checks.blocking
        spec = self.catalogue.faults.get(blocking.fault if blocking else DEFAULT_FAULT)
        if spec is None:  # a key missing from a user's errors.toml: still answer in-protocol
            checks.findings.append(Finding("warning", "INSI-FAULT-CATALOGUE",
                                           f"faute {blocking.fault if blocking else '?'} absente de errors.toml"))
            spec = self.catalogue.faults[DEFAULT_FAULT]
        return MockResult(
            status=spec.http_status,
            body=render(spec, blocking.detail if blocking else "", message_id),
            content_type=SOAP12_CONTENT_TYPE,
            operation=operation,
            findings=checks.findings,
            message_id=message_id,
        )

