"""The /patients transactions (HL7v3): TD0.2 test d'existence, TD1.1 create, TD1.2 reactivate / TD1.3 close.

Request problems and refusals are answered in HL7 (acknowledgement AE with an
acknowledgementDetail from errors.toml), as the DMP does; only transport and
VIHF problems are SOAP faults (service.py).
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from .context import DmpAnswer, DmpContext
from .data import MATRICULE, Structures
from .faults import Catalogue
from .patients_state import PatientState
from .protocol import INS_OIDS, NS_HL7, NS_XSI, TD02, TD11, TD12, Transaction

H = f"{{{NS_HL7}}}"
INTERACTION_ROOT = "2.16.840.1.113883.1.6"
REASON_SYSTEM = "1.2.250.1.213.1.1.4.11"
EXPECTED_HEADER = {"processingCode": "P", "processingModeCode": "T", "acceptAckCode": "AL"}
DEFAULT_DEVICE_OID = "1.2.250.1.213.4.1.1.1"


def patient_id(ins: str, oid: str) -> str:
    """The XDS / VIHF form of a patient id: INS^^^&OID&ISO^NH."""
    return f"{ins}^^^&{oid}&ISO^NH"


def _ids(body: etree._Element) -> list[etree._Element]:
    """The elements holding the patient id (root = INS OID, extension = matricule) of a /patients request."""
    if body.tag == TD02.body_tag:
        return body.findall(f"{H}controlActProcess/{H}queryByParameter/{H}parameterList/{H}patientIdentifier/"
                            f"{H}value")
    return [el for el in body.iterfind(f"{H}controlActProcess/{H}subject//{H}patient/{H}id")
            if el.get("root") in INS_OIDS]


def patient_ids(body: etree._Element) -> set[str]:
    """Patient ids a /patients request is about (for the VIHF resource-id check)."""
    return {patient_id(el.get("extension") or "", el.get("root") or "") for el in _ids(body)}


@dataclass
class _Refusal(Exception):
    """An AE answer: which errors.toml [hl7.<key>] and the detail to fill in."""

    key: str
    detail: str = ""


class Patients:
    """Answers TD0.2 and TD1.x from the shared PatientState."""

    def __init__(self, state: PatientState, structures: Structures, catalogue: Catalogue,
                 device_oid: str = DEFAULT_DEVICE_OID) -> None:
        self.state = state
        self.structures = structures
        self.catalogue = catalogue
        self.device_oid = device_oid

    def handle(self, tx: Transaction, ctx: DmpContext) -> DmpAnswer:
        body = ctx.soap.body_child
        try:
            self._check_structure(ctx)
            self._check_wrapper(body, tx, ctx)
            ins, oid = self._patient(body, ctx)
            if tx is TD02:
                return self._test_existence(body, ctx, ins, oid)
            if tx is TD11:
                return self._create(body, ctx, ins, oid)
            return self._revise(body, ctx, ins, oid)
        except _Refusal as refusal:
            ack = self.catalogue.acks[refusal.key]
            text = ack.render(refusal.detail)
            ctx.checks.info(f"DMP-{tx.name}-AE", f"Réponse AE : {text}", "acknowledgement")
            return DmpAnswer(self._answer(body, tx, ctx, "AE", (ack.code, text)), tx.name)

    # -- checks ----------------------------------------------------------------------
    def _check_structure(self, ctx: DmpContext) -> None:
        structure = self.structures.get(ctx.vihf.structure_id)
        if structure is None or not structure.active:
            ctx.checks.error("DMP-STRUCTURE", f"Structure {ctx.vihf.structure_id or '?'} inconnue du DMP ou "
                             "inactive.", "VIHF Identifiant_Structure")
            raise _Refusal("structure_inconnue", ctx.vihf.structure_id)
        if structure.professionals is not None and ctx.vihf.subject_id not in structure.professionals:
            ctx.checks.error("DMP-STRUCTURE-PS", f"Professionnel {ctx.vihf.subject_id} non rattaché à la structure "
                             f"{structure.id}.", "VIHF NameID")
            raise _Refusal("ps_structure_non_lies", structure.id)

    def _bad(self, ctx: DmpContext, tx: Transaction, message: str, where: str) -> None:
        ctx.checks.error(f"DMP-{tx.name}-REQUETE", message, where)
        raise _Refusal("requete_invalide", message)

    def _check_wrapper(self, body: etree._Element, tx: Transaction, ctx: DmpContext) -> None:
        """The HL7v3 transmission wrapper and controlActProcess the DMPi guide requires."""
        local = etree.QName(body).localname
        if body.get("ITSVersion") != "XML_1.0":
            ctx.checks.warning(f"DMP-{tx.name}-ITS", f"{local}/@ITSVersion devrait valoir XML_1.0.", local)
        if body.find(f"{H}id") is None or not body.find(f"{H}id").get("root"):
            self._bad(ctx, tx, f"{local}/id (@root) obligatoire.", f"{local}/id")
        if not (body.find(f"{H}creationTime") is not None and body.find(f"{H}creationTime").get("value")):
            self._bad(ctx, tx, f"{local}/creationTime/@value obligatoire.", f"{local}/creationTime")
        interaction = body.find(f"{H}interactionId")
        if interaction is None or interaction.get("root") != INTERACTION_ROOT or interaction.get("extension") != local:
            self._bad(ctx, tx, f"interactionId root={INTERACTION_ROOT} extension={local} attendu.",
                      f"{local}/interactionId")
        for name, code in EXPECTED_HEADER.items():
            el = body.find(f"{H}{name}")
            if el is None or el.get("code") != code:
                self._bad(ctx, tx, f"{name} code={code} attendu.", f"{local}/{name}")
        for name in ("receiver", "sender"):
            if body.find(f"{H}{name}/{H}device/{H}id") is None:
                self._bad(ctx, tx, f"{name}/device/id obligatoire.", f"{local}/{name}")
        cap = body.find(f"{H}controlActProcess")
        if cap is None or cap.get("classCode") != "CACT" or cap.get("moodCode") != "EVN":
            self._bad(ctx, tx, 'controlActProcess classCode="CACT" moodCode="EVN" attendu.',
                      f"{local}/controlActProcess")
        if tx is TD02:
            code = cap.find(f"{H}code")
            if code is None or code.get("code") != "PRPA_TE201307UV02" or code.get("codeSystem") != INTERACTION_ROOT:
                self._bad(ctx, tx, f"controlActProcess/code PRPA_TE201307UV02 ({INTERACTION_ROOT}) attendu.",
                          "controlActProcess/code")
            reason = cap.find(f"{H}reasonCode")
            if reason is None or reason.get("code") != "TEST_EXST" or reason.get("codeSystem") != REASON_SYSTEM:
                self._bad(ctx, tx, f"controlActProcess/reasonCode TEST_EXST ({REASON_SYSTEM}) attendu.",
                          "controlActProcess/reasonCode")

    def _patient(self, body: etree._Element, ctx: DmpContext) -> tuple[str, str]:
        tx = TD02 if body.tag == TD02.body_tag else TD11 if body.tag == TD11.body_tag else TD12
        where = "parameterList/patientIdentifier/value" if tx is TD02 else "subject//patient/id"
        found = _ids(body)
        if len(found) != 1:
            self._bad(ctx, tx, f"Un identifiant patient INS ({where}, root = OID INS) attendu, {len(found)} reçu(s).",
                      where)
        ins, oid = found[0].get("extension") or "", found[0].get("root") or ""
        if oid not in INS_OIDS:
            self._bad(ctx, tx, f"OID {oid or '(absent)'} n'est pas une autorité d'affectation INS.", where)
        if not MATRICULE.fullmatch(ins):
            self._bad(ctx, tx, f"Matricule INS « {ins} » invalide (15 caractères : NIR/NIA et clé).", where)
        if tx is TD02:
            semantics = body.findtext(f"{H}controlActProcess/{H}queryByParameter/{H}parameterList/"
                                      f"{H}patientIdentifier/{H}semanticsText")
            if (semantics or "").strip() != "Patient.id":
                ctx.checks.warning("DMP-TD0.2-SEMANTICS", "patientIdentifier/semanticsText devrait valoir Patient.id.",
                                   "parameterList/patientIdentifier/semanticsText")
        return ins, oid

    # -- transactions ---------------------------------------------------------------------
    def _test_existence(self, body: etree._Element, ctx: DmpContext, ins: str, oid: str) -> DmpAnswer:
        record = self.state.record(ins, oid)
        code = "OK" if record else "NF"
        ctx.checks.info("DMP-TD0.2-RESULTAT", f"Test d'existence {patient_id(ins, oid)} : {code}"
                        + (f" (DMP {record.status}, autorisation {record.authorisation(ctx.vihf.structure_id)})"
                           if record else " (aucun DMP)") + ".", "queryAck")
        answer = self._answer(body, TD02, ctx, "AA", None)
        cap = answer.find(f"{H}controlActProcess")
        if record is not None:
            subject = etree.SubElement(cap, f"{H}subject", typeCode="SUBJ")
            event = etree.SubElement(subject, f"{H}registrationEvent", classCode="REG", moodCode="EVN")
            etree.SubElement(event, f"{H}statusCode", code="active")
            subject1 = etree.SubElement(event, f"{H}subject1", typeCode="SBJ")
            patient = etree.SubElement(subject1, f"{H}patient", classCode="PAT")
            etree.SubElement(patient, f"{H}id", root=oid, extension=ins)
            etree.SubElement(patient, f"{H}statusCode", code="active" if record.status == "OUVERT" else "nullified")
            custodian = etree.SubElement(event, f"{H}custodian", typeCode="CST")
            assigned = etree.SubElement(custodian, f"{H}assignedEntity", classCode="ASSIGNED")
            etree.SubElement(assigned, f"{H}id", root=self.device_oid)
        query_ack = etree.SubElement(cap, f"{H}queryAck")
        query_id = body.find(f"{H}controlActProcess/{H}queryByParameter/{H}queryId")
        if query_id is not None:
            etree.SubElement(query_ack, f"{H}queryId", {k: v for k, v in query_id.attrib.items()})
        etree.SubElement(query_ack, f"{H}queryResponseCode", code=code)
        if record is not None:
            for keyword, value in (("AUTORISATION", record.authorisation(ctx.vihf.structure_id)),
                                   ("DMP_STATUT", record.status),
                                   ("OPPOSITION_BDG", "true" if record.opposition_bdg else "false")):
                line = etree.SubElement(cap, f"{H}attentionLine")
                etree.SubElement(line, f"{H}keyWordText", code=keyword)
                value_el = etree.SubElement(line, f"{H}value", value=value)
                value_el.set(f"{{{NS_XSI}}}type", "ST")
        query = body.find(f"{H}controlActProcess/{H}queryByParameter")
        if query is not None:
            cap.append(_copy(query))
        return DmpAnswer(answer, TD02.name)

    def _create(self, body: etree._Element, ctx: DmpContext, ins: str, oid: str) -> DmpAnswer:
        if not self.state.create(ins, oid, ctx.vihf.structure_id):
            raise _Refusal("dmp_existant", patient_id(ins, oid))
        ctx.checks.info("DMP-TD1.1-RESULTAT", f"DMP créé pour {patient_id(ins, oid)}.", "acknowledgement")
        return DmpAnswer(self._answer(body, TD11, ctx, "AA", None), TD11.name)

    def _revise(self, body: etree._Element, ctx: DmpContext, ins: str, oid: str) -> DmpAnswer:
        reason = body.find(f"{H}controlActProcess/{H}reasonCode")
        code = reason.get("code") if reason is not None else None
        if code not in ("REAC", "FERM"):
            self._bad(ctx, TD12, f"controlActProcess/reasonCode REAC ou FERM attendu (« {code or ''} » reçu).",
                      "controlActProcess/reasonCode")
        pid = patient_id(ins, oid)
        status = self.state.dmp_status(ins, oid)
        if status == "ABSENT":
            raise _Refusal("patient_inconnu", pid)
        if self.state.authorisation(ins, oid, ctx.vihf.structure_id) == "INTERDITE":
            raise _Refusal("acces_refuse", ctx.vihf.structure_id)
        expected, new = ("FERME", "OUVERT") if code == "REAC" else ("OUVERT", "FERME")
        if not self.state.set_status(ins, oid, expected, new):
            raise _Refusal("dmp_non_ferme" if code == "REAC" else "dmp_deja_ferme", pid)
        ctx.checks.info("DMP-TD1.2-RESULTAT", f"DMP {pid} : {expected} -> {new} ({code}).", "acknowledgement")
        return DmpAnswer(self._answer(body, TD12, ctx, "AA", None), TD12.name)

    # -- answers --------------------------------------------------------------------------
    def _answer(self, request: etree._Element, tx: Transaction, ctx: DmpContext, type_code: str,
                detail: tuple[str, str] | None) -> etree._Element:
        """The response wrapper (PRPA_IN201308UV02 or MCCI_IN000002UV01) acknowledging `request`."""
        local = tx.response_action.rsplit(":", 1)[1]
        root = etree.Element(f"{H}{local}", nsmap={None: NS_HL7, "xsi": NS_XSI}, ITSVersion="XML_1.0")
        etree.SubElement(root, f"{H}id", root=str(uuid.uuid4()).upper())
        etree.SubElement(root, f"{H}creationTime", value=_hl7_time(ctx.now))
        etree.SubElement(root, f"{H}interactionId", root=INTERACTION_ROOT, extension=local)
        etree.SubElement(root, f"{H}processingCode", code="P")
        etree.SubElement(root, f"{H}processingModeCode", code="T")
        etree.SubElement(root, f"{H}acceptAckCode", code="NE")
        sender_id = request.find(f"{H}sender/{H}device/{H}id")
        receiver = etree.SubElement(root, f"{H}receiver", typeCode="RCV")
        device = etree.SubElement(receiver, f"{H}device", classCode="DEV", determinerCode="INSTANCE")
        if sender_id is not None:
            device.append(_copy(sender_id))
        else:
            etree.SubElement(device, f"{H}id", nullFlavor="UNK")
        sender = etree.SubElement(root, f"{H}sender", typeCode="SND")
        etree.SubElement(etree.SubElement(sender, f"{H}device", classCode="DEV", determinerCode="INSTANCE"),
                         f"{H}id", root=self.device_oid)
        ack = etree.SubElement(root, f"{H}acknowledgement")
        etree.SubElement(ack, f"{H}typeCode", code=type_code)
        target = etree.SubElement(ack, f"{H}targetMessage")
        request_id = request.find(f"{H}id")
        if request_id is not None:
            target.append(_copy(request_id))
        if detail is not None:
            detail_el = etree.SubElement(ack, f"{H}acknowledgementDetail", typeCode="E")
            etree.SubElement(detail_el, f"{H}code", code=detail[0])
            etree.SubElement(detail_el, f"{H}text").text = detail[1]
        if tx is TD02:
            cap = etree.SubElement(root, f"{H}controlActProcess", classCode="CACT", moodCode="EVN")
            etree.SubElement(cap, f"{H}code", code="PRPA_TE201308UV02", codeSystem=INTERACTION_ROOT)
            if type_code != "AA":
                query_ack = etree.SubElement(cap, f"{H}queryAck")
                etree.SubElement(query_ack, f"{H}queryResponseCode", code="AE")
        return root


def _copy(element: etree._Element) -> etree._Element:
    """A detached copy of a request element, for echoing it."""
    return copy.deepcopy(element)


def _hl7_time(now: datetime) -> str:
    return now.strftime("%Y%m%d%H%M%S")
