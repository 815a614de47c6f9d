"""RNIV identity statuses: defined by two facts (INSi-verified? high-trust document checked?)."""

from __future__ import annotations

from enum import StrEnum


class IdentityStatus(StrEnum):
    PROV = "PROV"
    """Provisoire: neither INSi nor a high-trust document."""
    RECUP = "RECUP"
    """Récupérée: INS retrieved by INSi only."""
    VALI = "VALI"
    """Validée: high-trust identity document only."""
    QUAL = "QUAL"
    """Qualifiée: both; the only status allowed to share the INS."""


_BY_FACTS = {
    (False, False): IdentityStatus.PROV,
    (True, False): IdentityStatus.RECUP,
    (False, True): IdentityStatus.VALI,
    (True, True): IdentityStatus.QUAL,
}


def status_from(insi_verified: bool, high_trust_document: bool) -> IdentityStatus:
    """The status an identity deserves from what was checked."""
    return _BY_FACTS[bool(insi_verified), bool(high_trust_document)]


def may_share_ins(status: object) -> bool:
    """Only a qualified identity may share or transmit its matricule INS (exact code, no case folding)."""
    return status == IdentityStatus.QUAL
