"""INS OIDs: meaning from fixtures/ins/oids.toml; NIR vs NIA by OID only."""

from __future__ import annotations

import pytest

from segur_harness.ins import (
    InsDataError,
    InsOidKind,
    is_ins_oid,
    is_nia,
    is_nir,
    kind_of_oid,
    oid_info,
    oid_of_kind,
    oid_table,
    parse_matricule,
)
from segur_harness.ins import oids as oids_module

EXPECTED = {
    "1.2.250.1.213.1.4.8": (InsOidKind.NIR, True, True, False),
    "1.2.250.1.213.1.4.9": (InsOidKind.NIA, True, False, True),
    "1.2.250.1.213.1.4.10": (InsOidKind.NIR_TEST, True, True, False),
    "1.2.250.1.213.1.4.11": (InsOidKind.NIR_DEMO, True, True, False),
    "1.2.250.1.213.1.4.2": (InsOidKind.INS_C, False, False, False),
}


@pytest.mark.parametrize(("oid", "expected"), EXPECTED.items(), ids=list(EXPECTED))
def test_oid_meaning(oid: str, expected: tuple[InsOidKind, bool, bool, bool]) -> None:
    kind, ins, nir, nia = expected
    assert kind_of_oid(oid) is kind
    assert (is_ins_oid(oid), is_nir(oid), is_nia(oid)) == (ins, nir, nia)
    assert oid_of_kind(kind) == oid


def test_table_holds_exactly_the_documented_oids() -> None:
    assert set(oid_table()) == set(EXPECTED)
    assert {row.kind for row in oid_table().values()} == set(InsOidKind)


def test_environments() -> None:
    assert oid_info("1.2.250.1.213.1.4.8").environment == "production"
    assert oid_info("1.2.250.1.213.1.4.10").environment == "test"
    assert oid_info("1.2.250.1.213.1.4.11").environment == "demo"


@pytest.mark.parametrize(
    "oid",
    [None, "", "1.2.250.1.213.1.4", "1.2.250.1.213.1.4.80", " 1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.8 ", "x"],
)
def test_unknown_oids(oid: str | None) -> None:
    assert kind_of_oid(oid) is None
    assert oid_info(oid) is None
    assert not (is_ins_oid(oid) or is_nir(oid) or is_nia(oid))


def test_nir_or_nia_is_decided_by_oid_never_by_digits() -> None:
    # PROVISOIRE MATRICULE is a NIA with the very same structure as a NIR.
    matricule = parse_matricule("109076322088835")
    assert matricule.key_is_valid
    assert is_nia("1.2.250.1.213.1.4.9") and not is_nir("1.2.250.1.213.1.4.9")
    assert is_nir("1.2.250.1.213.1.4.8") and not is_nia("1.2.250.1.213.1.4.8")


def test_oid_of_unknown_kind_raises() -> None:
    with pytest.raises(ValueError):
        oid_of_kind("INS-X")


def test_malformed_row_raises_data_error() -> None:
    with pytest.raises(InsDataError, match="bad"):
        oids_module._row({"oid": "1.2.3", "kind": "NOT-A-KIND"})
    with pytest.raises(InsDataError, match="matricule must be"):
        oids_module._row(
            {
                "oid": "1.2.3",
                "kind": "INS-NIR",
                "label": "x",
                "matricule": "SSN",
                "environment": "production",
                "acceptable_ins": True,
            }
        )
