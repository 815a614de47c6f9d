"""RNIV statuses: from what was checked, and who may share the INS."""

from __future__ import annotations

import pytest

from segur_harness.ins.rniv import IdentityStatus, may_share_ins, status_from

PROV, RECUP, VALI, QUAL = IdentityStatus.PROV, IdentityStatus.RECUP, IdentityStatus.VALI, IdentityStatus.QUAL


@pytest.mark.parametrize(
    ("insi", "document", "expected"),
    [(False, False, PROV), (True, False, RECUP), (False, True, VALI), (True, True, QUAL)],
)
def test_status_from(insi: bool, document: bool, expected: IdentityStatus) -> None:
    assert status_from(insi, document) is expected
    assert status_from(insi, document) == expected.value  # compares equal to the adapter's plain string
    assert f"{status_from(insi, document)}" == expected.value  # and reads as it in assertion messages


def test_only_qual_may_share_ins() -> None:
    assert [s for s in IdentityStatus if may_share_ins(s)] == [QUAL]
    assert may_share_ins("QUAL")
    assert not may_share_ins("qual")
    assert not may_share_ins("QUALIFIEE")
    assert not may_share_ins(None)
