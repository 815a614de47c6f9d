"""TD0.2 as the DMP workflows use it: whether the SUT may call for an identity, the call, and the gate.

DMP/CONF.01 and CONF.02: TD0.2 before any feed or consultation. The gate stops
the action (REFUSED) when the patient has no DMP, the DMP is closed, the
structure is refused or the patient opposed bris de glace (rules in dmp.toml).
"""

from __future__ import annotations

from typing import Any

from ..model import Identity
from ..settings import SutSettings
from . import ns, td02
from .channel import Action, DmpChannel, ins_of
from .client import SUCCESS, DmpAnswer, DmpRequest
from .data import dmp_data
from .outcome import ERROR, DmpOutcome, failed, refused, with_detail
from .outcome import SUCCESS as OK_OUTCOME

TD02_RESPONSE_ACTION = "urn:hl7-org:v3:PRPA_IN201308UV02"


def why_not(settings: SutSettings, action: Action, *, feed: bool = False) -> str | None:
    """Why the SUT does not call the DMP for this identity (None: it may)."""
    if not settings.dmp_url:
        return "le DMP n'est pas configuré"
    identity = action.identity
    if ins_of(identity) is None:
        return f"l'identité n'a pas d'INS (statut {identity.status})"
    if identity.status != "QUAL" and not (feed and settings.has("dmp-ins-of-unqualified")):
        return f"l'identité n'est pas qualifiée (statut {identity.status}) : l'INS ne peut pas être utilisé"
    return None


def _unreadable(answer: DmpAnswer) -> DmpAnswer:
    """A transport-level success whose payload is not a readable PRPA_IN201308UV02 is an ERROR."""
    if answer.kind != SUCCESS:
        return answer
    return with_detail(answer, "réponse TD0.2 illisible (PRPA_IN201308UV02 attendu)", ERROR)


class ExistenceCheck:
    """TD0.2 calls for the SUT's settings through its DMP channel."""

    def __init__(self, settings: SutSettings, channel: DmpChannel) -> None:
        self.settings = settings
        self.channel = channel

    def call(self, action: Action) -> tuple[td02.Td02Answer | None, DmpAnswer]:
        """One traced TD0.2 (result OK / NF / FAILURE / FAULT / ERROR) and what it said, when readable."""
        ins, oid = ins_of(action.identity) or ("", "")
        request = DmpRequest("TD0.2", ns.PATIENTS, ns.TD02_ACTION, TD02_RESPONSE_ACTION,
                             td02.request(ins, oid, self.settings.dmp_structure_id))
        read: list[td02.Td02Answer | None] = [None]

        def result(answer: DmpAnswer) -> str:
            if answer.kind != SUCCESS:
                return answer.kind
            try:
                read[0] = td02.read(answer.payload)
            except ValueError:
                return ERROR
            if read[0].ack != "AA":
                return "FAILURE"
            return "OK" if read[0].exists else "NF"

        answer = self.channel.send(action, request, result)
        return read[0], answer

    def failure(self, action: Action, read: td02.Td02Answer | None, answer: DmpAnswer, what: str,
                **fields: Any) -> DmpOutcome | None:
        """The outcome to show when TD0.2 itself failed (fault, transport, AE), else None."""
        swallow = self.settings.has("dmp-swallows-errors")
        if answer.kind != SUCCESS or read is None:
            return failed(action, _unreadable(answer), what, swallow=swallow, **fields)
        if read.ack != "AA":
            return failed(action, with_detail(answer, f"test d'existence refusé ({read.ack_detail})"), what,
                          swallow=swallow, **fields)
        return None

    def gate(self, action: Action, what: str, **fields: Any) -> DmpOutcome | None:
        """TD0.2 before a feed or consultation: None when the action may go on, else the outcome to show."""
        read, answer = self.call(action)
        stop = self.failure(action, read, answer, what, **fields)
        if stop is not None or read is None:
            return stop
        data = dmp_data()["td02"]
        if not read.exists:
            return refused(action, "le patient n'a pas de DMP (TD0.2 : NF)", **fields)
        if read.dmp_statut in data["refused_statuses"]:
            return refused(action, f"le DMP du patient est {read.dmp_statut.lower()}", **fields)
        if read.authorisation in data["refused_authorisations"]:
            return refused(action, f"autorisation d'accès {read.authorisation}", **fields)
        if action.mode == "bris_de_glace" and read.opposition_bris_de_glace:
            return refused(action, "le patient s'est opposé à l'accès en mode bris de glace", **fields)
        return None

    def test_existence(self, identity: Identity, user: str, mode: str) -> DmpOutcome:
        """The user's "test d'existence": the DMP's status, the structure's authorisation, the opposition."""
        action = Action(identity, user, mode)
        fields: dict[str, Any] = {"dmp_status": None, "authorisation": None, "opposition_bris_de_glace": None}
        why = why_not(self.settings, action)
        if why:
            return refused(action, why, **fields)
        read, answer = self.call(action)
        stop = self.failure(action, read, answer, "Test d'existence du DMP", **fields)
        if stop is not None or read is None:
            return stop
        if not read.exists:
            fields["dmp_status"] = "ABSENT"
            return DmpOutcome(OK_OUTCOME, "Ce patient n'a pas de DMP.", False, call_ids=action.call_ids, fields=fields)
        closed = read.dmp_statut == "FERME" or read.patient_status == "nullified"
        fields.update(dmp_status="FERME" if closed else "OUVERT", authorisation=read.authorisation,
                      opposition_bris_de_glace=read.opposition_bris_de_glace)
        refused_access = read.authorisation in dmp_data()["td02"]["refused_authorisations"]
        message = f"DMP {'fermé' if closed else 'ouvert'} ; autorisation d'accès : {read.authorisation or 'inconnue'}."
        return DmpOutcome(OK_OUTCOME, message, closed or refused_access, call_ids=action.call_ids, fields=fields)
