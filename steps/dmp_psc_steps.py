"""Steps about the DMP reached through its Pro Santé Connect entry (DMP/PSC.01): no VIHF of the SUT, the PSC token."""

from __future__ import annotations

from typing import Any

from pytest_bdd import then

from segur_harness.ins.patient_id import xds_patient_id

from .context import ScenarioContext
from .mock_admin import MockAdmin
from .psc_steps import professional

PSC_ENTRY = "/psc/"


@then("le DMP a reçu chaque requête par son entrée Pro Santé Connect, avec le jeton du professionnel et l'INS du "
      "patient")
def dmp_through_psc(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    rpps, _ = professional(ctx)
    found: list[dict[str, Any]] = dmp.exchanges(ctx.scenario_id)
    assert found, "le DMP n'a rien reçu du SUT dans ce scénario"
    direct = [f"{e['operation']} {e.get('path')}" for e in found if PSC_ENTRY not in str(e.get("path") or "")]
    assert not direct, (f"le SUT a appelé le DMP avec son propre VIHF, et non par l'entrée Pro Santé Connect de son "
                        f"utilisateur connecté : {direct}")
    ins = (ctx.extra.get("dmp_identity") or {}).get("ins") or {}
    wanted = xds_patient_id(f"{ins.get('matricule')}{ins.get('key')}", str(ins.get("oid")))
    for exchange in found:
        headers = {k.lower(): v for k, v in (exchange.get("request_headers") or {}).items()}
        assert str(headers.get("authorization", "")).lower().startswith("bearer "), (
            f"{exchange['operation']} : pas de jeton Bearer Pro Santé Connect dans la requête du SUT")
        assert headers.get("x-patientins") == wanted, (
            f"{exchange['operation']} : X-PatientINS {headers.get('x-patientins')!r}, le patient {wanted} attendu")
        errors = [f"{f['rule']}: {f['message']}" for f in exchange.get("findings") or []
                  if f.get("severity") == "error"]
        if exchange.get("status") == 401 and errors and all(e.startswith("DMP-PSC-JETON") for e in errors):
            continue  # an expired token refused by the gateway: the SUT must then refresh and call again
        assert not errors, f"{exchange['operation']} par l'entrée Pro Santé Connect a été refusée : {errors}"
        notes = [f for f in exchange.get("findings") or [] if f.get("rule") == "DMP-PSC"]
        assert notes and f"8{rpps}" in notes[0]["message"], (
            f"{exchange['operation']} : la passerelle n'a pas vu le jeton du professionnel 8{rpps} : {notes}")
