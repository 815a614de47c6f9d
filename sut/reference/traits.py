"""Identity traits as the reference SUT stores and compares them.

RNIV compares strict traits after the normalisation INSi applies (upper case,
no diacritics, hyphen and apostrophe kept). The SUT keeps its own tiny copy of
that rule rather than importing the harness's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

_NOT_KEPT = re.compile(r"[^A-Z'\- ]")
_SPACES = re.compile(r" +")
SEXES = ("M", "F", "I")


def normalize(text: str | None) -> str:
    """Upper case A-Z without accents; hyphen/apostrophe kept; other characters become one space."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.upper().replace("Œ", "OE").replace("Æ", "AE"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")
    return _SPACES.sub(" ", _NOT_KEPT.sub(" ", plain)).strip()


@dataclass
class Traits:
    """The strict traits plus the used first name (not strict, never sent to INSi)."""

    birth_name: str
    birth_first_names: list[str]
    sex: str
    birth_date: str
    birth_place_cog: str | None = None
    used_first_name: str | None = None
    used_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def first_first_name(self) -> str:
        return self.birth_first_names[0] if self.birth_first_names else ""

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("extra")
        return out


@dataclass(frozen=True)
class ReturnedTraits:
    """The TIQ block of an INSi answer (traits as INSi knows them)."""

    birth_name: str
    first_name: str
    first_names: list[str]
    sex: str
    birth_date: str
    birth_place_cog: str | None


def differences(local: Traits, returned: ReturnedTraits) -> list[str]:
    """Names of the strict traits that do not match; empty when INSi's identity is the local one.

    The first birth first name must match; the local list must be a prefix of
    INSi's list (a patient often gives fewer first names than the registry holds).
    The birth place is compared only when both sides know it.
    """
    diffs: list[str] = []
    if normalize(local.birth_name) != normalize(returned.birth_name):
        diffs.append("birth_name")
    local_names = [normalize(n) for n in local.birth_first_names]
    insi_names = [normalize(n) for n in returned.first_names] or [normalize(returned.first_name)]
    if not local_names or insi_names[: len(local_names)] != local_names:
        diffs.append("birth_first_names")
    if local.sex.upper() != returned.sex.upper():
        diffs.append("sex")
    if local.birth_date != returned.birth_date:
        diffs.append("birth_date")
    if local.birth_place_cog and returned.birth_place_cog and (
        local.birth_place_cog.upper() != returned.birth_place_cog.upper()
    ):
        diffs.append("birth_place_cog")
    return diffs
