"""Matricule INS: public CNDA test identities, Corsica, shapes, and the key against an independent oracle."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.fr import nir

from segur_harness.ins.matricule import compute_key, is_key, is_matricule, is_number

# Public CNDA test identities (DOMAIN.md section 2): name, matricule, key, key is right?
CNDA = [
    ("ADRTROIS DOMINIQUE", "297022A020778", "78", True),
    ("ADRTROIS TOUSSAINT", "160012B020777", "13", True),
    ("ECETINSI PIERRE-ALAIN", "1090763220834", "89", True),
    ("PROVISOIRE MATRICULE", "1090763220888", "35", True),
    ("CORSE ANTHONY", "180032B020401", "23", True),
    ("HERMANN GATIEN", "1810363220456", "60", False),
    ("TCHITCHI OLA", "2360663220836", "56", True),
    ("PAT-TROIS DOMINIQUE", "2790351215189", "89", True),
]

FAST = settings(max_examples=150, deadline=None)


def oracle_key(number: str) -> str:
    """Independent arithmetic (not stdnum): 97 - (N mod 97), 2A -> 19, 2B -> 18."""
    digits = number[:5] + {"2A": "19", "2B": "18"}.get(number[5:7], number[5:7]) + number[7:]
    return f"{97 - int(digits) % 97:02d}"


@pytest.mark.parametrize(("name", "number", "key", "valid"), CNDA, ids=[c[0] for c in CNDA])
def test_cnda_identity_keys(name: str, number: str, key: str, valid: bool) -> None:
    assert is_number(number) and is_key(key) and is_matricule(number + key)
    assert (compute_key(number) == key) is valid
    assert nir.is_valid(number + key) is valid, "stdnum disagrees with the expected validity"


def test_hermann_gatien_key_should_be_76() -> None:
    assert compute_key("1810363220456") == "76"


def test_corsican_key_differs_from_naive_digits() -> None:
    # Reading 2A as 19 vs 2B as 18 must change the key; a swap of the letter is caught.
    assert compute_key("297022A020778") != compute_key("297022B020778")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "297022a020778",  # lower case Corsica: callers upper-case first when they mean to
        "297022C020778",
        "2970 2A020778",
        " 97022A020778",
        "2970٢2A020778",  # a non-ASCII digit
        "29702A2020778",  # 2A outside the department position
        "297022A02077",
        "297022A0207781",
    ],
)
def test_not_a_number(text: str) -> None:
    assert not is_number(text)
    assert not is_matricule(text + "78")
    with pytest.raises(ValueError, match="not a 13-character matricule"):
        compute_key(text)


def test_sex_digit_is_not_part_of_the_shape() -> None:
    # The harness's checks (CDA header, INSi and DMP mocks) read the shape only: the first digit is not checked.
    assert is_number("5970222020778") and is_number("0000000000000")


@pytest.mark.parametrize("key", ["7", "789", "7a", "٧٨", " 78", ""])
def test_not_a_key(key: str) -> None:
    assert not is_key(key)
    assert not is_matricule("297022A020778" + key)


def test_shapes_are_exact() -> None:
    assert not is_matricule("297022A02077878\n")
    assert not is_number("297022A020778\n")


# --- properties -----------------------------------------------------------------------------


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


numbers = st.tuples(_digits(5), st.one_of(_digits(2), st.sampled_from(["2A", "2B"])), _digits(6)).map("".join)


@FAST
@given(numbers)
def test_key_agrees_with_stdnum_and_oracle(number: str) -> None:
    key = compute_key(number)
    assert key == oracle_key(number) == nir.calc_check_digits(number)
    assert int(key) in range(1, 98)
    assert is_matricule(number + key)


@FAST
@given(numbers, st.integers(min_value=0, max_value=12), st.sampled_from("0123456789"))
def test_single_digit_substitution_changes_the_key(number: str, position: int, digit: str) -> None:
    if number[position] == digit or not number[position].isdigit():
        return
    altered = number[:position] + digit + number[position + 1 :]
    if is_number(altered):
        assert compute_key(altered) != compute_key(number)


@FAST
@given(st.text(alphabet="0123456789AB2a ", min_size=0, max_size=16))
def test_shape_matches_the_documented_regex_by_hand(text: str) -> None:
    by_hand = (
        len(text) == 13
        and all(c in "0123456789" for c in text[:5] + text[7:])
        and (text[5:7] in ("2A", "2B") or all(c in "0123456789" for c in text[5:7]))
    )
    assert is_number(text) is by_hand
