"""REM labels, severity and description of an Allure result (segur_harness.allure_labels)."""

from __future__ import annotations

from segur_harness.allure_labels import (
    OUTSIDE_CATALOGUE,
    requirement_title,
    requirements_of,
    result_description,
    result_labels,
    severity,
    short_text,
)
from segur_harness.catalogue import Proof, Requirement, Scenario, load_catalogue


def requirement(**changes: object) -> Requirement:
    base = dict(
        id="INS/va1.41", section_id="INS", section="Identité nationale de santé", nature="EXIGENCE",
        criticite="CRITICAL", vague="Vague 1", enonce="Le matricule INS est géré sur 15 caractères : 13 et une clé.",
        source="ans-draft", in_scope=True, couloirs=("DPI", "LGC"),
        scenarios=(Scenario("INS/va1.41.01", "Clé erronée refusée",
                            (Proof("INS/va1.41.01.01", "Réponse de l'adaptateur"),
                             Proof("INS/va1.41.01.02", "Trace"))),),
    )  # fmt: skip
    base.update(changes)
    return Requirement(**base)  # type: ignore[arg-type]


def values(labels: list[tuple[str, str]], name: str) -> list[str]:
    return [v for n, v in labels if n == name]


def test_the_tree_is_section_then_requirement_then_scenario():
    labels = result_labels([requirement()], "INS/va1.41.01", "Clé erronée refusée")
    assert values(labels, "parentSuite") == ["INS — Identité nationale de santé"]
    assert values(labels, "suite") == ["INS/va1.41 — Le matricule INS est géré sur 15 caractères : 13 et une clé."]
    assert values(labels, "subSuite") == ["INS/va1.41.01 — Clé erronée refusée"]


def test_each_result_names_its_requirement_scenario_and_proofs():
    labels = result_labels([requirement()], "INS/va1.41.01", "Clé erronée refusée")
    assert values(labels, "exigence") == ["INS/va1.41"]
    assert values(labels, "énoncé") == ["Le matricule INS est géré sur 15 caractères : 13 et une clé."]
    assert values(labels, "nature") == ["EXIGENCE"]
    assert values(labels, "criticité") == ["CRITICAL"]
    assert values(labels, "scénario") == ["INS/va1.41.01"]
    assert values(labels, "preuve") == ["INS/va1.41.01.01", "INS/va1.41.01.02"]
    assert values(labels, "couloir") == ["DPI", "LGC"]
    assert values(labels, "severity") == ["critical"]


def test_severity_keeps_the_three_rem_levels_apart():
    assert [severity(c) for c in ("CRITICAL", "MAJOR", "MINOR")] == ["critical", "normal", "minor"]
    assert severity("") == "normal"


def test_the_short_title_is_the_fonction_else_the_enonce_cut_at_a_word():
    assert requirement_title(requirement(fonction="Alimentation du DMP")) == "Alimentation du DMP"
    long = requirement(enonce="Avant d'alimenter le DMP d'un patient, le logiciel vérifie son existence par TD0.2 "
                              "et trace toute divergence d'INS.")  # fmt: skip
    title = requirement_title(long)
    assert title.endswith("…") and len(title) <= 71 and not title[:-1].endswith(" ")
    assert short_text("court") == "court"


def test_a_scenario_outside_the_catalogue_is_filed_apart():
    labels = result_labels([], "XX/zz.01.01", "Inconnu", tags=["REQ_XX_zz_01"])
    assert values(labels, "parentSuite") == [OUTSIDE_CATALOGUE]
    assert values(labels, "suite") == ["REQ_XX_zz_01"]
    assert values(labels, "preuve") == []


def test_the_description_gives_the_enonce_and_the_proofs_then_the_gherkin_text():
    text = result_description([requirement()], "INS/va1.41.01", "Clé erronée refusée", "Texte du feature.")
    assert text.startswith("**Exigence INS/va1.41** — Identité nationale de santé (EXIGENCE, criticité CRITICAL")
    assert "> Le matricule INS est géré sur 15 caractères" in text
    assert "- `INS/va1.41.01.02` — Trace" in text
    assert text.endswith("Texte du feature.")


def test_every_catalogue_scenario_gets_its_proofs():
    catalogue = load_catalogue()
    for req in catalogue.requirements:
        for scenario in req.scenarios:
            labels = result_labels(requirements_of(catalogue, [req.tag]), scenario.id, scenario.title)
            assert values(labels, "preuve") == [p.id for p in scenario.proofs], scenario.id
            assert values(labels, "severity") == [severity(req.criticite)]
