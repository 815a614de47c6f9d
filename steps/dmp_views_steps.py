"""Steps about what the DMP does with the SUT's requests, read on the DMP mock's admin API.

The patient and their legal representatives read their DMP in Mon Espace Santé,
which no LPS transaction shows: the mock's views (mocks/dmp/views.py) say what
each reader sees, so a confidentiality choice is proved by the registry's
behaviour, not only by the code the SUT sent. Likewise the state of a DMP the
SUT created or reactivated.
"""

from __future__ import annotations

from typing import Any

from pytest_bdd import parsers, then

from .cda_document_steps import last_document
from .context import ScenarioContext
from .dmp_wire import patient_state, patient_view, registry_entry
from .dmp_wire_steps import dmp_identity, unique_id_of
from .mock_admin import MockAdmin
from .tables import feature_word

READERS = {
    "au patient": "patient",
    "aux représentants légaux du patient": "representant-legal",
    "aux professionnels": "professionnel",
}
DMP_STATES = {"ouvert": "OUVERT", "fermé": "FERME", "absent": "ABSENT"}


def _patient_ins(ctx: ScenarioContext) -> tuple[str, str]:
    ins = dmp_identity(ctx).get("ins") or {}
    return f"{ins.get('matricule', '')}{ins.get('key', '')}", str(ins.get("oid", ""))


def _seen_by(dmp: MockAdmin, ctx: ScenarioContext, who: str) -> tuple[str, dict[str, Any], bool]:
    """(uniqueId of the scenario's document, its registry entry, whether reader `who` is shown it)."""
    vue = feature_word(READERS, who, "lecteur")
    unique = unique_id_of(last_document(ctx))
    entry = registry_entry(unique)
    assert entry is not None and entry["status"] != "Deleted", (
        f"le DMP ne détient pas le document {unique} que le SUT devait y verser : rien à présenter {who}")
    shown = [d.get("unique_id") for d in patient_view(dmp, *_patient_ins(ctx), vue)["documents"]]
    return unique, entry, unique in shown


@then(parsers.parse("Mon Espace Santé ne présente pas ce document {who}"))
def not_shown(dmp: MockAdmin, ctx: ScenarioContext, who: str) -> None:
    unique, entry, shown = _seen_by(dmp, ctx, who)
    assert not shown, (
        f"le DMP présente le document {unique} {who} : avec la confidentialité que le SUT a enregistrée "
        f"({', '.join(entry['confidentiality'])}), l'exigence demande qu'il ne le soit pas")


@then(parsers.parse("Mon Espace Santé présente ce document {who}"))
def shown_in_espace_sante(dmp: MockAdmin, ctx: ScenarioContext, who: str) -> None:
    unique, entry, shown = _seen_by(dmp, ctx, who)
    assert shown, (
        f"le DMP ne présente pas le document {unique} {who} : la confidentialité que le SUT a enregistrée "
        f"({', '.join(entry['confidentiality'])}) le cache, alors que l'exigence demande qu'il le reste")


@then("le DMP présente ce document aux professionnels")
def shown_to_professionals(dmp: MockAdmin, ctx: ScenarioContext) -> None:
    shown_in_espace_sante(dmp, ctx, "aux professionnels")


@then(parsers.parse("le DMP du patient est \"{word}\""))
def dmp_state(dmp: MockAdmin, ctx: ScenarioContext, word: str) -> None:
    expected = feature_word(DMP_STATES, word, "état de DMP")
    ins, oid = _patient_ins(ctx)
    found = patient_state(dmp, ins, oid).get("dmp_status")
    assert found == expected, (
        f"le DMP du patient {ins} est {found} dans le DMP, l'exigence demande qu'il soit {expected} ({word}) "
        "après l'action du SUT")
