"""Accumulates findings about one request and the first problem that stops it (shared by every mock).

Every check records a Finding (rule id, French message, location) whatever
happens; only some problems are blocking, and the first blocking one decides
which fault (a key of the mock's errors.toml) the mock answers with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from segur_harness.store import Finding


@dataclass
class Blocking:
    """The fault to answer with (a key of errors.toml) and the detail to put in it."""

    fault: str
    detail: str


MAX_FINDINGS = 200
"""Findings kept per request: a hostile request must not cost a record of a million findings."""


@dataclass
class Checks:
    findings: list[Finding] = field(default_factory=list)
    blocking: Blocking | None = None
    dropped: int = 0

    def add(self, severity: str, rule: str, message: str, location: str = "", fault: str | None = None) -> None:
        if fault and self.blocking is None:
            self.blocking = Blocking(fault, message)
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(severity, rule, message, location))
            return
        self.dropped += 1
        if self.dropped == 1:
            self.findings.append(Finding("info", "MOCK-FINDINGS-TRONQUEES",
                                         f"Plus de {MAX_FINDINGS} constats : les suivants ne sont pas enregistrés."))

    def error(self, rule: str, message: str, location: str = "", fault: str | None = None) -> None:
        self.add("error", rule, message, location, fault)

    def warning(self, rule: str, message: str, location: str = "") -> None:
        self.add("warning", rule, message, location)

    def info(self, rule: str, message: str, location: str = "") -> None:
        self.add("info", rule, message, location)
