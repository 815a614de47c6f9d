"""The DMP mock: one MockService serving /patients, /registry and /repository.

Flow of one request: content type (SOAP 1.2 or MTOM), MTOM parts, SOAP 1.2
envelope, WS-Addressing (Action allowed on this path and matching the body),
VIHF (signature, validity, attributes, resource-id = the request's patient,
purposeofuse rules), then the transaction (patients.py, or xds.py owned by the
XDS side). Every problem is a Finding; transport and VIHF problems are SOAP
faults from errors.toml, transaction problems are answered in-protocol by
the handlers (HL7 AE, RegistryResponse Failure).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Request
from lxml import etree

from segur_harness.config import store_path
from segur_harness.mocks.framework.checks import Checks
from segur_harness.mocks.framework.service import MockResult
from segur_harness.mocks.framework.soap import (
    SOAP12_CONTENT_TYPE,
    SOAP12_NS,
    WSA_NS,
    SoapError,
    SoapRequest,
    envelope,
    injected_fault,
    parse_soap12,
)
from segur_harness.pki import Pki, ensure_pki
from segur_harness.store import Behaviour, Finding

from . import admin, mtom
from .context import DmpAnswer, DmpContext, Vihf
from .data import load_structures
from .faults import DEFAULT_FAULT, Catalogue, render
from .patients import Patients, patient_ids
from .patients_state import PatientState
from .protocol import (
    BY_ACTION,
    BY_PATH,
    ITI18,
    ITI41,
    ITI43,
    ITI57,
    NS_WSSE,
    PATIENTS_PATH,
    REPOSITORY_PATH,
    SERVICE_NAME,
    UNKNOWN_OPERATION,
    Transaction,
)
from .psc_gateway import PREFIX as PSC_PREFIX
from .psc_gateway import GatewayRefusal, GatewaySettings, vihf_from_psc
from .vihf import VihfRefused, VihfVerifier, check_purpose, check_resource, utc_now

log = logging.getLogger(__name__)
SOAP12_MIMETYPE = "application/soap+xml"
SNIFF_WINDOW = 65536
_SNIFF_ACTION = re.compile(rb"Action(?:\s[^>]*)?>\s*([^<\s]+)\s*<")
DEFAULT_MAX_PARTS = 50
DEFAULT_MAX_ATTACHMENT = 20 * 1024 * 1024


def _ct_action(request: Request) -> str | None:
    value = request.mimetype_params.get("action")
    return value.strip().strip('"') if value else None


def _load_xds(cfg: dict[str, Any], path: Path, state: PatientState) -> tuple[Any, str]:
    """The XDS transactions (mocks/dmp/xds.py, written separately), or None and why they are unavailable."""
    try:
        from .xds import Xds
    except ImportError as exc:
        return None, f"module XDS absent ({exc})"
    try:
        return Xds(cfg, path, patient_status=state.dmp_status), ""
    except Exception as exc:  # a broken XDS side must not take /patients down
        log.error("DMP mock: XDS transactions unavailable: %s", exc)
        return None, f"initialisation des transactions XDS en échec ({exc})"


class DmpService:
    """MockService for the DMP (see mocks/framework/service.py for the contract)."""

    name = SERVICE_NAME

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        section = cfg.get("mocks", {}).get("dmp", {})
        self.prefix = str(section.get("path", "")).rstrip("/")
        self.max_body_bytes = int(cfg.get("mocks", {}).get("max_body_bytes", 10 * 1024 * 1024))
        self.max_parts = int(section.get("max_parts", DEFAULT_MAX_PARTS))
        self.max_attachment_bytes = int(section.get("max_attachment_bytes", DEFAULT_MAX_ATTACHMENT))
        self.max_mime_lines = int(section.get("max_mime_lines", mtom.DEFAULT_MAX_LINES))
        self.catalogue = Catalogue(section.get("errors_file") or None)
        self.structures = load_structures(section.get("structures_file") or None)
        path = store_path(cfg)
        self.state = PatientState(path, section.get("patients_file") or None)
        pki = Pki(Path(str(section.get("pki_dir", "reports/pki"))).expanduser())
        try:
            ensure_pki(pki.directory)
        except OSError as exc:  # verification will then answer a clear technical fault
            log.error("DMP mock: cannot create the test PKI in %s: %s", pki.directory, exc)
        self.verifier = VihfVerifier(section, self.structures, pki.ca_cert)
        self.gateway = GatewaySettings.from_config(cfg)
        self.patients = Patients(self.state, self.structures, self.catalogue,
                                 str(section.get("device_oid", "1.2.250.1.213.4.1.1.1")))
        self.xds, self.xds_unavailable = _load_xds(cfg, path, self.state)

    # -- MockService -------------------------------------------------------------------
    def routes(self) -> list[str]:
        return [self.prefix + p for p in BY_PATH] + [self.prefix + PSC_PREFIX + p for p in BY_PATH]

    def may_block(self, path: str) -> bool:
        """Requests that wait on something run in a thread, not on the worker's event loop (framework
        worker.py): the PSC entry asks PSC's userinfo (up to [mocks.dmp.psc] timeout_seconds), an ITI-41
        has its CDAs validated (the validation service, or Saxon in process: seconds for a large document)."""
        local = path[len(self.prefix):] if self.prefix and path.startswith(self.prefix) else path
        if local.startswith(PSC_PREFIX + "/"):
            return True
        validation = str(self.cfg.get("mocks", {}).get("dmp", {}).get("cda_validation", "service"))
        return local == REPOSITORY_PATH and validation != "off"

    def sniff_operation(self, request: Request, body: bytes) -> str:
        action = _ct_action(request)
        if action in BY_ACTION:
            return BY_ACTION[action].name
        for match in _SNIFF_ACTION.finditer(body[:SNIFF_WINDOW]):
            found = BY_ACTION.get(match.group(1).decode("ascii", "replace"))
            if found:
                return found.name
        return UNKNOWN_OPERATION

    def handle(self, request: Request, body: bytes, now: datetime | None = None) -> MockResult:
        """`now`: the DMP's clock for the VIHF (default: the current time; evidence --rerun gives the recorded one)."""
        checks = Checks()
        now = now or utc_now()
        path = request.path[len(self.prefix):] if self.prefix else request.path
        via_psc = path.startswith(PSC_PREFIX + "/")  # the Pro Santé Connect entry: the gateway builds the VIHF
        path = path[len(PSC_PREFIX):] if via_psc else path
        operation = self.sniff_operation(request, body)
        read = self._read_envelope(request, body, checks)
        if read is None:
            return self._fault(checks, operation, None)
        envelope_bytes, message = read
        try:
            soap = parse_soap12(envelope_bytes, self.max_body_bytes)
        except SoapError as exc:
            checks.error("DMP-SOAP-ENVELOPPE", exc.reason, "Envelope",
                         fault="version_soap" if exc.code == "VersionMismatch" else "message_invalide")
            return self._fault(checks, operation, None)
        message_id, tx = self._addressing(soap, path, _ct_action(request), checks)
        if tx is None or checks.blocking:
            return self._fault(checks, tx.name if tx else operation, message_id)
        try:
            mtom.check_includes(soap.envelope, message)
            documents = mtom.document_contents(soap.body_child, message) if tx is ITI41 else {}
        except mtom.MtomError as exc:
            checks.error("DMP-MTOM", exc.reason, "xop:Include / xdsb:Document", fault="mtom_invalide")
            return self._fault(checks, tx.name, message_id)
        try:
            if via_psc:
                vihf, note = vihf_from_psc(self.gateway, request, soap.headers, tx.name, self.verifier.rules)
                checks.info(note.rule, note.message, "HTTP Authorization, X-WorkSituation, X-PatientINS")
            else:
                vihf = self.verifier.verify(soap, checks, now)
        except VihfRefused:
            return self._fault(checks, tx.name, message_id)
        except GatewayRefusal as refusal:
            return refusal.result
        structure = self.structures.get(vihf.structure_id)
        ctx = DmpContext(soap=soap, checks=checks, vihf=vihf, message_id=message_id, now=now, cfg=self.cfg,
                         documents=documents, structure=dataclasses.asdict(structure) if structure else None)
        if tx.path != PATIENTS_PATH and self.xds is None:
            checks.error("DMP-XDS-INDISPONIBLE", f"{tx.name} : {self.xds_unavailable}.", "mock",
                         fault="transaction_non_disponible")
            return self._fault(checks, tx.name, message_id)
        self._authorise(tx, ctx, vihf, checks)
        if checks.blocking:
            return self._fault(checks, tx.name, message_id)
        answer = self._dispatch(tx, ctx)
        return self._answer(answer, tx, checks, message_id)

    def _read_envelope(self, request: Request, body: bytes, checks: Checks
                       ) -> tuple[bytes, mtom.MtomMessage | None] | None:
        """The SOAP envelope bytes (the MTOM root part, or the whole body) and the MTOM parts; None if refused."""
        if request.mimetype == SOAP12_MIMETYPE:
            return body, None
        if not mtom.is_multipart(request.content_type):
            checks.error("DMP-HTTP-CT", f"« {request.content_type or '(absent)'} » : {SOAP12_MIMETYPE} ou "
                         'multipart/related; type="application/xop+xml" (MTOM) attendu.', "HTTP Content-Type",
                         fault="type_contenu")
            return None
        try:
            message = mtom.parse(request.content_type or "", body, max_parts=self.max_parts,
                                 max_part_bytes=self.max_attachment_bytes, max_lines=self.max_mime_lines)
        except mtom.MtomError as exc:
            checks.error("DMP-MTOM", exc.reason, "HTTP body (multipart/related)", fault="mtom_invalide")
            return None
        for note in message.notes:
            checks.warning("DMP-MTOM", f"MTOM : {note}.", "HTTP body (multipart/related)")
        start_info = request.mimetype_params.get("start-info")
        if start_info and start_info.lower() != SOAP12_MIMETYPE:
            checks.warning("DMP-MTOM", f"start-info « {start_info} » : {SOAP12_MIMETYPE} attendu.",
                           "HTTP Content-Type")
        return message.root, message

    def protocol_error(self, reason: str, operation: str, status: int = 400) -> MockResult:
        """Refusals before handling (framework): size, unknown path, method, unreadable body, crash."""
        if status == 413:
            key, detail = "trop_volumineux", f"limite de taille du service dépassée ({reason})"
        elif status == 404:
            key, detail = "action_non_supportee", (f"aucun service DMP sur ce chemin ({reason}) ; chemins servis : "
                                                   f"{', '.join(self.routes())}")
        elif status == 405:
            key, detail = "message_invalide", f"méthode HTTP non acceptée, POST attendu ({reason})"
        elif status >= 500:
            key, detail = "technique", f"erreur interne du mock ({reason})"
        else:
            key, detail = "message_invalide", reason
        checks = Checks()
        checks.error("DMP-HTTP", detail, "HTTP", fault=key)
        result = self._fault(checks, operation, None)
        result.status = status
        return result

    def admin_routes(self, bp: Blueprint) -> None:
        """The DMP's own admin calls (mocks/dmp/admin.py): a patient's DMP, what Mon Espace Santé shows."""
        admin.register(bp, self.state, self.xds.store if self.xds is not None else None)

    def injected_fault(self, behaviour: Behaviour, operation: str) -> MockResult:
        return injected_fault(self.catalogue, DEFAULT_FAULT, render, "DMP-INJECTED", behaviour.params or {}, operation)

    def reset(self) -> None:
        """Fixture patients back, and the XDS registry back to its fixture state."""
        self.state.reset()
        if self.xds is not None:
            self.xds.reset()

    # -- steps ---------------------------------------------------------------------------
    def _addressing(self, soap: SoapRequest, path: str, ct_action: str | None, checks: Checks
                    ) -> tuple[str | None, Transaction | None]:
        """wsa:MessageID and wsa:Action present; the Action served on this path and matching the Body."""
        message_id, action = soap.wsa("MessageID"), soap.wsa("Action")
        self._check_headers(soap, checks)
        if not message_id:
            checks.error("DMP-WSA-MESSAGEID", "wsa:MessageID absent ou vide.", "Header/wsa:MessageID",
                         fault="entete_adressage")
        if not action:
            checks.error("DMP-WSA-ACTION", "wsa:Action absent ou vide.", "Header/wsa:Action",
                         fault="entete_adressage")
            return message_id, None
        allowed = BY_PATH.get(path, ())
        tx = BY_ACTION.get(action)
        if tx is None or tx not in allowed:
            accepted = ", ".join(t.action for t in allowed) or "aucune"
            checks.error("DMP-WSA-ACTION", f"« {action} » n'est pas servie sur {path} (actions acceptées : "
                         f"{accepted}).", "Header/wsa:Action", fault="action_non_supportee")
            return message_id, None
        if soap.body_child.tag != tx.body_tag:
            checks.error("DMP-WSA-BODY", f"wsa:Action {tx.name} attend le Body {tx.body_tag}, "
                         f"{soap.body_child.tag} reçu.", "Body", fault="action_incoherente")
        if ct_action and ct_action != action:
            checks.error("DMP-WSA-CT-ACTION", f"Paramètre action du Content-Type « {ct_action} » différent de "
                         f"wsa:Action « {action} ».", "HTTP Content-Type", fault="action_incoherente")
        return message_id, tx

    @staticmethod
    def _check_headers(soap: SoapRequest, checks: Checks) -> None:
        """Addressing headers not repeated; an unknown header marked mustUnderstand is a MustUnderstand fault."""
        for local in ("Action", "MessageID", "To", "RelatesTo", "ReplyTo"):
            count = sum(1 for h in soap.headers if h.tag == f"{{{WSA_NS}}}{local}")
            if count > 1:
                checks.error("DMP-WSA-DOUBLON", f"En-tête wsa:{local} présent {count} fois (une fois au plus).",
                             f"Header/wsa:{local}", fault="entete_adressage_invalide")
        for header in soap.headers:
            if header.tag.startswith(f"{{{WSA_NS}}}") or header.tag == f"{{{NS_WSSE}}}Security":
                continue
            name = etree.QName(header)
            if (header.get(f"{{{SOAP12_NS}}}mustUnderstand") or "").strip().lower() in ("true", "1"):
                checks.error("DMP-HDR-MUSTUNDERSTAND", f"En-tête {name.localname} ({name.namespace}) marqué "
                             "mustUnderstand inconnu du service.", "Header", fault="entete_non_compris")
            else:
                checks.info("DMP-HDR-INCONNU", f"En-tête {name.localname} ({name.namespace}) ignoré.", "Header")

    def _authorise(self, tx: Transaction, ctx: DmpContext, vihf: Vihf, checks: Checks) -> None:
        """VIHF rules that need the request: resource-id = its patient, purposeofuse, calling structure."""
        if tx.path == PATIENTS_PATH:
            ids = patient_ids(ctx.soap.body_child)
        else:
            ids = set(self.xds.patient_ids_of_request(ctx))
        check_resource(vihf, ids, checks)
        opposed = self.state.opposition_bdg(vihf.ins, vihf.ins_oid) if vihf.ins and vihf.ins_oid else False
        check_purpose(vihf, opposed, self.structures, checks)
        known = self.structures.get(vihf.structure_id)
        if known is not None and vihf.secteur[0] and vihf.secteur[0] != known.secteur:
            checks.warning("DMP-VIHF-SECTEUR", f"Secteur_Activite {vihf.secteur[0]} différent du secteur connu de la "
                           f"structure {known.id} ({known.secteur}).", "VIHF Secteur_Activite")
        if tx.path == PATIENTS_PATH:
            return  # structure problems are HL7 AE answers there (patients.py)
        structure = self.structures.get(vihf.structure_id)
        if structure is None or not structure.active:
            text = self.catalogue.acks["structure_inconnue"].render(vihf.structure_id)
            checks.error("DMP-STRUCTURE", f"Identifiant_Structure {vihf.structure_id or '?'} : {text}.",
                         "VIHF Identifiant_Structure", fault="vihf_invalide")
        elif structure.professionals is not None and vihf.subject_id not in structure.professionals:
            text = self.catalogue.acks["ps_structure_non_lies"].render(structure.id)
            checks.error("DMP-STRUCTURE-PS", f"{text} ({vihf.subject_id}, {structure.id}).", "VIHF NameID",
                         fault="vihf_invalide")

    def _dispatch(self, tx: Transaction, ctx: DmpContext) -> DmpAnswer:
        if tx.path == PATIENTS_PATH:
            return self.patients.handle(tx, ctx)
        method = {ITI41: "provide_and_register", ITI18: "stored_query", ITI43: "retrieve",
                  ITI57: "update_document_set"}[tx]
        return getattr(self.xds, method)(ctx)

    def _answer(self, answer: DmpAnswer, tx: Transaction, checks: Checks, message_id: str | None) -> MockResult:
        env = envelope(answer.body, action=tx.response_action, relates_to=message_id)
        content_type, body = SOAP12_CONTENT_TYPE, env
        if answer.attachments:
            referenced = {mtom.cid_of(i.get("href")) for i in answer.body.iter(mtom.INCLUDE)}
            for cid in answer.attachments:
                if cid not in referenced:
                    checks.add("warning", "DMP-MTOM-REPONSE", f"Pièce jointe <{cid}> non référencée par un "
                               "xop:Include de la réponse.", "réponse")
            content_type, body = mtom.build(env, answer.attachments)
        return MockResult(status=answer.status, body=body, content_type=content_type,
                          operation=answer.operation or tx.name, findings=checks.findings, message_id=message_id)

    def _fault(self, checks: Checks, operation: str, message_id: str | None) -> MockResult:
        blocking = checks.blocking
        spec = self.catalogue.faults.get(blocking.fault if blocking else DEFAULT_FAULT)
        if spec is None:  # a key missing from a user's errors.toml: still answer in-protocol
            checks.findings.append(Finding("warning", "DMP-FAULT-CATALOGUE",
                                           f"faute {blocking.fault if blocking else '?'} absente de errors.toml"))
            spec = self.catalogue.faults[DEFAULT_FAULT]
        return MockResult(status=spec.http_status, body=render(spec, blocking.detail if blocking else "", message_id),
                          content_type=SOAP12_CONTENT_TYPE, operation=operation, findings=checks.findings,
                          message_id=message_id)
