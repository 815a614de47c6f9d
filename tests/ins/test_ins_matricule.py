"""Matricule INS: public CNDA test identities, Corsica, errors, and properties."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.fr import nir

from segur_harness.ins import (
    InvalidMatricule,
    compute_key,
    is_valid_key,
    parse_matricule,
    validate_matricule,
)
from segur_harness.ins.matricule import SEX_DIGITS

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
    assert is_valid_key(number + key) is valid
    assert is_valid_key(number, key) is valid
    assert (compute_key(number) == key) is valid
    assert nir.is_valid(number + key) is valid, "stdnum disagrees with the expected validity"
    assert parse_matricule(number + key).full == number + key


def test_hermann_gatien_key_is_wrong_and_says_which_is_right() -> None:
    matricule = parse_matricule("181036322045660")
    assert not matricule.key_is_valid
    assert matricule.expected_key == "76"
    with pytest.raises(InvalidMatricule, match=r"is 60; it should be 76"):
        validate_matricule("181036322045660")


@pytest.mark.parametrize(
    ("full", "department", "commune"),
    [("297022A02077878", "2A", "020"), ("160012B02077713", "2B", "020"), ("180032B02040123", "2B", "020")],
)
def test_corsican_matricules(full: str, department: str, commune: str) -> None:
    matricule = validate_matricule(full)
    assert matricule.is_corsica
    assert (matricule.department, matricule.commune) == (department, commune)
    assert compute_key(full[:13]) == oracle_key(full[:13]) == full[13:]


def test_corsican_key_differs_from_naive_digits() -> None:
    # Reading 2A as 19 vs 2B as 18 must change the key; a swap of the letter is caught.
    assert compute_key("297022A020778") != compute_key("297022B020778")


def test_structure_fields() -> None:
    m = parse_matricule("109076322083489")
    assert (m.sex_digit, m.year, m.month, m.birth_place, m.department, m.commune, m.order) == (
        "1",
        "09",
        "07",
        "63220",
        "63",
        "220",
        "834",
    )
    assert not m.is_corsica and not m.born_abroad


def test_overseas_department_has_three_digits() -> None:
    m = parse_matricule("1850597411123", "00")
    assert (m.department, m.commune) == ("974", "11")


def test_born_abroad() -> None:
    m = parse_matricule("1850599135123", "00")
    assert m.born_abroad and m.department == "99" and m.commune == "135"


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        (None, None, "No matricule"),
        ("", None, "15 characters"),
        ("2970", None, "15 characters"),
        ("297022A020778", None, "no key"),
        ("297022a02077878", None, "upper case"),
        ("297022C02077878", None, "malformed"),
        ("2970 2A020778", "78", "malformed"),
        (" 97022A02077878", None, "malformed"),
        ("597022A02077878", None, "first digit"),
        ("297022A020778", "7", "2 ASCII digits"),
        ("297022A020778", "7a", "2 ASCII digits"),
        ("2970222020778", "٧٨", "2 ASCII digits"),
        ("2970٢2A020778", "78", "malformed"),
        ("297022A0207781", "8", "13 characters"),
    ],
)
def test_unreadable_matricules_raise_invalid_matricule(text: str, key: str | None, fragment: str) -> None:
    with pytest.raises(InvalidMatricule, match=fragment) as caught:
        parse_matricule(text, key)
    assert caught.value.reason[0].isupper() and caught.value.reason.endswith(".")
    assert not is_valid_key(text, key)


def test_non_text_raises_invalid_matricule() -> None:
    with pytest.raises(InvalidMatricule, match="must be text"):
        parse_matricule(2970222020778, "78")  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------------


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


_place = st.one_of(
    st.tuples(_digits(2), _digits(3)).map("".join),
    st.tuples(st.sampled_from(["2A", "2B"]), _digits(3)).map("".join),
    st.tuples(st.sampled_from(["97", "98"]), _digits(3)).map("".join),
    st.tuples(st.just("99"), _digits(3)).map("".join),
)
numbers = st.tuples(st.sampled_from(sorted(SEX_DIGITS)), _digits(4), _place, _digits(3)).map("".join)
corsican_numbers = st.tuples(
    st.sampled_from(sorted(SEX_DIGITS)), _digits(4), st.sampled_from(["2A", "2B"]), _digits(6)
).map("".join)


@FAST
@given(numbers)
def test_key_round_trips_and_agrees_with_stdnum_and_oracle(number: str) -> None:
    key = compute_key(number)
    assert key == oracle_key(number)
    assert key == nir.calc_check_digits(number)
    assert int(key) in range(1, 98)
    assert is_valid_key(number + key) and nir.is_valid(number + key)
    matricule = validate_matricule(number, key)
    assert parse_matricule(matricule.full) == matricule
    assert matricule.full == number + key


@FAST
@given(corsican_numbers)
def test_corsican_key_round_trip(number: str) -> None:
    key = compute_key(number)
    assert key == oracle_key(number) == nir.calc_check_digits(number)
    assert parse_matricule(number + key).is_corsica
    assert is_valid_key(number + key)


@FAST
@given(numbers, st.integers(min_value=0, max_value=99))
def test_any_other_key_is_rejected(number: str, other: int) -> None:
    wrong = f"{other:02d}"
    if wrong == compute_key(number):
        wrong = f"{(other + 1) % 100:02d}"
    assert not is_valid_key(number + wrong)
    assert not nir.is_valid(number + wrong)


@FAST
@given(numbers, st.integers(min_value=0, max_value=14), st.sampled_from("0123456789"))
def test_single_digit_substitution_is_detected(number: str, position: int, digit: str) -> None:
    full = number + compute_key(number)
    assume(full[position] != digit and full[position].isdigit())
    altered = full[:position] + digit + full[position + 1 :]
    assert not is_valid_key(altered)


@FAST
@given(st.text(max_size=20), st.one_of(st.none(), st.text(max_size=3)))
def test_parser_only_raises_invalid_matricule(text: str, key: str | None) -> None:
    try:
        matricule = parse_matricule(text, key)
    except InvalidMatricule as exc:
        assert exc.reason
    else:
        assert len(matricule.full) == 15
    assert isinstance(is_valid_key(text, key), bool)


@FAST
@given(st.text(alphabet="0123456789AB2 ", min_size=13, max_size=15))
def test_parser_on_near_miss_text(text: str) -> None:
    try:
        matricule = parse_matricule(text)
    except InvalidMatricule:
        assert not is_valid_key(text)
    else:
        assert matricule.full == text
        assert is_valid_key(text) is (compute_key(text[:13]) == text[13:])
