"""Matricule INS (NIR or NIA): its shape and its key.

A matricule is 13 characters plus a 2-digit key: sex digit, year, month,
birth place (5 characters, the department being 2A/2B for Corsica) and order
number. NIR and NIA share this shape; tell them apart by the OID (``oids``).

The key is 97 - (N mod 97) with 2A -> 19 and 2B -> 18; the arithmetic is
``stdnum.fr.nir.calc_check_digits`` (independent, widely used code), reached
only after our own ASCII shape check (stdnum accepts separators and lower case).
"""

from __future__ import annotations

import re

from stdnum.fr import nir as _stdnum_nir

NUMBER = re.compile(r"[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}")
"""The 13 characters before the key (ASCII digits, 2A/2B upper case as the department); use ``fullmatch``."""

MATRICULE = re.compile(NUMBER.pattern + r"[0-9]{2}")
"""The 15-character form (number + key) that CDA, HL7 and XDS carry; use ``fullmatch``."""

_KEY = re.compile(r"[0-9]{2}")


def is_number(text: str) -> bool:
    """True for a 13-character matricule (no key); exact, no trimming or case folding."""
    return bool(NUMBER.fullmatch(text))


def is_key(text: str) -> bool:
    """True for a key in its written form: 2 ASCII digits (right or wrong for its number)."""
    return bool(_KEY.fullmatch(text))


def is_matricule(text: str) -> bool:
    """True for the 15-character form; says nothing about whether the key is right."""
    return bool(MATRICULE.fullmatch(text))


def compute_key(number: str) -> str:
    """The 2-digit key of a 13-character matricule; ValueError when ``number`` is not one."""
    if not is_number(number):
        raise ValueError(f"{number!r} is not a 13-character matricule INS")
    return _stdnum_nir.calc_check_digits(number)
