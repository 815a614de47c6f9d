"""INS OIDs: meaning from fixtures/ins/oids.toml, and the INS arc."""

from __future__ import annotations

import pytest

from segur_harness.ins import oids as oids_module
from segur_harness.ins._data import InsDataError
from segur_harness.ins.oids import INS_ARC, in_ins_arc, is_ins_oid, oid_table

EXPECTED = {
    "1.2.250.1.213.1.4.8": ("INS-NIR", "NIR", True),
    "1.2.250.1.213.1.4.9": ("INS-NIA", "NIA", True),
    "1.2.250.1.213.1.4.10": ("INS-NIR-TEST", "NIR", True),
    "1.2.250.1.213.1.4.11": ("INS-NIR-DEMO", "NIR", True),
    "1.2.250.1.213.1.4.2": ("INS-C", "", False),
}


@pytest.mark.parametrize(("oid", "expected"), EXPECTED.items(), ids=list(EXPECTED))
def test_oid_meaning(oid: str, expected: tuple[str, str, bool]) -> None:
    kind, matricule, acceptable = expected
    row = oid_table()[oid]
    assert (row.kind, row.matricule, row.acceptable_ins) == (kind, matricule, acceptable)
    assert is_ins_oid(oid) is acceptable
    assert in_ins_arc(oid)


def test_table_holds_exactly_the_documented_oids() -> None:
    assert set(oid_table()) == set(EXPECTED)
    assert all(oid.startswith(INS_ARC + ".") for oid in oid_table())


def test_the_cda_header_and_dmp_mock_sets_are_the_acceptable_rows() -> None:
    # header_rules.toml once listed these four itself; the DMP mock derives INS_OIDS the same way.
    from segur_harness.mocks.dmp.protocol import INS_OIDS

    assert set(INS_OIDS) == {oid for oid in oid_table() if is_ins_oid(oid)} == {
        "1.2.250.1.213.1.4.8",
        "1.2.250.1.213.1.4.9",
        "1.2.250.1.213.1.4.10",
        "1.2.250.1.213.1.4.11",
    }


@pytest.mark.parametrize(
    "oid",
    [None, "", "1.2.250.1.213.1.4", "1.2.250.1.213.1.4.80", " 1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.8 ", "x"],
)
def test_unknown_oids_are_not_ins(oid: str | None) -> None:
    assert not is_ins_oid(oid)


@pytest.mark.parametrize(
    ("oid", "inside"),
    [
        (None, False),
        ("", False),
        ("1.2.250.1.213.1.4", False),
        ("1.2.250.1.213.1.40.1", False),
        ("1.2.250.1.213.1.4.80", True),
        (" 1.2.250.1.213.1.4.8", False),
    ],
)
def test_ins_arc(oid: str | None, inside: bool) -> None:
    assert in_ins_arc(oid) is inside


def test_malformed_row_raises_data_error() -> None:
    with pytest.raises(InsDataError, match="bad"):
        oids_module._row({"oid": "1.2.3", "kind": "INS-NIR"})
