"""RNIV statuses, attributes and the transition table in fixtures/ins/rniv_transitions.toml."""

from __future__ import annotations

import pytest

from segur_harness.ins import (
    IdentityStatus,
    RnivEvent,
    TransitionNotAllowed,
    attributes_of,
    is_allowed_transition,
    may_share_ins,
    next_status,
    parse_status,
    status_from,
    transition_table,
)

PROV, RECUP, VALI, QUAL = IdentityStatus.PROV, IdentityStatus.RECUP, IdentityStatus.VALI, IdentityStatus.QUAL


@pytest.mark.parametrize(
    ("insi", "document", "expected"),
    [(False, False, PROV), (True, False, RECUP), (False, True, VALI), (True, True, QUAL)],
)
def test_status_from(insi: bool, document: bool, expected: IdentityStatus) -> None:
    assert status_from(insi, document) is expected
    assert status_from(insi, document, doubtful=True) is PROV
    attrs = attributes_of(expected)
    assert (attrs.insi_verified, attrs.high_trust_document) == (insi, document)


def test_only_qual_may_share_ins() -> None:
    assert [s for s in IdentityStatus if may_share_ins(s)] == [QUAL]
    assert may_share_ins("QUAL")
    assert not may_share_ins("qual")
    assert not may_share_ins("QUALIFIEE")


@pytest.mark.parametrize(
    ("source", "event", "target"),
    [
        (PROV, RnivEvent.INSI_00_CONSISTENT, RECUP),
        (PROV, RnivEvent.HIGH_TRUST_DOCUMENT, VALI),
        (RECUP, RnivEvent.HIGH_TRUST_DOCUMENT, QUAL),
        (VALI, RnivEvent.INSI_00_CONSISTENT, QUAL),
        (QUAL, RnivEvent.INSI_00_CONSISTENT, QUAL),
    ],
)
def test_documented_transitions(source: IdentityStatus, event: RnivEvent, target: IdentityStatus) -> None:
    assert next_status(source, event) is target
    assert next_status(source.value, event.value) is target
    assert is_allowed_transition(source, target)


@pytest.mark.parametrize("status", list(IdentityStatus))
@pytest.mark.parametrize("event", [RnivEvent.DOUBT, RnivEvent.STRICT_TRAIT_CHANGED])
def test_doubt_or_changed_traits_fall_back_to_prov(status: IdentityStatus, event: RnivEvent) -> None:
    assert next_status(status, event) is PROV


def test_no_shortcut_from_prov_to_qual() -> None:
    assert not is_allowed_transition(PROV, QUAL)
    assert not is_allowed_transition(RECUP, VALI)
    assert not is_allowed_transition(VALI, RECUP)


def test_table_covers_every_known_event_for_every_status() -> None:
    table = transition_table()
    missing = [(s, e) for s in IdentityStatus for e in RnivEvent if (s, e.value) not in table]
    assert missing == []


def test_table_is_consistent_with_status_attributes() -> None:
    """A verification event sets its attribute and keeps the other; the data must not contradict the code."""
    for (source, event), row in transition_table().items():
        before, after = attributes_of(source), attributes_of(row.target)
        if event == RnivEvent.INSI_00_CONSISTENT:
            assert after.insi_verified and after.high_trust_document == before.high_trust_document, row
        elif event == RnivEvent.HIGH_TRUST_DOCUMENT:
            assert after.high_trust_document and after.insi_verified == before.insi_verified, row
        elif event == RnivEvent.INSI_VERIFICATION_FAILED:
            assert not after.insi_verified and after.high_trust_document == before.high_trust_document, row
        assert row.why, row


def test_unknown_event_or_status_is_refused() -> None:
    with pytest.raises(TransitionNotAllowed, match="no rule for event 'coffee'"):
        next_status(PROV, "coffee")
    with pytest.raises(ValueError, match="not an RNIV identity status"):
        next_status("QUALIFIEE", RnivEvent.DOUBT)
    with pytest.raises(ValueError, match="expected one of PROV, RECUP, VALI, QUAL"):
        parse_status("prov")
