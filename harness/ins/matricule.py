"""Matricule INS (NIR or NIA): structure, key computation and key check.

A matricule is 13 characters plus a 2-digit key:
sex digit (1), year (2), month (2), birth place (5: department + commune, the
department being 2 characters, 2A/2B for Corsica, or 3 digits overseas 97x/98x,
99 + country code for people born abroad) and order number (3).

NIR and NIA share this structure; tell them apart by the OID (see ``oids``),
never by the digits.

The key is 97 - (N mod 97) with 2A -> 19 and 2B -> 18. We delegate that
arithmetic to ``stdnum.fr.nir.calc_check_digits`` (independent, widely used
code) after our own stricter structural check: stdnum accepts separators,
lower case and never checks the sex digit, which a conformance validator must
not let through silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.fr import nir as _stdnum_nir

SEX_DIGITS = frozenset("123478")
"""First digit values in use: 1/2 (men/women), 3/4 (foreigners being registered), 7/8 (temporary)."""

_STRUCTURE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}")
_KEY = re.compile(r"[0-9]{2}")


class InvalidMatricule(ValueError):
    """A matricule INS that cannot be read; ``reason`` is a sentence for a human."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Matricule:
    """A structurally valid matricule; ``key`` may still be wrong (see ``key_is_valid``)."""

    number: str
    """The 13 characters without the key."""
    key: str
    """The 2-digit key as given."""

    @property
    def full(self) -> str:
        """The 15-character form (what CDA and HL7 carry)."""
        return self.number + self.key

    @property
    def sex_digit(self) -> str:
        return self.number[0]

    @property
    def year(self) -> str:
        return self.number[1:3]

    @property
    def month(self) -> str:
        """Two digits; values outside 01-12 are used when the birth month is unknown."""
        return self.number[3:5]

    @property
    def birth_place(self) -> str:
        """The 5 characters of department + commune (a COG-like code)."""
        return self.number[5:10]

    @property
    def department(self) -> str:
        """2A/2B, 2 digits, or 3 digits overseas (97x, 98x)."""
        place = self.birth_place
        return place[:3] if place[:2] in ("97", "98") else place[:2]

    @property
    def commune(self) -> str:
        """Commune code within the department (country code when born abroad)."""
        return self.birth_place[len(self.department) :]

    @property
    def order(self) -> str:
        return self.number[10:13]

    @property
    def is_corsica(self) -> bool:
        return self.department in ("2A", "2B")

    @property
    def born_abroad(self) -> bool:
        return self.department == "99"

    @property
    def expected_key(self) -> str:
        return compute_key(self.number)

    @property
    def key_is_valid(self) -> bool:
        return self.key == self.expected_key


def _check_number(number: object) -> str:
    if number is None:
        raise InvalidMatricule("No matricule INS was given.")
    if not isinstance(number, str):
        raise InvalidMatricule(f"The matricule INS must be text, not {type(number).__name__}.")
    if len(number) != 13:
        raise InvalidMatricule(
            f"The matricule INS must have 13 characters before its key; {number!r} has {len(number)}."
        )
    if not _STRUCTURE.fullmatch(number):
        raise InvalidMatricule(
            f"The matricule INS {number!r} is malformed: only ASCII digits are allowed, "
            "except 2A or 2B (upper case) as the Corsican department in positions 6-7."
        )
    if number[0] not in SEX_DIGITS:
        raise InvalidMatricule(
            f"The matricule INS {number!r} starts with {number[0]!r}; the first digit must be one of "
            f"{', '.join(sorted(SEX_DIGITS))}."
        )
    return number


def compute_key(number: str) -> str:
    """The 2-digit key of a 13-character matricule (raises InvalidMatricule if malformed)."""
    return _stdnum_nir.calc_check_digits(_check_number(number))


def parse_matricule(text: str, key: str | None = None) -> Matricule:
    """Read a matricule in 15-character form, or 13 characters plus ``key``.

    Checks the structure only, so callers can report a wrong key separately
    (a wrong key is a finding, not an unreadable value). No trimming: a
    conformance check must see stray spaces.
    """
    if key is None:
        if isinstance(text, str) and len(text) == 13:
            raise InvalidMatricule(f"The matricule INS {text!r} has 13 characters but no key was given.")
        if isinstance(text, str) and len(text) != 15:
            raise InvalidMatricule(f"The matricule INS with its key must have 15 characters; {text!r} has {len(text)}.")
        if isinstance(text, str):
            text, key = text[:13], text[13:]
    number = _check_number(text)
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidMatricule(f"The key of the matricule INS must be 2 ASCII digits; got {key!r}.")
    return Matricule(number=number, key=key)


def validate_matricule(text: str, key: str | None = None) -> Matricule:
    """Like ``parse_matricule`` but also raise InvalidMatricule when the key is wrong."""
    matricule = parse_matricule(text, key)
    if not matricule.key_is_valid:
        raise InvalidMatricule(
            f"The key of the matricule INS {matricule.number} is {matricule.key}; "
            f"it should be {matricule.expected_key}."
        )
    return matricule


def is_valid_key(text: str, key: str | None = None) -> bool:
    """True when the matricule (15 chars, or 13 + ``key``) is well formed and its key is right."""
    try:
        return parse_matricule(text, key).key_is_valid
    except InvalidMatricule:
        return False
