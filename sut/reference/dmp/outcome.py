"""DmpOutcome: what the user is shown after one DMP action (adapter contract 1.2, docs/dmp.md).

`refused` and `failed` build the two unhappy outcomes the same way for every
action, so every DMP error reaches the user with its code and an alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .channel import Action
from .client import FAULT, DmpAnswer

SUCCESS, FAILURE, REFUSED, ERROR = "SUCCESS", "FAILURE", "REFUSED", "ERROR"


@dataclass
class DmpOutcome:
    """`outcome` SUCCESS / FAILURE (DMP Failure or SOAP fault) / REFUSED (the SUT did not call) / ERROR (transport).

    `message` is the French text shown; `alert` is true whenever the user must be told something went wrong.
    """

    outcome: str
    message: str
    alert: bool
    errors: list[dict[str, str]] = field(default_factory=list)
    call_ids: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**self.fields, "outcome": self.outcome, "message": self.message, "alert": self.alert,
                "errors": list(self.errors), "call_ids": list(self.call_ids)}


def refused(action: Action, why: str, **fields: Any) -> DmpOutcome:
    """The SUT did not call the DMP (or stopped after TD0.2): `why` is told to the user."""
    action.identity.log("DMP_REFUS", action.user, why)
    return DmpOutcome(REFUSED, f"Action DMP non réalisée : {why}.", True, call_ids=action.call_ids, fields=fields)


def failed(action: Action, answer: DmpAnswer, what: str, *, swallow: bool = False, **fields: Any) -> DmpOutcome:
    """The DMP call did not succeed: FAILURE (Failure, fault) or ERROR (transport), message naming the error.

    `swallow` is the 'dmp-swallows-errors' defect: the user is told it worked.
    """
    errors = [e.to_json() for e in answer.errors]
    if answer.kind == FAULT and answer.fault is not None:
        errors = [{"code": answer.fault.subcode or answer.fault.code, "context": answer.fault.reason}]
    if swallow:
        return DmpOutcome(SUCCESS, f"{what} : demande transmise au DMP.", False, call_ids=action.call_ids,
                          fields=fields)
    outcome = ERROR if answer.kind == ERROR else FAILURE
    action.identity.log("DMP_ERREUR", action.user, answer.detail)
    after = "Réessayez plus tard." if outcome == ERROR else "Rien n'a été modifié dans le DMP."
    return DmpOutcome(outcome, f"{what} : échec, {answer.detail.rstrip('. ')}. {after}", True,
                      errors, action.call_ids, fields)


def with_detail(answer: DmpAnswer, detail: str, kind: str = FAILURE) -> DmpAnswer:
    """`answer` re-classified (a transport success whose content says it failed)."""
    return replace(answer, kind=kind, detail=detail)
