"""The DMP's Pro Santé Connect entry (ANS "API Pro Santé Connectée"): the VIHF built from the professional's PSC login.

An LPS whose user logged in with Pro Santé Connect sends the same SOAP request
to <base>/psc/<service>, without a VIHF of its own, with three HTTP headers:

  Authorization: Bearer <PSC access token>
  X-WorkSituation: <codeProfession><codeCategorieProfessionnelle> of the exercice it acts in (e.g. 10C)
  X-PatientINS: the patient, as the VIHF resource-id carries it (<INS>^^^&<OID>&ISO^NH)

ANS's gateway asks PSC's userinfo whose token it is, builds the VIHF the DMP
sees (structure, LPS and homologation from its own settings, Authentification
mode INDIRECTE, subject from userinfo, role from the work situation's
exercice, resource-id from X-PatientINS, purposeofuse normal), signs it and
forwards the request. This module does the same and hands the transaction the
Vihf it built, so every DMP rule (resource-id = the request's patient,
structure, purposeofuse) then applies as for a VIHF the LPS signed itself.
Refusals are the gateway's: HTTP 401 (token) or 400 (headers) with a JSON body.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import requests
from flask import Request

from segur_harness import keepalive
from segur_harness.mocks.framework import MockResult
from segur_harness.store import Finding

from .context import Vihf

PREFIX = "/psc"
"""Path prefix of the Pro Santé Connect entry: /psc/patients, /psc/registry, /psc/repository."""
WORK_SITUATION = "X-WorkSituation"
PATIENT_INS = "X-PatientINS"
RESOURCE_ID = re.compile(r"^([0-9AB]{15})\^\^\^&([0-9.]+)&ISO\^NH$")
JSON_CT = "application/json; charset=utf-8"


@dataclass(frozen=True)
class GatewaySettings:
    """[mocks.dmp.psc_gateway]: where userinfo is, and what the gateway writes in the VIHFs it builds."""

    userinfo_url: str
    timeout: float
    structure_id: str
    lps_name: str
    lps_version: str
    homologation: str
    signer_subject: str

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> GatewaySettings:
        mocks = cfg.get("mocks", {})
        section = mocks.get("dmp", {}).get("psc_gateway", {})
        host = mocks.get("host", "127.0.0.1")
        psc_port = mocks.get("psc", {}).get("port", 18083)
        return cls(
            userinfo_url=str(section.get("userinfo_url") or f"http://{host}:{psc_port}/userinfo"),
            timeout=float(section.get("timeout_seconds", 5.0)),
            structure_id=str(section.get("structure_id", "11750000016")),
            lps_name=str(section.get("lps_name", "PROSANTECONNECT_API_PROXY")),
            lps_version=str(section.get("lps_version", "1.0")),
            homologation=str(section.get("homologation", "TEST-DMP-HOMOL-0001")),
            signer_subject=str(section.get("signer_subject", "CN=Passerelle API Pro Santé Connectée (mock)")),
        )


class GatewayRefusal(Exception):
    """The gateway answers before the DMP: `result` is the HTTP answer."""

    def __init__(self, result: MockResult) -> None:
        super().__init__(result.status)
        self.result = result


def _refuse(status: int, error: str, message: str, operation: str, rule: str) -> GatewayRefusal:
    body = json.dumps({"error": error, "message": message, "http_status_code": status}, ensure_ascii=False)
    headers = {"WWW-Authenticate": f'Bearer error="{error}"'} if status == 401 else {}
    result = MockResult(status, body.encode("utf-8"), JSON_CT, operation, findings=[Finding("error", rule, message)],
                        headers=headers)
    return GatewayRefusal(result)


def _userinfo(settings: GatewaySettings, token: str, operation: str) -> dict[str, Any]:
    try:
        answer = keepalive.request("GET", settings.userinfo_url, headers={"Authorization": f"Bearer {token}"},
                                   timeout=settings.timeout)
    except requests.RequestException as exc:
        raise _refuse(503, "temporarily_unavailable", f"Pro Santé Connect injoignable ({settings.userinfo_url}) : "
                      f"{type(exc).__name__}", operation, "DMP-PSC-INDISPONIBLE") from None
    if answer.status_code == 401:
        raise _refuse(401, "invalid_token", "Jeton d'accès Pro Santé Connect invalide, expiré ou révoqué "
                      "(userinfo 401).", operation, "DMP-PSC-JETON")
    try:
        claims = answer.json() if answer.status_code == 200 else None
    except ValueError:
        claims = None
    if not isinstance(claims, dict):
        raise _refuse(503, "temporarily_unavailable", f"Réponse userinfo inexploitable (HTTP {answer.status_code}).",
                      operation, "DMP-PSC-INDISPONIBLE")
    return claims


def _exercice(claims: dict[str, Any], situation: str) -> dict[str, Any] | None:
    exercices = (claims.get("SubjectRefPro") or {}).get("exercices") or []
    return next((e for e in exercices if isinstance(e, dict)
                 and f"{e.get('codeProfession', '')}{e.get('codeCategorieProfessionnelle', '')}" == situation), None)


def vihf_from_psc(settings: GatewaySettings, request: Request, soap_headers: list[Any], operation: str,
                  rules: dict[str, Any]) -> tuple[Vihf, Finding]:
    """The VIHF the gateway builds for `request`; GatewayRefusal when it cannot."""
    if any(str(getattr(h, "tag", "")).endswith("}Security") for h in soap_headers):
        raise _refuse(400, "invalid_request", "Requête reçue avec un en-tête wsse:Security : sur l'API Pro Santé "
                      "Connectée, le VIHF est construit par la passerelle, le LPS n'en transmet pas.", operation,
                      "DMP-PSC-VIHF")
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _refuse(401, "invalid_token", "En-tête Authorization: Bearer <jeton d'accès Pro Santé Connect> absent.",
                      operation, "DMP-PSC-JETON")
    situation = (request.headers.get(WORK_SITUATION) or "").strip()
    resource_id = (request.headers.get(PATIENT_INS) or "").strip()
    matched = RESOURCE_ID.match(resource_id)
    if matched is None:
        raise _refuse(400, "invalid_request", f"En-tête {PATIENT_INS} « {resource_id} » : <INS>^^^&<OID>&ISO^NH "
                      "attendu.", operation, "DMP-PSC-PATIENT")
    claims = _userinfo(settings, token.strip(), operation)
    exercice = _exercice(claims, situation)
    if exercice is None:
        raise _refuse(400, "invalid_request", f"En-tête {WORK_SITUATION} « {situation} » : aucune situation "
                      "d'exercice du professionnel ne correspond (codeProfession + codeCategorieProfessionnelle).",
                      operation, "DMP-PSC-SITUATION")
    activity = next(iter(exercice.get("activities") or []), {}) or {}
    roles = [(str(exercice.get("codeProfession", "")), rules["profession_system"])]
    if exercice.get("codeSavoirFaire"):
        roles.append((str(exercice["codeSavoirFaire"]), rules["specialty_system"]))
    national_id = str(claims.get("SubjectNameID") or claims.get("preferred_username") or "")
    vihf = Vihf(
        assertion_id=f"_{uuid.uuid4()}", subject_id=national_id,
        subject_name=f"{claims.get('family_name', '')} {claims.get('given_name', '')}".strip(),
        structure_id=settings.structure_id,
        secteur=(str(activity.get("codeSecteurDActivite", "")), rules["secteur_system"]), roles=roles,
        authentication_mode="INDIRECTE", purpose="normal", resource_id=resource_id, ins=matched.group(1),
        ins_oid=matched.group(2), lps_name=settings.lps_name, lps_version=settings.lps_version,
        homologation=settings.homologation, signer_subject=settings.signer_subject,
    )
    note = Finding("info", "DMP-PSC", f"API Pro Santé Connectée : jeton actif de {national_id}, situation d'exercice "
                                      f"{situation}, patient {resource_id} ; VIHF construit par la passerelle")
    return vihf, note
