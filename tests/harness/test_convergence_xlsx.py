"""The ANS Convergence spreadsheet: `evidence export` writes its layout, `catalogue import` reads it back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from segur_harness.catalogue import load_catalogue
from segur_harness.convergence import COLUMNS, CONVERGENCE_COLUMNS
from segur_harness.evidence import write_evidence
from tests.harness.evidence_helpers import build_bundle
from tests.harness.test_cli import assert_one_line_error, segur

LAYOUT = ["Périmètre", "ID", "Chapitre", "Fonction", "Exigence", "Commentaire", "Profil", "N° scénario",
          "Scénario de conformité", "N° preuve", "Preuve", "Profil historique", "Criticité", "Ordre"]  # fmt: skip


def sheet_rows(path: Path) -> list[tuple]:
    return list(load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))


def test_export_writes_one_row_per_proof_in_the_convergence_column_order(tmp_path: Path):
    target = tmp_path / "preuves.xlsx"
    done = segur("evidence", "export", str(build_bundle(tmp_path)), "--xlsx", str(target))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = sheet_rows(target)
    assert list(rows[0][:14]) == LAYOUT == list(CONVERGENCE_COLUMNS)
    assert list(rows[0][14:17]) == ["Statut", "Détail du résultat", "Preuve dans le bundle"]
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [r["N° preuve"] for r in body] == ["INS/va1.41.01.01", "INS/va1.41.01.02", "INS/va1.41.02.01",
                                               "DOC.01.01.01", "MSS/CONF.01.01.01", "DMP/CONF.01.01.01"]  # fmt: skip
    first = body[0]
    assert first["Périmètre"] == "Vague 1" and first["ID"] == "INS/va1.41" and first["N° scénario"] == "INS/va1.41.01"
    assert first["Chapitre"] == "Identité nationale de santé" and first["Exigence"].startswith("Le matricule INS")
    assert first["Preuve dans le bundle"] == "proofs/INS_va1.41.01.01.json" and first["Ordre"] == 1
    assert [r["Criticité"] for r in body] == ["Majeure"] * 3 + ["Critique", "Mineure", "Majeure"]
    assert [r["Statut"] for r in body] == ["Conforme", "Conforme", "Non conforme", "Conforme",
                                           "Non jugé (erreur du harness)", "Non exécuté (matériel manquant)"]
    assert body[2]["Détail du résultat"] == "call: AssertionError: le SUT a accepté une clé erronée"
    ins = ("Non conforme : 1 scénario réussi sur 2. En échec : INS/va1.41.02 (preuve INS/va1.41.02.01) : le SUT a "
           "accepté une clé erronée. Réussi : INS/va1.41.01 (preuves INS/va1.41.01.01, INS/va1.41.01.02).")
    assert [r["Commentaire"] for r in body[:3]] == [ins] * 3  # the requirement's summary on each of its rows
    assert body[4]["Commentaire"] == ("Non jugé (erreur du harness) : 0 scénario réussi sur 1. Non jugé par le banc "
                                      "de test (le logiciel testé n'est pas mis en cause) : MSS/CONF.01.01 (preuve "
                                      "MSS/CONF.01.01.01) : SUT adapter unreachable.")  # fmt: skip
    assert body[5]["Commentaire"].endswith("Non exécuté, matériel manquant : DMP/CONF.01.01 (preuve "
                                           "DMP/CONF.01.01.01) : no CI-SIS pack.")  # fmt: skip
    assert [r["Profil historique"] for r in body] == ["DPI"] * 3 + [None] * 3  # the couloirs; empty cells read None
    assert "Exécution" in load_workbook(target, read_only=True).sheetnames


def test_export_refuses_a_tampered_bundle(tmp_path: Path):
    from tests.harness.test_evidence_cli import rewrite

    tampered = rewrite(build_bundle(tmp_path), tmp_path / "t.zip", change="requirements.json")
    done = segur("evidence", "export", str(tampered), "--xlsx", str(tmp_path / "p.xlsx"))
    assert done.returncode == 1 and "requirements.json : modifié" in done.stdout
    assert not (tmp_path / "p.xlsx").exists()


def test_the_bundled_catalogue_round_trips_through_the_spreadsheet(tmp_path: Path):
    bundle = tmp_path / "evidence.zip"
    write_evidence(bundle, metadata={}, summary={}, exchanges=[], allure={})
    sheet = tmp_path / "rem.xlsx"
    assert segur("evidence", "export", str(bundle), "--xlsx", str(sheet)).returncode == 0
    done = segur("catalogue", "import", str(sheet), "--out", str(tmp_path / "cat"))
    assert done.returncode == 0, done.stdout + done.stderr
    original = {r.id: replace(r, file="") for r in load_catalogue().requirements}
    imported = {r.id: replace(r, file="") for r in load_catalogue(tmp_path / "cat").requirements}
    assert imported == original
    assert (tmp_path / "cat" / "ins.toml").is_file() and (tmp_path / "cat" / "catalogue.toml").is_file()


def rem_sheet(path: Path, rows: list[list], header_row: int = 3) -> Path:
    """A REM spreadsheet as ANS gives it: a title above the header, the 14 columns only, a second sheet."""
    book = Workbook()
    book.active.title = "Notice"
    book.active.append(["Lisez-moi"])
    sheet = book.create_sheet("Export Convergence")
    for _ in range(header_row - 1):
        sheet.append(["Référentiel d'exigences minimales — export"])
    sheet.append([" n° Preuve " if c == "N° preuve" else c.upper() if c == "Criticité" else c for c in LAYOUT])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_import_reads_an_ans_layout_with_french_criticite(tmp_path: Path):
    rows = [
        ["Vague 2", "MSS/CDA.01", "Messagerie", "Envoi", "Le logiciel joint le CDA.", "", "Général",
         "MSS/CDA.01.01", "Envoi d'un CDA", "MSS/CDA.01.01.01", "Capture du message", "", "Mineure", 1],
        ["Vague 2", "MSS/CDA.01", "Messagerie", "Envoi", "Le logiciel joint le CDA.", "", "Général",
         "MSS/CDA.01.01", "Envoi d'un CDA", "MSS/CDA.01.01.02", "Journal", "", "Mineure", 2],
        ["Vague 1", "SC.DMP/CONF.02", "DMP", "", "TD0.2 avant consultation.", "", "Général",
         "SC.DMP/CONF.02.01", "Consultation", "SC.DMP/CONF.02.01.01", "Trace", "", "Critique", 3],
        [None] * 14,
    ]  # fmt: skip
    out = tmp_path / "cat"
    done = segur("catalogue", "import", str(rem_sheet(tmp_path / "rem.xlsx", rows)), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 exigence(s), 2 scénario(s), 3 preuve(s)" in done.stdout
    catalogue = load_catalogue(out)
    mss = catalogue.by_id()["MSS/CDA.01"]
    assert (mss.criticite, mss.vague, mss.section_id, mss.section, mss.profils) == (
        "MINOR", "Vague 2", "MSS", "Messagerie", ("Général",))
    assert [p.id for p in mss.scenarios[0].proofs] == ["MSS/CDA.01.01.01", "MSS/CDA.01.01.02"]
    assert mss.nature == "EXIGENCE" and mss.source == "rem-published" and mss.in_scope
    assert catalogue.by_id()["SC.DMP/CONF.02"].criticite == "CRITICAL"
    assert sorted(p.name for p in out.iterdir()) == ["catalogue.toml", "mss.toml", "sc_dmp.toml"]


def test_import_reports_catalogue_defects_with_exit_1(tmp_path: Path):
    rows = [["", "INS/va1.41", "INS", "", "Énoncé.", "", "", "INS/va1.41.1", "Mauvais numéro", "INS/va1.41.1.01",
             "Preuve", "", "Énorme", 1]]  # fmt: skip
    done = segur("catalogue", "import", str(rem_sheet(tmp_path / "rem.xlsx", rows)), "--out", str(tmp_path / "c"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "must be the requirement ID followed by .NN" in done.stdout and "'Énorme'" in done.stdout


@pytest.mark.parametrize("kind", ["absent", "not-xlsx", "no-header"])
def test_import_of_what_is_not_a_rem_spreadsheet_is_a_one_line_usage_error(tmp_path: Path, kind: str):
    target = tmp_path / "rem.xlsx"
    if kind == "not-xlsx":
        target.write_text("pas un classeur", encoding="utf-8")
    elif kind == "no-header":
        book = Workbook()
        book.active.append(["ID", "Titre"])
        book.save(target)
    assert_one_line_error(segur("catalogue", "import", str(target), "--out", str(tmp_path / "c")), str(target))
    assert not (tmp_path / "c").exists()


def test_import_does_not_overwrite_without_force(tmp_path: Path):
    sheet = rem_sheet(tmp_path / "rem.xlsx", [["", "DOC.01", "Docs", "", "Énoncé.", "", "", "DOC.01.01", "T",
                                               "DOC.01.01.01", "P", "", "Majeure", 1]])  # fmt: skip
    out = tmp_path / "c"
    assert segur("catalogue", "import", str(sheet), "--out", str(out)).returncode == 0
    assert_one_line_error(segur("catalogue", "import", str(sheet), "--out", str(out)), "--force", "doc.toml")
    assert segur("catalogue", "import", str(sheet), "--out", str(out), "--force").returncode == 0


def test_the_export_columns_start_with_the_convergence_layout():
    assert COLUMNS[:14] == tuple(LAYOUT)


def test_the_comment_says_every_kind_of_verdict_in_french():
    from segur_harness.convergence_comments import readable_reason, requirement_comment

    def scenario(sid: str, status: str) -> dict:
        return {"id": sid, "status": status, "proofs": [{"id": f"{sid}.01"}]}

    incomplete = {"verdict": "incomplete", "scenarios": [scenario("A.01.01", "passed"), scenario("A.01.02", "not-run"),
                                                          scenario("A.01.03", "passed")]}  # fmt: skip
    assert requirement_comment(incomplete) == ("Incomplet : 2 scénarios réussis sur 3. Non sélectionné dans cette "
                                               "exécution : A.01.02 (preuve A.01.02.01). Réussi : A.01.01 (preuve "
                                               "A.01.01.01) ; A.01.03 (preuve A.01.03.01).")  # fmt: skip
    not_run = {"verdict": "not-run", "scenarios": [scenario("B.01.01", "not-run")]}
    assert requirement_comment(not_run).startswith("Non exécuté : 0 scénario réussi sur 1. Non sélectionné")
    out = {"verdict": "out-of-scope", "in_scope": False, "scenarios": []}
    assert requirement_comment(out).startswith("Hors périmètre du harness : exigence listée au catalogue sans scénario")
    assert readable_reason("skipped: pack CI-SIS absent\nsuite") == "pack CI-SIS absent"
    assert readable_reason("call: AssertionError: " + "x" * 400).endswith("…")
