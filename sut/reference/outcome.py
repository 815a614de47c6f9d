"""ServiceOutcome: what the user is shown after one Pro Santé Connect or MSSanté action (adapter contract 1.3).

The same four outcomes as the DMP client (dmp/outcome.py), so every service
error reaches the user the same way: SUCCESS; FAILURE (the service answered
no); REFUSED (the SUT did not call); ERROR (transport: unreachable, timeout,
TLS). `alert` is true whenever the user must be told something went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SUCCESS, FAILURE, REFUSED, ERROR = "SUCCESS", "FAILURE", "REFUSED", "ERROR"
SEVERITY = {SUCCESS: 0, REFUSED: 1, FAILURE: 2, ERROR: 3}
"""Which outcome wins when one action gave several (ERROR over FAILURE over REFUSED over SUCCESS)."""


@dataclass
class ServiceOutcome:
    outcome: str
    message: str
    alert: bool
    fields: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**self.fields, "outcome": self.outcome, "message": self.message, "alert": self.alert}


def worst(outcomes: list[str]) -> str:
    """The outcome an action with several parts reports (SUCCESS when there is none)."""
    return max(outcomes, key=SEVERITY.__getitem__, default=SUCCESS)


def unhappy(outcome: str, what: str, detail: str, fields: dict[str, Any]) -> ServiceOutcome:
    """FAILURE / ERROR: "<what> : échec, <detail>."; REFUSED: "<what> : action non réalisée, <detail>."."""
    after = " Réessayez plus tard." if outcome == ERROR else ""
    how = "action non réalisée" if outcome == REFUSED else "échec"
    return ServiceOutcome(outcome, f"{what} : {how}, {detail.rstrip('. ')}.{after}", True, fields)
