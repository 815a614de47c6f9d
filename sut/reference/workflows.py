"""What the reference SUT does when a user asks it to act: the RNIV/INSi rules.

Conformant behaviour (each defect in `defects.DEFECTS` bends one rule):
- INSi 00: take INSACTIF, check the key (2A/2B aware) and the OID (NIR vs NIA
  by OID), compare the traits, then RECUP (QUAL if a high-trust document is
  already recorded) and adopt INSi's traits;
- 01: nothing changes, the user is told; 02: retry with every birth first
  name, then with the birth place, and stay PROV if still ambiguous;
- fault / HTTP error / timeout: nothing changes, the user is told why;
- every INSi call is traced (INS/va1.49).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .ins_rules import NIR_OID, check_key, matricule_kind, shares_ins
from .insi_client import RESULT, CallOutcome, call_insi
from .insi_request import BuiltRequest, Caller, TraitsQuery, VitaleQuery, traits_request, vitale_request
from .insi_response import InsiResult, ReturnedIns
from .model import (
    HIGH_TRUST_DOCUMENTS,
    MINOR_HIGH_TRUST_DOCUMENTS,
    Document,
    Identity,
    InsRecord,
    Registry,
    TraceEntry,
    now_iso,
)
from .settings import SutSettings
from .traits import Traits, differences

FOUND = "FOUND"
NOT_FOUND = "NOT_FOUND"
AMBIGUOUS = "AMBIGUOUS"
REJECTED = "REJECTED"
SERVICE_ERROR = "SERVICE_ERROR"
NOT_CONFIGURED = "NOT_CONFIGURED"


@dataclass
class SearchOutcome:
    """The answer to a user's INSi search: what happened and what the user was told."""

    outcome: str
    message: str
    alert: bool
    identity: Identity
    calls: list[CallOutcome] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        last = self.calls[-1] if self.calls else None
        return {
            "outcome": self.outcome,
            "alert": self.alert,
            "message": self.message,
            "insi": {
                "calls": len(self.calls),
                "message_ids": [c.request.message_id for c in self.calls],
                "last_cr_code": last.result.code if last and last.result else None,
                "last_cr_label": last.result.label if last and last.result else None,
            },
            "identity": self.identity.to_json(),
        }


def recompute_status(identity: Identity, settings: SutSettings) -> None:
    """RNIV status from the two independent proofs: INSi verification and a high-trust document."""
    doc = identity.has_high_trust_document or settings.has("qualifies-without-id-document")
    if identity.insi_verified:
        identity.status = "QUAL" if doc else "RECUP"
    else:
        identity.status = "VALI" if identity.has_high_trust_document else "PROV"


class Workflows:
    """The SUT's identity functions, bound to its registry and settings."""

    def __init__(self, registry: Registry, settings: SutSettings) -> None:
        self.registry = registry
        self.settings = settings

    # -- plumbing ----------------------------------------------------------
    def _caller(self, user: str) -> Caller:
        s = self.settings
        return Caller(idam=s.idam, lps_name=s.lps_name, lps_version=s.lps_version, instance=s.instance,
                      user=user, send_lps_context=not s.has("no-lps-context"))

    def _call(self, built: BuiltRequest, user: str, identity: Identity) -> CallOutcome:
        outcome = call_insi(built, self.settings.insi_url or "", self.settings.insi_timeout_seconds)
        if not self.settings.has("does-not-trace-insi"):
            self.registry.trace(TraceEntry(
                at=dt.datetime.fromtimestamp(outcome.started_at, dt.UTC).isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                operation=built.operation,
                message_id=built.message_id,
                result=outcome.trace_result,
                detail=outcome.detail,
                user=user,
                identity_id=identity.id,
                duration_ms=int((outcome.ended_at - outcome.started_at) * 1000),
            ))
        return outcome

    def _not_configured(self, identity: Identity) -> SearchOutcome:
        return SearchOutcome(NOT_CONFIGURED, "Le téléservice INSi n'est pas configuré : recherche impossible.",
                             True, identity)

    def _failure(self, identity: Identity, calls: list[CallOutcome], user: str) -> SearchOutcome:
        if self.settings.has("swallows-faults"):
            return SearchOutcome(NOT_FOUND, "Aucune identité trouvée.", False, identity, calls)
        detail = calls[-1].detail
        identity.log("INSI_INDISPONIBLE", user, detail)
        return SearchOutcome(
            SERVICE_ERROR,
            f"Le téléservice INSi n'a pas pu être interrogé : {detail}. "
            f"Le statut de l'identité n'a pas changé ({identity.status}) ; réessayez plus tard.",
            True, identity, calls,
        )

    # -- identity functions ---------------------------------------------------
    def create(self, traits: Traits, user: str) -> Identity:
        return self.registry.add(traits, user)

    def search_by_traits(self, identity: Identity, user: str) -> SearchOutcome:
        """rechercherInsAvecTraitsIdentite with the RNIV retry sequence on CodeCR 02."""
        if not self.settings.insi_url:
            return self._not_configured(identity)
        t = identity.traits
        attempts = [TraitsQuery(t.birth_name, [t.first_first_name], t.sex, t.birth_date)]
        if not self.settings.has("no-retry-on-02"):
            if len(t.birth_first_names) > 1:
                attempts.append(TraitsQuery(t.birth_name, list(t.birth_first_names), t.sex, t.birth_date))
            if t.birth_place_cog:
                attempts.append(TraitsQuery(t.birth_name, list(t.birth_first_names), t.sex, t.birth_date,
                                            t.birth_place_cog))
        calls: list[CallOutcome] = []
        for query in attempts:
            outcome = self._call(traits_request(query, self._caller(user)), user, identity)
            calls.append(outcome)
            if outcome.kind != RESULT:
                return self._failure(identity, calls, user)
            if outcome.result.code != "02":
                break
        return self._conclude(identity, calls, user, source="INSI_TRAITS")

    def search_by_vitale(self, identity: Identity, query: VitaleQuery, user: str) -> SearchOutcome:
        """rechercherInsAvecCarteVitale with the card's data, then the same checks as by traits."""
        if not self.settings.insi_url:
            return self._not_configured(identity)
        outcome = self._call(vitale_request(query, self._caller(user)), user, identity)
        if outcome.kind != RESULT:
            return self._failure(identity, [outcome], user)
        return self._conclude(identity, [outcome], user, source="INSI_CARTE_VITALE")

    def _conclude(self, identity: Identity, calls: list[CallOutcome], user: str, source: str) -> SearchOutcome:
        result = calls[-1].result
        if result.code == "00":
            return self._match(identity, result, calls, user, source)
        if result.code in ("01", "02") and self.settings.has("silent-on-01-02"):
            return SearchOutcome(NOT_FOUND if result.code == "01" else AMBIGUOUS, "", False, identity, calls)
        if result.code == "01":
            identity.log("INSI_AUCUNE_IDENTITE", user, result.label)
            return SearchOutcome(NOT_FOUND, "Aucune identité INS ne correspond à ces traits (INSi 01). "
                                 f"L'identité reste au statut {identity.status}.", True, identity, calls)
        if result.code == "02":
            identity.log("INSI_PLUSIEURS_IDENTITES", user, result.label)
            return SearchOutcome(AMBIGUOUS, "Plusieurs identités correspondent à ces traits (INSi 02) : "
                                 f"vérifiez les prénoms et le lieu de naissance. L'identité reste au statut "
                                 f"{identity.status}.", True, identity, calls)
        identity.log("INSI_CODE_INATTENDU", user, f"{result.code} {result.label}")
        return SearchOutcome(SERVICE_ERROR, f"Réponse INSi inattendue {result.code} : {result.label}. "
                             "Le statut de l'identité n'a pas changé.", True, identity, calls)

    def _chosen_ins(self, result: InsiResult) -> ReturnedIns | None:
        if self.settings.has("uses-historic-ins") and result.historic:
            return result.historic[0]
        return result.active

    def _reject(self, identity: Identity, calls: list[CallOutcome], user: str, why: str) -> SearchOutcome:
        identity.log("INS_REFUSE", user, why)
        return SearchOutcome(REJECTED, f"L'INS renvoyé par INSi est refusé : {why}. "
                             f"L'identité reste au statut {identity.status}.", True, identity, calls)

    def _match(self, identity: Identity, result: InsiResult, calls: list[CallOutcome], user: str,
               source: str) -> SearchOutcome:
        ins = self._chosen_ins(result)
        if ins is None or result.traits is None:
            return self._reject(identity, calls, user, "réponse 00 sans INSACTIF ni traits")
        if not self.settings.has("key-not-checked"):
            key = check_key(ins.number, ins.key, naive_corsica=self.settings.has("naive-corsica-key"))
            if not key.ok:
                return self._reject(identity, calls, user, key.reason)
        oid, kind = (NIR_OID, "NIR") if self.settings.has("nir-oid-assumed") else (ins.oid, matricule_kind(ins.oid))
        if kind is None:
            return self._reject(identity, calls, user, f"OID {oid!r} inconnu")
        diffs = [] if self.settings.has("traits-not-compared") else differences(identity.traits, result.traits)
        if diffs:
            return self._reject(identity, calls, user, "traits différents de ceux de l'INSi : " + ", ".join(diffs))
        returned = result.traits
        identity.traits = Traits(
            birth_name=returned.birth_name,
            birth_first_names=returned.first_names or [returned.first_name],
            sex=returned.sex,
            birth_date=returned.birth_date,
            birth_place_cog=returned.birth_place_cog or identity.traits.birth_place_cog,
            used_first_name=identity.traits.used_first_name,
            used_name=identity.traits.used_name,
        )
        identity.ins = InsRecord(ins.number, ins.key, oid, kind, now_iso(), source)
        identity.historic_ins = [
            InsRecord(h.number, h.key, h.oid, matricule_kind(h.oid) or "?", now_iso(), source)
            for h in result.historic if h is not ins
        ]
        identity.insi_verified = True
        recompute_status(identity, self.settings)
        identity.log("INSI_IDENTITE_RECUPEREE", user, f"INS {ins.number}{ins.key} ({kind}, OID {oid})")
        return SearchOutcome(FOUND, f"Identité retrouvée par INSi : statut {identity.status}.", False, identity, calls)

    def record_document(self, identity: Identity, doc_type: str, number: str | None, user: str,
                        today: dt.date | None = None) -> Document:
        """Record a seen identity document; a high-trust one validates the identity."""
        high = doc_type in HIGH_TRUST_DOCUMENTS or (doc_type in MINOR_HIGH_TRUST_DOCUMENTS
                                                    and _is_minor(identity.traits.birth_date, today))
        document = Document(type=doc_type, high_trust=high, recorded_at=now_iso(), recorded_by=user, number=number)
        identity.documents.append(document)
        recompute_status(identity, self.settings)
        identity.log("PIECE_IDENTITE", user, f"{doc_type} ({'haut' if high else 'faible'} niveau de confiance)")
        return document

    def export(self, identity: Identity) -> dict[str, Any]:
        """The identity as the SUT transmits it to others: the INS only when QUAL."""
        shares = shares_ins(identity, self.settings)
        t = identity.traits
        return {
            "identity_id": identity.id,
            "identity_status": identity.status,
            "birth_name": t.birth_name,
            "birth_first_names": list(t.birth_first_names),
            "used_first_name": t.used_first_name,
            "used_name": t.used_name,
            "sex": t.sex,
            "birth_date": t.birth_date,
            "birth_place_cog": t.birth_place_cog,
            "ins": identity.ins.to_json() if shares and identity.ins else None,
        }


def _is_minor(birth_date: str, today: dt.date | None) -> bool:
    try:
        born = dt.date.fromisoformat(birth_date)
    except ValueError:
        return False
    today = today or dt.date.today()
    return (today.year - born.year - ((today.month, today.day) < (born.month, born.day))) < 18
