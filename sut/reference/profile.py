"""The organisation and professionals the reference SUT writes into its documents (profile.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROFILE_FILE = Path(__file__).with_name("profile.toml")
RPPS_ROOT = "1.2.250.1.71.4.2.1"
FINESS_ROOT = "1.2.250.1.71.4.2.2"


@dataclass(frozen=True)
class Organisation:
    name: str
    finess: str
    facility_code: str
    facility_display: str
    practice_setting_code: str
    practice_setting_display: str
    house_number: str
    street_name: str
    postal_code: str
    city: str
    telecom: str
    ipp_oid: str


@dataclass(frozen=True)
class Professional:
    login: str
    rpps: str
    given: str
    family: str
    prefix: str
    suffix: str
    profession_code: str
    profession_display: str

    @property
    def national_id(self) -> str:
        """The PS national identifier as CDA carries it: '8' + RPPS."""
        return "8" + self.rpps


@dataclass(frozen=True)
class Profile:
    organisation: Organisation
    professionals: dict[str, Professional]

    def professional(self, login: str) -> Professional:
        return self.professionals.get(login) or self.professionals["default"]


@lru_cache(maxsize=1)
def profile() -> Profile:
    data = tomllib.loads(PROFILE_FILE.read_text(encoding="utf-8"))
    pros = {p["login"]: Professional(**p) for p in data["professional"]}
    return Profile(Organisation(**data["organisation"]), pros)
