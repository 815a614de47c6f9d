"""Per-document validation budgets: size and time, from [validation] in the harness configuration.

A hostile or huge document must not hold `validate` or the validation service:
over the size budget it is not parsed; a schematron evaluation past the time
budget is stopped (its worker process is killed). Either way the document gets
an error finding of its own and the others go on.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from segur_harness.validation.model import Finding, Layer, Severity

RULES_FILE = Path(__file__).with_name("budgets.toml")


@dataclass(frozen=True)
class Budget:
    max_document_bytes: int = 20 * 1024 * 1024
    time_seconds: float = 60.0
    workers: int = 0
    """Saxon worker processes; 0 = one per CPU core, at most 4."""
    compile_timeout_seconds: float = 300.0

    @classmethod
    def from_config(cls, cfg: dict[str, Any] | None = None) -> Budget:
        from segur_harness import config

        section = (cfg or config.config()).get("validation", {})
        return cls(int(section.get("max_document_bytes", cls.max_document_bytes)),
                   float(section.get("time_budget_seconds", cls.time_seconds)),
                   int(section.get("saxon_workers", cls.workers)),
                   float(section.get("compile_timeout_seconds", cls.compile_timeout_seconds)))

    @property
    def pool_size(self) -> int:
        return self.workers if self.workers > 0 else max(1, min(4, os.cpu_count() or 1))


@cache
def _rules() -> dict[str, Any]:
    with open(RULES_FILE, "rb") as handle:
        return tomllib.load(handle)["rules"]


def budget_finding(rule: str, layer: Layer, **values: object) -> Finding:
    spec = _rules()[rule]
    return Finding(Severity(spec["severity"]), layer, rule, spec["message"].format(**values))
