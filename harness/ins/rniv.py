"""RNIV identity statuses, their attributes and allowed transitions.

The four statuses are defined by two facts (INSi-verified? high-trust document
checked?), so they live in code; the transitions are a policy ANS may refine,
so they live in fixtures/ins/rniv_transitions.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any

from segur_harness.ins._data import InsDataError, load_table


class IdentityStatus(StrEnum):
    PROV = "PROV"
    """Provisoire: neither INSi nor a high-trust document."""
    RECUP = "RECUP"
    """Récupérée: INS retrieved by INSi only."""
    VALI = "VALI"
    """Validée: high-trust identity document only."""
    QUAL = "QUAL"
    """Qualifiée: both; the only status allowed to share the INS."""


class RnivEvent(StrEnum):
    """Events named in the transition table (the table may add more as plain strings)."""

    INSI_00_CONSISTENT = "insi_00_consistent"
    HIGH_TRUST_DOCUMENT = "high_trust_document"
    INSI_VERIFICATION_FAILED = "insi_verification_failed"
    DOUBT = "doubt"
    STRICT_TRAIT_CHANGED = "strict_trait_changed"


@dataclass(frozen=True)
class StatusAttributes:
    insi_verified: bool
    high_trust_document: bool


_ATTRIBUTES: dict[IdentityStatus, StatusAttributes] = {
    IdentityStatus.PROV: StatusAttributes(insi_verified=False, high_trust_document=False),
    IdentityStatus.RECUP: StatusAttributes(insi_verified=True, high_trust_document=False),
    IdentityStatus.VALI: StatusAttributes(insi_verified=False, high_trust_document=True),
    IdentityStatus.QUAL: StatusAttributes(insi_verified=True, high_trust_document=True),
}


class TransitionNotAllowed(ValueError):
    """The transition table has no row for (status, event); ``reason`` is a sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Transition:
    source: IdentityStatus
    event: str
    target: IdentityStatus
    why: str
    draft: bool = False


def parse_status(value: str | IdentityStatus) -> IdentityStatus:
    """Read a status code (exact, upper case); ValueError with the allowed codes otherwise."""
    try:
        return IdentityStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in IdentityStatus)
        raise ValueError(f"{value!r} is not an RNIV identity status; expected one of {allowed}.") from None


def attributes_of(status: IdentityStatus | str) -> StatusAttributes:
    return _ATTRIBUTES[parse_status(status)]


def status_from(insi_verified: bool, high_trust_document: bool, *, doubtful: bool = False) -> IdentityStatus:
    """The status an identity deserves from what was checked; a doubtful/fictitious one stays PROV."""
    if doubtful:
        return IdentityStatus.PROV
    wanted = StatusAttributes(insi_verified=bool(insi_verified), high_trust_document=bool(high_trust_document))
    return next(status for status, attrs in _ATTRIBUTES.items() if attrs == wanted)


def may_share_ins(status: IdentityStatus | str) -> bool:
    """Only a qualified identity may share or transmit its matricule INS."""
    try:
        return parse_status(status) is IdentityStatus.QUAL
    except ValueError:
        return False


def _transition(raw: dict[str, Any]) -> Transition:
    try:
        return Transition(
            source=parse_status(raw["from"]),
            event=str(raw["event"]),
            target=parse_status(raw["to"]),
            why=str(raw["why"]),
            draft=bool(raw.get("draft", False)),
        )
    except (KeyError, ValueError) as exc:
        raise InsDataError(f"fixtures/ins/rniv_transitions.toml has a bad row {raw!r}: {exc}") from exc


@cache
def transition_table() -> MappingProxyType[tuple[IdentityStatus, str], Transition]:
    """All transitions keyed by (source status, event), loaded once."""
    rows = [_transition(raw) for raw in load_table("rniv_transitions.toml").get("transition", [])]
    table = {(row.source, row.event): row for row in rows}
    if len(table) != len(rows):
        raise InsDataError("fixtures/ins/rniv_transitions.toml lists a (from, event) pair twice.")
    return MappingProxyType(table)


def next_status(current: IdentityStatus | str, event: RnivEvent | str) -> IdentityStatus:
    """Where ``event`` takes an identity in ``current``; TransitionNotAllowed if the table has no row."""
    source = parse_status(current)
    row = transition_table().get((source, str(event)))
    if row is None:
        raise TransitionNotAllowed(f"The RNIV transition table has no rule for event {str(event)!r} in {source}.")
    return row.target


def is_allowed_transition(source: IdentityStatus | str, target: IdentityStatus | str) -> bool:
    """True when some event takes ``source`` to ``target`` (staying put counts only if listed)."""
    src, dst = parse_status(source), parse_status(target)
    return any(row.source is src and row.target is dst for row in transition_table().values())
