"""Strict traits: normalisation, first names, dates (lunar), COG and INSi comparison."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segur_harness.ins import (
    COMPARED_TRAITS,
    STRICT_TRAITS,
    BirthDate,
    InvalidTrait,
    Traits,
    differing_traits,
    first_first_name,
    is_born_abroad,
    is_valid_cog,
    normalize_name,
    parse_birth_date,
    split_first_names,
    traits_from_insi,
    traits_match,
)

FAST = settings(max_examples=200, deadline=None)

# Public CNDA test identities (DOMAIN.md section 2) as INSi would return them.
CNDA_TIQ = [
    {
        "NomNaissance": "ADRTROIS",
        "Prenom": "DOMINIQUE",
        "ListePrenom": "DOMINIQUE",
        "Sexe": "F",
        "DateNaissance": "1997-02-26",
        "LieuNaissance": "2A020",
    },
    {
        "NomNaissance": "ADRTROIS",
        "Prenom": "TOUSSAINT",
        "ListePrenom": "TOUSSAINT",
        "Sexe": "M",
        "DateNaissance": "1960-01-01",
        "LieuNaissance": "2B020",
    },
    {
        "NomNaissance": "ECETINSI",
        "Prenom": "PIERRE-ALAIN",
        "ListePrenom": "PIERRE-ALAIN MURIEL FLORIANT",
        "Sexe": "M",
        "DateNaissance": "2009-07-14",
        "LieuNaissance": "63220",
    },
    {
        "NomNaissance": "PROVISOIRE",
        "Prenom": "MATRICULE",
        "ListePrenom": "MATRICULE",
        "Sexe": "M",
        "DateNaissance": "2009-07-01",
        "LieuNaissance": "63220",
    },
    {
        "NomNaissance": "CORSE",
        "Prenom": "ANTHONY",
        "ListePrenom": "ANTHONY",
        "Sexe": "M",
        "DateNaissance": "1980-03-02",
        "LieuNaissance": "2B020",
    },
    {
        "NomNaissance": "HERMANN",
        "Prenom": "GATIEN",
        "ListePrenom": "GATIEN",
        "Sexe": "M",
        "DateNaissance": "1981-03-24",
        "LieuNaissance": "63220",
    },
    {
        "NomNaissance": "TCHITCHI",
        "Prenom": "CATARINA",
        "ListePrenom": "CATARINA BELLA",
        "Sexe": "F",
        "DateNaissance": "1936-06-21",
        "LieuNaissance": "63220",
    },
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Dupont-Durand", "DUPONT-DURAND"),
        ("d’Artagnan", "D'ARTAGNAN"),
        ("  Zoë   Hélène ", "ZOE HELENE"),
        ("O'Neil, Jr.", "O'NEIL JR"),
        ("Cœur Æsir", "COEUR AESIR"),
        ("Müller‐Lüdenscheidt", "MULLER-LUDENSCHEIDT"),
        ("Øster Łukasz", "OSTER LUKASZ"),
        ("Strauß", "STRAUSS"),
        ("PIERRE-ALAIN MURIEL FLORIANT", "PIERRE-ALAIN MURIEL FLORIANT"),
        ("jean_paul\tmarie", "JEAN PAUL MARIE"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_name(raw: str | None, expected: str) -> None:
    assert normalize_name(raw) == expected


@FAST
@given(st.text(max_size=40))
def test_normalisation_is_idempotent_and_uses_the_insi_alphabet(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once
    assert re.fullmatch(r"(?:[A-Z'\-]+(?: [A-Z'\-]+)*)?", once), once


@FAST
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèêëàâäîïôöùûüç", min_size=1, max_size=20))
def test_case_and_accents_never_make_a_difference(word: str) -> None:
    assert normalize_name(word) == normalize_name(word.upper()) == normalize_name(normalize_name(word).lower())


@pytest.mark.parametrize(
    ("names", "first", "count"),
    [
        ("PIERRE-ALAIN MURIEL FLORIANT", "PIERRE-ALAIN", 3),
        ("Catarina Bella", "CATARINA", 2),
        ("PIERRE PAUL JACQUES", "PIERRE", 3),
        ("  jean-   ", "JEAN-", 1),
        ("", "", 0),
        (None, "", 0),
    ],
)
def test_first_names(names: str | None, first: str, count: int) -> None:
    assert first_first_name(names) == first
    assert len(split_first_names(names)) == count


@FAST
@given(st.lists(st.from_regex(r"[A-Z]{1,8}(?:-[A-Z]{1,8})?", fullmatch=True), min_size=1, max_size=4))
def test_split_first_names_round_trips(names: list[str]) -> None:
    joined = " ".join(names)
    assert split_first_names(joined) == names
    assert first_first_name(joined) == names[0]


@pytest.mark.parametrize(
    ("text", "expected", "lunar"),
    [
        ("1997-02-26", BirthDate(1997, 2, 26), False),
        ("19970226", BirthDate(1997, 2, 26), False),
        ("26/02/1997", BirthDate(1997, 2, 26), False),
        ("1980-00-00", BirthDate(1980, 0, 0), True),
        ("1980-05-00", BirthDate(1980, 5, 0), True),
        ("1980-02-30", BirthDate(1980, 2, 30), True),
        ("2000-02-29", BirthDate(2000, 2, 29), False),
    ],
)
def test_birth_dates_including_lunar(text: str, expected: BirthDate, lunar: bool) -> None:
    parsed = parse_birth_date(text)
    assert parsed == expected
    assert parsed.is_lunar is lunar
    assert parse_birth_date(parsed.isoformat()) == parsed


@pytest.mark.parametrize("text", ["1980-13-01", "1980-01-32", "1980-1-1", "80-01-01", " 1980-01-01", "", None])
def test_unreadable_birth_dates(text: str | None) -> None:
    with pytest.raises(InvalidTrait):
        parse_birth_date(text)  # type: ignore[arg-type]


@FAST
@given(st.dates())
def test_calendar_dates_round_trip(day: dt.date) -> None:
    parsed = parse_birth_date(day.isoformat())
    assert parsed.as_date() == day and not parsed.is_lunar
    assert parse_birth_date(day.isoformat().replace("-", "")) == parsed
    assert parse_birth_date(f"{day.day:02d}/{day.month:02d}/{day.year:04d}") == parsed


@FAST
@given(st.text(max_size=12))
def test_date_parser_only_raises_invalid_trait(text: str) -> None:
    try:
        parsed = parse_birth_date(text)
    except InvalidTrait as exc:
        assert exc.reason
    else:
        assert 0 <= parsed.month <= 12 and 0 <= parsed.day <= 31


@pytest.mark.parametrize(
    ("cog", "valid", "abroad"),
    [
        ("63220", True, False),
        ("2A020", True, False),
        ("2B020", True, False),
        ("97411", True, False),
        ("99135", True, True),
        ("2C020", False, False),
        ("2a020", False, False),
        ("6322", False, False),
        ("632200", False, False),
        (None, False, False),
    ],
)
def test_cog(cog: str | None, valid: bool, abroad: bool) -> None:
    assert is_valid_cog(cog) is valid
    assert is_born_abroad(cog) is abroad


@pytest.mark.parametrize("tiq", CNDA_TIQ, ids=[t["NomNaissance"] + " " + t["ListePrenom"] for t in CNDA_TIQ])
def test_cnda_identities_match_themselves_despite_local_typing(tiq: dict[str, str]) -> None:
    returned = traits_from_insi(tiq)
    local = Traits(
        birth_name=tiq["NomNaissance"].lower(),
        first_names="  " + tiq["ListePrenom"].title() + " ",
        sex=tiq["Sexe"].lower(),
        birth_date=tiq["DateNaissance"].replace("-", ""),
        birth_place=tiq["LieuNaissance"].lower(),
        first_name=tiq["Prenom"].title(),
    )
    assert traits_match(local, returned) == []
    assert returned.effective_first_name == tiq["Prenom"]


def test_tchitchi_ola_local_first_names_diverge_from_insi() -> None:
    # Public CNDA "TCHITCHI OLA (CATARINA BELLA)": the local record says OLA CATARINA BELLA,
    # INSi knows CATARINA BELLA; both the first name and the list must be reported.
    returned = traits_from_insi(CNDA_TIQ[-1])
    local = Traits("TCHITCHI", "OLA CATARINA BELLA", "F", "1936-06-21", "63220")
    assert local.effective_first_name == "OLA"
    assert differing_traits(local, returned) == ["first_name", "first_names"]
    assert traits_match(local, returned) == [
        "first_name: local 'OLA' differs from INSi 'CATARINA'",
        "first_names: local 'OLA CATARINA BELLA' differs from INSi 'CATARINA BELLA'",
    ]


def test_explicit_first_name_wins_over_the_list() -> None:
    returned = traits_from_insi(CNDA_TIQ[-1])
    local = Traits("TCHITCHI", "CATARINA BELLA", "F", "1936-06-21", "63220", first_name="BELLA")
    assert differing_traits(local, returned) == ["first_name"]


def test_every_compared_trait_difference_is_reported_in_order() -> None:
    returned = traits_from_insi(CNDA_TIQ[2])
    local = Traits("ECETINSY", "PIERRE ALAIN", "F", "2009-07-15", "63221")
    assert differing_traits(local, returned) == list(COMPARED_TRAITS)
    assert set(STRICT_TRAITS) < set(COMPARED_TRAITS)
    messages = traits_match(local, returned)
    assert messages[0] == "birth_name: local 'ECETINSY' differs from INSi 'ECETINSI'"
    assert messages[1] == "first_name: local 'PIERRE' differs from INSi 'PIERRE-ALAIN'"
    assert [m.split(":")[0] for m in messages] == list(COMPARED_TRAITS)


def test_first_name_list_order_matters() -> None:
    returned = traits_from_insi(CNDA_TIQ[2])
    local = Traits("ECETINSI", "MURIEL PIERRE-ALAIN FLORIANT", "M", "2009-07-14", "63220", "PIERRE-ALAIN")
    assert differing_traits(local, returned) == ["first_names"]
    derived = Traits("ECETINSI", "MURIEL PIERRE-ALAIN FLORIANT", "M", "2009-07-14", "63220")
    assert differing_traits(derived, returned) == ["first_name", "first_names"]


def test_lunar_date_comparison_and_missing_birth_place() -> None:
    returned = Traits("X", "Y", "M", "1950-00-00", None)
    assert traits_match(Traits("X", "Y", "M", "19500000", None), returned) == []
    assert differing_traits(Traits("X", "Y", "M", "1950-01-00", "99135"), returned) == ["birth_date", "birth_place"]


def test_traits_from_insi_without_list_uses_prenom() -> None:
    traits = traits_from_insi({"NomNaissance": "A", "Prenom": "JEAN", "Sexe": "M", "DateNaissance": "2000-01-01"})
    assert traits.first_names == "JEAN" and traits.birth_place is None
