"""Strict traits as INSi reads and compares them: names, sex, birth date, birth place (COG)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

INSI_SEXES = ("M", "F")
"""The sex codes INSi takes and returns."""

_NORMALISED_NAME = re.compile(r"[A-Z]+(?:[ '-][A-Z]+)*")
_COG = re.compile(r"(?:[0-9]{2}|2A|2B)[0-9]{3}")
_LUNAR_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_SPACES = re.compile(r"\s+")
_CACHED_LENGTH = 200
"""Names up to this length are memoised: fixture identities are folded once, not on every search."""


def fold_name(text: str | None) -> str:
    """Upper case, accents removed, whitespace collapsed: how INSi compares names ('' for None)."""
    if not text:
        return ""
    return _fold(text) if len(text) <= _CACHED_LENGTH else _fold.__wrapped__(text)


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.replace("\u00a0", " ")).strip().upper()


def is_normalised_name(text: str) -> bool:
    """A name in the INSi form: words of A-Z joined by one space, hyphen or apostrophe."""
    return bool(_NORMALISED_NAME.fullmatch(text))


def is_valid_cog(value: str | None) -> bool:
    """Five characters: ASCII digits, or 2A/2B then 3 digits (exact, no trimming)."""
    return isinstance(value, str) and bool(_COG.fullmatch(value))


def lunar_date_fault(text: str) -> Literal["form", "range"] | None:
    """None for an INSi DateLunaire (YYYY-MM-DD, month 00-12, day 00-31: unknown parts are 00).

    "form" when ``text`` is not YYYY-MM-DD, "range" when its month or day is out of bounds.
    """
    match = _LUNAR_DATE.fullmatch(text)
    if not match:
        return "form"
    return "range" if int(match.group(2)) > 12 or int(match.group(3)) > 31 else None
