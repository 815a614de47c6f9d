"""One DMP call on behalf of one user action: build and sign the VIHF, send, trace.

The defects that bend the VIHF (unsigned, expired, other patient, bris de
glace sent as normal) and the one that drops the trace are switched here, so
each stays a one-line decision.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from ..model import Identity
from ..profile import profile
from ..psc.client import PscClient
from ..settings import SutSettings
from . import vihf
from .client import ERROR, DmpAnswer, DmpRequest, call
from .data import dmp_data
from .metadata import patient_id
from .trace import DmpCallTrace, DmpTraceLog, iso


@dataclass
class Action:
    """The user action DMP calls are made for (what the trace attributes them to)."""

    identity: Identity
    user: str
    mode: str = "normal"
    document_id: str | None = None
    call_ids: list[str] = field(default_factory=list)


def ins_of(identity: Identity) -> tuple[str, str] | None:
    """(15-char INS, OID) of the identity, when it has one."""
    if identity.ins is None:
        return None
    return identity.ins.number + identity.ins.key, identity.ins.oid


class DmpChannel:
    """Sends DMP requests for the SUT's settings and keeps the trace of every call."""

    def __init__(self, settings: SutSettings, traces: DmpTraceLog, psc: PscClient | None = None) -> None:
        self.settings = settings
        self.traces = traces
        self.psc = psc

    def _patient(self, identity: Identity, other_patient_defect: str) -> str:
        """The patient id the DMP is told about (VIHF resource-id, X-PatientINS); another one under the defect."""
        ins = ins_of(identity)
        own = patient_id(*ins) if ins else ""
        if self.settings.has(other_patient_defect):
            other = dmp_data()["defects"]
            return other["other_patient_ins"] if other["other_patient_ins"] != own else other["other_patient_ins_alt"]
        return own

    def _with_vihf(self, action: Action, req: DmpRequest) -> DmpAnswer:
        try:
            assertion = self.assertion(action)
        except (OSError, ValueError) as exc:
            now = time.time()
            return DmpAnswer(req, "", ERROR, now, now,
                             f"le VIHF n'a pas pu être signé (certificat de cachet indisponible : {exc})")
        return call(req, self.settings.dmp_url or "", assertion, self.settings.dmp_timeout_seconds)

    def assertion(self, action: Action) -> etree._Element:
        """The VIHF for `action`; OSError/ValueError when the certificat de cachet cannot be loaded."""
        s = self.settings
        patient = self._patient(action.identity, "dmp-vihf-other-patient")
        ctx = vihf.VihfContext(professional=profile().professional(action.user), structure_id=s.dmp_structure_id,
                               secteur=s.dmp_secteur, patient_id=patient, mode=action.mode,
                               lps_name=s.lps_name, lps_version=s.lps_version, homologation=s.dmp_homologation)
        purpose = "normal" if s.has("dmp-bris-de-glace-as-normal") and action.mode == "bris_de_glace" else None
        shift = dt.timedelta(0)
        if s.has("dmp-expired-vihf"):
            shift = -dt.timedelta(seconds=int(dmp_data()["vihf"]["validity_seconds"]) + 3600)
        if s.has("dmp-unsigned-vihf"):
            return vihf.build_assertion(ctx, f"CN={vihf.CACHET_CN}", purpose_mode=purpose, validity_shift=shift)
        signer = vihf.cachet_signer(s.vihf_pki_dir)
        return vihf.sign(vihf.build_assertion(ctx, signer.subject, purpose_mode=purpose, validity_shift=shift), signer)

    def _via_psc(self, action: Action, req: DmpRequest, rpps: str) -> DmpAnswer:
        """The call through the DMP's Pro Santé Connect entry: no VIHF, the PSC token and who / for whom in headers."""
        assert self.psc is not None
        access = self.psc.access(rpps)
        base = (self.settings.dmp_url or "").rstrip("/") + dmp_data()["psc"]["path"]
        for attempt in (1, 2):
            session = self.psc.sessions.get(rpps)
            if access.token is None or session is None:
                now = time.time()
                return DmpAnswer(req, "", ERROR, now, now,
                                 f"connexion Pro Santé Connect indisponible ({access.detail or 'session terminée'})")
            headers = {"Authorization": f"Bearer {access.token}", "X-WorkSituation": session.work_situation,
                       "X-PatientINS": self._patient(action.identity, "dmp-psc-other-patient")}
            answer = call(req, base, None, self.settings.dmp_timeout_seconds, headers)
            if answer.http_status != 401 or attempt == 2:
                return answer
            access = self.psc.renew(rpps)  # the gateway refused the token (expired, revoked): refresh once
        return answer

    def send(self, action: Action, req: DmpRequest, result_of: Callable[[DmpAnswer], str] | None = None) -> DmpAnswer:
        """Call the DMP for `action` and trace it; `result_of` turns the answer into the traced result.

        A user logged in with Pro Santé Connect goes through the DMP's PSC entry; otherwise the SUT signs a VIHF."""
        rpps = self.psc.sessions.rpps_of(action.user) if self.psc is not None else None
        if rpps is not None and not self.settings.has("dmp-psc-ignored"):
            answer = self._via_psc(action, req, rpps)
        else:
            answer = self._with_vihf(action, req)
        call_id = self.traces.next_id()
        action.call_ids.append(call_id)
        if not self.settings.has("dmp-no-trace"):
            self.traces.add(DmpCallTrace(
                id=call_id, transaction=req.transaction, action=req.action, identity_id=action.identity.id,
                document_id=action.document_id, message_id=answer.message_id, started_at=iso(answer.started_at),
                ended_at=iso(answer.ended_at), result=result_of(answer) if result_of else answer.kind,
                detail=answer.detail, user=action.user))
        return answer
