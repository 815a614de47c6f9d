"""PSC-style claims of a logged-in professional (userinfo, ID token, access token).

Shape of Pro Santé Connect's userinfo: SubjectNameID / preferred_username are
the national id "8" + RPPS, SubjectRefPro carries the exercices (profession
G15, savoir-faire R01/R02, activities), acr the eIDAS level.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from .data import AuthMode, Professional

SUB_NAMESPACE = uuid.UUID("6f1c1bb5-9a62-4d55-8a3e-5f3b2f6f3c01")
"""Harness choice: PSC's sub is an opaque federated id; the mock derives a stable one from the national id."""
PROFESSION_OID = "1.2.250.1.213.1.1.5.5"
"""SubjectRole entries are "<codeProfession>^<OID of TRE_G15 as PSC spells it>"."""


@dataclass(frozen=True)
class Login:
    """One authentication of a professional: who, how, in which session, when."""

    professional: Professional
    mode: AuthMode
    sid: str
    auth_time: int

    def get_user_id(self) -> str:
        return subject(self.professional)


def subject(pro: Professional) -> str:
    return f"f:{uuid.uuid5(SUB_NAMESPACE, pro.national_id)}:{pro.national_id}"


def _exercice(pro: Professional, e: dict[str, str]) -> dict[str, Any]:
    activity = {k: e.get(k, "") for k in ("codeModeExercice", "codeSecteurDActivite", "numeroFinessSite",
                                            "raisonSocialeSite")}
    return {
        "codeProfession": e.get("codeProfession", ""),
        "codeCategorieProfessionnelle": e.get("codeCategorieProfessionnelle", ""),
        "codeCiviliteDExercice": e.get("codeCiviliteDExercice", ""),
        "nomDExercice": pro.family_name,
        "prenomDExercice": pro.given_name,
        "codeTypeSavoirFaire": e.get("codeTypeSavoirFaire", ""),
        "codeSavoirFaire": e.get("codeSavoirFaire", ""),
        "activities": [activity],
    }


def user_claims(login: Login) -> dict[str, Any]:
    """The userinfo claims (also in the ID token) of `login`."""
    pro = login.professional
    exercices = [_exercice(pro, e) for e in pro.exercices]
    organisation = next((e.get("raisonSocialeSite", "") for e in pro.exercices if e.get("raisonSocialeSite")), "")
    return {
        "sub": subject(pro),
        "SubjectNameID": pro.national_id,
        "preferred_username": pro.national_id,
        "given_name": pro.given_name,
        "family_name": pro.family_name,
        "SubjectRefPro": {"codeCivilite": pro.civilite, "exercices": exercices},
        "SubjectRole": sorted({f"{e['codeProfession']}^{PROFESSION_OID}" for e in exercices if e["codeProfession"]}),
        "SubjectOrganization": organisation,
        "otherIds": [{"identifiant": pro.national_id, "origine": "RPPS", "qualite": 1}],
        "acr": login.mode.acr,
    }
