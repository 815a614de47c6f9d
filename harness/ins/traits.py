"""The 5 strict identity traits and how RNIV/INSi compare them.

Strict traits: birth name, first birth first name, sex, birth date and birth
place (COG), plus the list of birth first names. Comparisons go through the same normalisation INSi applies
(upper case A-Z, no diacritics, hyphen and apostrophe kept, anything else a
single space) so a harmless accent difference is not reported as a divergence.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

STRICT_TRAITS: tuple[str, ...] = ("birth_name", "first_name", "sex", "birth_date", "birth_place")
"""The 5 strict traits (``Traits`` field names): the first birth first name is one of them."""

COMPARED_TRAITS: tuple[str, ...] = ("birth_name", "first_name", "first_names", "sex", "birth_date", "birth_place")
"""What ``trait_differences`` compares, in this order: the strict traits plus the birth first-name list."""

INSI_FIELDS: Mapping[str, str] = {
    "birth_name": "NomNaissance",
    "first_name": "Prenom",
    "first_names": "ListePrenom",
    "sex": "Sexe",
    "birth_date": "DateNaissance",
    "birth_place": "LieuNaissance",
}
"""Our field name -> INSi TIQ element name."""

SEX_VALUES = frozenset({"M", "F", "I"})
"""Sex codes RNIV knows (I = indéterminé); INSi itself returns only M or F."""


class InvalidTrait(ValueError):
    """A trait value that cannot be read; ``reason`` is a sentence for a human."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Letters NFKD does not decompose, plus apostrophe/hyphen look-alikes.
_SPECIAL = str.maketrans(
    {
        "Œ": "OE",
        "Æ": "AE",
        "Ø": "O",
        "Ł": "L",
        "Đ": "D",
        "Ð": "D",
        "Þ": "TH",
        "ẞ": "SS",
        "ß": "SS",
        "ı": "I",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "ʻ": "'",
        "`": "'",
        "´": "'",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "−": "-",
    }
)
_NOT_KEPT = re.compile(r"[^A-Z'\- ]")
_SPACES = re.compile(r" +")


def normalize_name(text: str | None) -> str:
    """Name or first-name list as INSi compares it; idempotent; None -> ''."""
    if not text:
        return ""
    text = text.upper().translate(_SPECIAL)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.upper().translate(_SPECIAL)
    text = _NOT_KEPT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def split_first_names(list_str: str | None) -> list[str]:
    """The birth first names, in order; a hyphenated composed name (JEAN-PIERRE) is one name."""
    normalized = normalize_name(list_str)
    return normalized.split(" ") if normalized else []


def first_first_name(list_str: str | None) -> str:
    """The first birth first name of a space-separated list ('' when the list is empty)."""
    names = split_first_names(list_str)
    return names[0] if names else ""


def normalize_sex(value: str | None) -> str:
    """Upper-cased, trimmed sex code ('' for None); does not map synonyms."""
    return (value or "").strip().upper()


# --- birth date -----------------------------------------------------------------------------

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_HL7_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_FR_DATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")


@dataclass(frozen=True, order=True)
class BirthDate:
    """A birth date that may be lunar: month or day 00 when unknown, or a day the calendar lacks."""

    year: int
    month: int
    day: int

    def isoformat(self) -> str:
        """The INSi DateLunaire form YYYY-MM-DD."""
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def as_date(self) -> _dt.date | None:
        """The calendar date, or None for a lunar date."""
        try:
            return _dt.date(self.year, self.month, self.day)
        except ValueError:
            return None

    @property
    def is_lunar(self) -> bool:
        return self.as_date() is None


def parse_birth_date(text: str | None) -> BirthDate:
    """Read YYYY-MM-DD (INSi), YYYYMMDD (CDA/HL7) or DD/MM/YYYY; month 00-12, day 00-31.

    Lunar dates are accepted on purpose: INSi returns them (pattern
    \\d{4}-\\d{2}-\\d{2}) for people whose exact birth date is unknown.
    """
    if not isinstance(text, str):
        raise InvalidTrait(f"A birth date must be text; got {text!r}.")
    if match := _ISO_DATE.fullmatch(text) or _HL7_DATE.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _FR_DATE.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise InvalidTrait(f"The birth date {text!r} is not in the form YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY.")
    if month > 12:
        raise InvalidTrait(f"The birth date {text!r} has month {month:02d}; it must be 00 to 12.")
    if day > 31:
        raise InvalidTrait(f"The birth date {text!r} has day {day:02d}; it must be 00 to 31.")
    return BirthDate(year, month, day)


# --- birth place (COG) ----------------------------------------------------------------------

_COG = re.compile(r"(?:[0-9]{2}|2A|2B)[0-9]{3}")


def normalize_cog(value: str | None) -> str:
    """Trimmed, upper-cased COG ('' for None), so '2a020' compares equal to '2A020'."""
    return (value or "").strip().upper()


def is_valid_cog(value: str | None) -> bool:
    """Five characters: digits, or 2A/2B then 3 digits (exact, no trimming)."""
    return isinstance(value, str) and bool(_COG.fullmatch(value))


def is_born_abroad(cog: str | None) -> bool:
    """COG 99xxx is a country code: the person was born abroad."""
    return is_valid_cog(cog) and cog is not None and cog.startswith("99")


# --- traits and comparison ------------------------------------------------------------------


@dataclass(frozen=True)
class Traits:
    """The strict traits of one identity as strings, as found locally or in an INSi TIQ.

    ``first_name`` (INSi Prenom) is optional; when absent it is the first name of ``first_names``.
    """

    birth_name: str
    first_names: str
    sex: str
    birth_date: str
    birth_place: str | None = None
    first_name: str | None = None

    @property
    def effective_first_name(self) -> str:
        return normalize_name(self.first_name) if self.first_name else first_first_name(self.first_names)


def traits_from_insi(tiq: Mapping[str, str | None]) -> Traits:
    """Build Traits from INSi TIQ element texts (NomNaissance, Prenom, ListePrenom, ...)."""
    get = tiq.get
    first_names = get("ListePrenom") or get("Prenom") or ""
    return Traits(
        birth_name=get("NomNaissance") or "",
        first_names=first_names,
        sex=get("Sexe") or "",
        birth_date=get("DateNaissance") or "",
        birth_place=get("LieuNaissance"),
        first_name=get("Prenom"),
    )


@dataclass(frozen=True)
class TraitDifference:
    trait: str
    local: str
    returned: str

    def __str__(self) -> str:
        return f"{self.trait}: local {self.local!r} differs from INSi {self.returned!r}"


def _same_date(a: str, b: str) -> bool:
    try:
        return parse_birth_date(a) == parse_birth_date(b)
    except InvalidTrait:
        return a.strip() == b.strip()


def trait_differences(local: Traits, returned: Traits) -> list[TraitDifference]:
    """Traits that differ after normalisation, in ``COMPARED_TRAITS`` order."""
    diffs: list[TraitDifference] = []

    def check(trait: str, same: bool, a: str | None, b: str | None) -> None:
        if not same:
            diffs.append(TraitDifference(trait, a or "", b or ""))

    check(
        "birth_name",
        normalize_name(local.birth_name) == normalize_name(returned.birth_name),
        local.birth_name,
        returned.birth_name,
    )
    check(
        "first_name",
        local.effective_first_name == returned.effective_first_name,
        local.effective_first_name,
        returned.effective_first_name,
    )
    check(
        "first_names",
        split_first_names(local.first_names) == split_first_names(returned.first_names),
        local.first_names,
        returned.first_names,
    )
    check("sex", normalize_sex(local.sex) == normalize_sex(returned.sex), local.sex, returned.sex)
    check("birth_date", _same_date(local.birth_date, returned.birth_date), local.birth_date, returned.birth_date)
    check(
        "birth_place",
        normalize_cog(local.birth_place) == normalize_cog(returned.birth_place),
        local.birth_place,
        returned.birth_place,
    )
    return diffs


def traits_match(local: Traits, returned: Traits) -> list[str]:
    """Human sentences, one per differing trait ('birth_name: local ... differs from INSi ...'); [] = match."""
    return [str(d) for d in trait_differences(local, returned)]


def differing_traits(local: Traits, returned: Traits) -> list[str]:
    """Just the names of the differing traits (e.g. ['birth_date'])."""
    return [d.trait for d in trait_differences(local, returned)]
