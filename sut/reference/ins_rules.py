"""The reference SUT's own INS rules: matricule key and OID meaning.

Deliberately independent of `segur_harness.ins` (the harness's rules), so a
bug there cannot make the SUT and the harness agree. The key arithmetic is
python-stdnum's, which already substitutes 2A -> 19 and 2B -> 18.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stdnum.fr import nir as stdnum_nir

if TYPE_CHECKING:
    from .model import Identity
    from .settings import SutSettings

OID_KINDS: dict[str, str] = {
    "1.2.250.1.213.1.4.8": "NIR",
    "1.2.250.1.213.1.4.9": "NIA",
    "1.2.250.1.213.1.4.10": "NIR",  # test identities
    "1.2.250.1.213.1.4.11": "NIR",  # demonstration identities
}
"""OIDs under which INSi returns a usable INS, and whether the matricule is a NIR or a NIA."""

NIR_OID = "1.2.250.1.213.1.4.8"

_NUMBER = re.compile(r"[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}")
_KEY = re.compile(r"[0-9]{2}")


@dataclass(frozen=True)
class KeyCheck:
    """Outcome of checking one matricule key; `reason` explains a refusal to the user."""

    ok: bool
    expected: str | None
    reason: str = ""


def expected_key(number: str, *, naive_corsica: bool = False) -> str:
    """The key of a 13-character matricule.

    `naive_corsica` reproduces a classic bug (defect `naive-corsica-key`):
    reading the letters of 2A/2B as 0 instead of substituting 19/18.
    """
    if naive_corsica:
        digits = number.replace("A", "0").replace("B", "0")
        return f"{97 - int(digits) % 97:02d}"
    return stdnum_nir.calc_check_digits(number)


def check_key(number: str, key: str, *, naive_corsica: bool = False) -> KeyCheck:
    """Is `key` the right key for `number`? Malformed values are refused with a reason."""
    if not _NUMBER.fullmatch(number or ""):
        return KeyCheck(False, None, f"matricule INS mal formé : {number!r}")
    if not _KEY.fullmatch(key or ""):
        return KeyCheck(False, None, f"clé du matricule INS mal formée : {key!r}")
    expected = expected_key(number, naive_corsica=naive_corsica)
    if expected != key:
        return KeyCheck(False, expected, f"clé du matricule INS {number} incorrecte : {key} reçue, {expected} attendue")
    return KeyCheck(True, expected)


def matricule_kind(oid: str) -> str | None:
    """'NIR' or 'NIA' for an INS OID (never guessed from the digits), None for an unknown OID."""
    return OID_KINDS.get(oid)


def shares_ins(identity: Identity, settings: SutSettings) -> bool:
    """RNIV: only a qualified identity is transmitted with its INS (documents and exports alike)."""
    return identity.ins is not None and (identity.status == "QUAL" or settings.has("shares-ins-of-unqualified"))
