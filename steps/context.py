"""What one scenario remembers between its steps (the SUT's answers, the acting user)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from segur_harness.errors import HarnessError

DEFAULT_USER = "harness.operateur"


@dataclass
class ScenarioContext:
    scenario_id: str | None
    user: str = DEFAULT_USER
    identity_id: str | None = None
    search: dict[str, Any] | None = None
    export: dict[str, Any] | None = None
    insi_timeout_seconds: float | None = None
    settle_until: float = 0.0
    """monotonic time before which a delayed mock answer may still be recorded (wait before the next scenario)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def require_identity(self) -> str:
        if self.identity_id is None:
            raise HarnessError("problème du banc de test : aucune identité n'a été créée dans ce scénario "
                                 "(étape « Étant donné » manquante)")
        return self.identity_id

    def require_search(self) -> dict[str, Any]:
        if self.search is None:
            raise HarnessError("problème du banc de test : aucune recherche INSi n'a été lancée dans ce scénario "
                                 "(étape « Quand » manquante)")
        return self.search
