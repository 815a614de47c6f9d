"""The patient's DMP itself: create it (TD1.1, with the patient's consent) or reactivate a closed one (TD1.2 REAC).

Conformant behaviour (the `dmp-creates-*` and `dmp-reactivation-*` defects each bend one rule):
- only for a QUAL identity, and a creation only with the patient's consent (else REFUSED, no call);
- TD0.2 first: create only when the patient has no DMP (NF), reactivate only a closed one (FERME);
- the DMP's refusal (acknowledgement AE) is shown to the user with its reason.
"""

from __future__ import annotations

from typing import Any

from ..model import Identity
from ..settings import SutSettings
from . import ns, td1
from .channel import Action, DmpChannel, ins_of
from .client import SUCCESS, DmpAnswer, DmpRequest
from .data import dmp_data
from .existence import ExistenceCheck, why_not
from .outcome import ERROR, DmpOutcome, failed, refused, with_detail
from .outcome import SUCCESS as OK_OUTCOME


class DmpDossier:
    """Creation and reactivation of a patient's DMP through the SUT's DMP channel."""

    def __init__(self, settings: SutSettings, channel: DmpChannel, existence: ExistenceCheck) -> None:
        self.settings = settings
        self.channel = channel
        self.existence = existence

    def _send(self, action: Action, request: DmpRequest) -> tuple[td1.Td1Answer | None, DmpAnswer]:
        """One traced TD1.x call: SUCCESS (AA), FAILURE (AE), FAULT or ERROR, and the acknowledgement read."""
        read: list[td1.Td1Answer | None] = [None]

        def result(answer: DmpAnswer) -> str:
            if answer.kind != SUCCESS:
                return answer.kind
            try:
                read[0] = td1.read(answer.payload)
            except ValueError:
                return ERROR
            return SUCCESS if read[0].ack == "AA" else "FAILURE"

        answer = self.channel.send(action, request, result)
        return read[0], self._classified(answer, read)

    @staticmethod
    def _classified(answer: DmpAnswer, read: list[td1.Td1Answer | None]) -> DmpAnswer:
        if answer.kind != SUCCESS:
            return answer
        if read[0] is None:
            return with_detail(answer, "réponse illisible (MCCI_IN000002UV01 attendu)", ERROR)
        if read[0].ack != "AA":
            return with_detail(answer, f"le DMP a refusé la demande ({read[0].detail or read[0].ack})")
        return answer

    def _status(self, action: Action, what: str, **fields: Any) -> str | DmpOutcome:
        """TD0.2 before TD1.x: ABSENT, OUVERT or FERME, or the outcome to show when it failed."""
        read, answer = self.existence.call(action)
        stop = self.existence.failure(action, read, answer, what, **fields)
        if stop is not None or read is None:
            return stop or failed(action, answer, what, **fields)
        if not read.exists:
            return "ABSENT"
        closed = read.dmp_statut == "FERME" or read.patient_status == "nullified"
        return "FERME" if closed else "OUVERT"

    def create(self, identity: Identity, user: str, consent: bool) -> DmpOutcome:
        """TD0.2 (NF expected) then TD1.1, for a patient who consents to having a DMP."""
        action = Action(identity, user)
        fields: dict[str, Any] = {"dmp_status": None}
        why = why_not(self.settings, action)
        if why:
            return refused(action, why, **fields)
        if not consent and not self.settings.has("dmp-creates-without-consent"):
            return refused(action, "le patient n'a pas donné son consentement à la création de son DMP", **fields)
        what = "Création du DMP du patient"
        if not self.settings.has("dmp-creates-without-td02"):
            status = self._status(action, what, **fields)
            if isinstance(status, DmpOutcome):
                return status
            if status != "ABSENT":
                fields["dmp_status"] = status
                hint = " : réactivez-le" if status == "FERME" else ""
                return refused(action, f"le patient a déjà un DMP ({status.lower()}){hint}", **fields)
        ins, oid = ins_of(identity) or ("", "")
        request = DmpRequest("TD1.1", ns.PATIENTS, td1.CREATE_ACTION, td1.ACK,
                             td1.create_request(ins, oid, identity.traits, self.settings.dmp_structure_id))
        _read, answer = self._send(action, request)
        if answer.kind != SUCCESS:
            return failed(action, answer, what, swallow=self.settings.has("dmp-swallows-errors"), **fields)
        identity.log("DMP_CREATION", user, "consentement du patient recueilli")
        fields["dmp_status"] = "OUVERT"
        return DmpOutcome(OK_OUTCOME, "DMP du patient créé.", False, call_ids=action.call_ids, fields=fields)

    def reactivate(self, identity: Identity, user: str) -> DmpOutcome:
        """TD0.2 (a closed DMP expected) then TD1.2 with reasonCode REAC."""
        action = Action(identity, user)
        fields: dict[str, Any] = {"dmp_status": None}
        why = why_not(self.settings, action)
        if why:
            return refused(action, why, **fields)
        what = "Réactivation du DMP du patient"
        status = self._status(action, what, **fields)
        if isinstance(status, DmpOutcome):
            return status
        if status != "FERME":
            fields["dmp_status"] = status
            reason = "le patient n'a pas de DMP" if status == "ABSENT" else "le DMP du patient est déjà ouvert"
            return refused(action, reason, **fields)
        data = dmp_data()["td1"]
        wrong = self.settings.has("dmp-reactivation-wrong-reason")
        reason = data["close_reason"] if wrong else data["reactivate_reason"]
        ins, oid = ins_of(identity) or ("", "")
        request = DmpRequest("TD1.2", ns.PATIENTS, td1.REVISE_ACTION, td1.ACK,
                             td1.revise_request(ins, oid, reason, self.settings.dmp_structure_id))
        _read, answer = self._send(action, request)
        if answer.kind != SUCCESS:
            fields["dmp_status"] = "FERME"
            return failed(action, answer, what, swallow=self.settings.has("dmp-swallows-errors"), **fields)
        identity.log("DMP_REACTIVATION", user, "")
        fields["dmp_status"] = "OUVERT"
        return DmpOutcome(OK_OUTCOME, "DMP du patient réactivé.", False, call_ids=action.call_ids, fields=fields)
