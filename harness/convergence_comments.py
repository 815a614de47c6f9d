"""The Commentaire and Profil historique cells of the Convergence spreadsheet, from the bundle's index.

A reviewer reads one row per proof; Commentaire tells them, in French and
for the whole requirement, what the run concluded and why: its verdict, how
many scenarios passed, and per scenario that did not, its proofs and the
reason (the SUT's failure, the harness's problem, the missing material).
Profil historique is a catalogue column of the REM: the REM families
(couloirs: DPI, PFI, RI, BIO, RIS, LGC, DB) the requirement applied to before
the Vague 2 profils, i.e. the catalogue's `couloirs`.
"""

from __future__ import annotations

import re
from typing import Any

from segur_harness.requirement_verdicts import LABELS

REASON_CHARS = 300
"""A reason is cut there: the whole message is in Détail du résultat and in the bundle."""
_PREFIX = re.compile(r"^(?:(?:call|setup|teardown|skipped|broken)\s*:\s*)?"
                     r"(?:(?:AssertionError|Failed|Skipped)\s*:\s*)?")
GROUPS = (
    ("failed", "en échec"),
    ("broken", "non jugé par le banc de test (le logiciel testé n'est pas mis en cause)"),
    ("skipped", "non exécuté, matériel manquant"),
    ("not-run", "non sélectionné dans cette exécution"),
    ("passed", "réussi"),
)
WITH_REASON = ("failed", "broken", "skipped")


def readable_reason(message: str) -> str:
    """A scenario's message without pytest's prefixes ('call: AssertionError: …'), one line, bounded."""
    line = (str(message).strip().splitlines() or [""])[0]
    text = _PREFIX.sub("", line).strip()
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS - 1] + "…"


def _proofs(scenario: dict[str, Any]) -> str:
    ids = [p["id"] for p in scenario.get("proofs") or [] if p.get("id")]
    if not ids:
        return ""
    return f" (preuve{'s' if len(ids) > 1 else ''} {', '.join(ids)})"


def requirement_comment(req: dict[str, Any], details: dict[str, str] | None = None) -> str:
    """Commentaire of requirement `req` (a requirements.json entry); `details`: scenario ID -> its first message."""
    details = details or {}
    scenarios = req.get("scenarios") or []
    label = LABELS.get(req.get("verdict", ""), req.get("label") or "")
    if not scenarios:
        if req.get("verdict") == "out-of-scope" or not req.get("in_scope", True):
            return f"{label} : exigence listée au catalogue sans scénario du harness ; sa preuve est à apporter " \
                   "autrement."  # fmt: skip
        return f"{label} : aucun scénario du catalogue ne la couvre."
    passed = sum(1 for s in scenarios if s.get("status") == "passed")
    plural = "s" if passed > 1 else ""
    head = f"{label} : {passed} scénario{plural} réussi{plural} sur {len(scenarios)}."
    parts = [head]
    for status, wording in GROUPS:
        members = [s for s in scenarios if s.get("status", "not-run") == status]
        if not members:
            continue
        items = []
        for scenario in members:
            item = f"{scenario['id']}{_proofs(scenario)}"
            reason = readable_reason(details.get(scenario["id"], "")) if status in WITH_REASON else ""
            items.append(f"{item} : {reason}" if reason else item)
        parts.append(f"{wording[0].upper()}{wording[1:]} : {' ; '.join(items)}.")
    return " ".join(parts)


def historical_profile(req: dict[str, Any]) -> str:
    """Profil historique: the requirement's couloirs (REM families), as the catalogue lists them."""
    return ", ".join(req.get("couloirs") or ())
