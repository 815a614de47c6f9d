"""Strict traits as INSi reads them: name folding and form, sex codes, lunar dates, COG."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segur_harness.ins.traits import INSI_SEXES, fold_name, is_normalised_name, is_valid_cog, lunar_date_fault

FAST = settings(max_examples=200, deadline=None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Éloïse   d'Arc-\u00a0Ñoël ", "ELOISE D'ARC- NOEL"),
        ("Dupont-Durand", "DUPONT-DURAND"),
        ("jean\tpaul\nmarie", "JEAN PAUL MARIE"),
        ("O'Neil, Jr.", "O'NEIL, JR."),  # punctuation is kept: INSi compares it as sent
        ("Strauß", "STRAUSS"),
        ("Cœur", "CŒUR"),  # NFKD does not decompose Œ
        ("", ""),
        (None, ""),
    ],
)
def test_fold_name(raw: str | None, expected: str) -> None:
    assert fold_name(raw) == expected


def test_long_names_are_folded_without_the_cache() -> None:
    assert fold_name("é" * 300) == "E" * 300


@FAST
@given(st.text(max_size=40))
def test_folding_leaves_single_inner_spaces_and_no_lower_case_ascii(text: str) -> None:
    folded = fold_name(text)
    assert folded == folded.strip() and not re.search(r"\s\s", folded)
    assert not re.search(r"[a-z]", folded)


@FAST
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèêëàâäîïôöùûüç", min_size=1, max_size=20))
def test_case_and_accents_never_make_a_difference(word: str) -> None:
    assert fold_name(word) == fold_name(word.upper()) == fold_name(fold_name(word).lower())


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("DUPONT", True),
        ("DUPONT-DURAND", True),
        ("D'ARTAGNAN", True),
        ("PIERRE PAUL", True),
        ("Dupont", False),
        ("DUPONT  DURAND", False),
        ("DUPONT-", False),
        ("ÉLOÏSE", False),
        ("", False),
    ],
)
def test_is_normalised_name(name: str, normalised: bool) -> None:
    assert is_normalised_name(name) is normalised


@FAST
@given(st.text(max_size=20))
def test_normalised_names_are_fixed_points_of_folding(text: str) -> None:
    if is_normalised_name(text):
        assert fold_name(text) == text
        assert re.fullmatch(r"[A-Z' -]+", text)


def test_insi_sexes() -> None:
    assert INSI_SEXES == ("M", "F")


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("1997-02-26", None),
        ("1980-00-00", None),  # lunar: month and day unknown
        ("1980-02-30", None),  # lunar: a day the calendar lacks
        ("1980-12-31", None),
        ("1980-13-01", "range"),
        ("1980-01-32", "range"),
        ("19970226", "form"),
        ("26/02/1997", "form"),
        ("1980-1-1", "form"),
        (" 1980-01-01", "form"),
        ("1980-01-01\n", "form"),
        ("١٩٨٠-٠١-٠١", "form"),  # non-ASCII digits
        ("", "form"),
    ],
)
def test_lunar_date_fault(text: str, fault: str | None) -> None:
    assert lunar_date_fault(text) == fault


@pytest.mark.parametrize(
    ("cog", "valid"),
    [
        ("63220", True),
        ("2A020", True),
        ("2B020", True),
        ("97411", True),
        ("99135", True),
        ("2C020", False),
        ("2a020", False),
        ("6322", False),
        ("632200", False),
        ("٦٣٢٢٠", False),
        (None, False),
    ],
)
def test_cog(cog: str | None, valid: bool) -> None:
    assert is_valid_cog(cog) is valid
