"""The ANS Convergence proof spreadsheet layout (DOMAIN.md §8), both ways.

Export: one row per proof, the Convergence columns in their order (Commentaire
and Profil historique from convergence_comments.py), then the
run's status, its detail and the proof's file in the evidence bundle, then the
catalogue fields Convergence has no column for (so an export imports back
unchanged). Import: any sheet whose header row holds the Convergence columns,
matched by name (accents, case and spacing ignored), extra columns optional.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from segur_harness.catalogue import CRITICITE_LABELS
from segur_harness.convergence_comments import historical_profile, requirement_comment

CONVERGENCE_COLUMNS = ("Périmètre", "ID", "Chapitre", "Fonction", "Exigence", "Commentaire", "Profil", "N° scénario",
                       "Scénario de conformité", "N° preuve", "Preuve", "Profil historique", "Criticité", "Ordre")
RESULT_COLUMNS = ("Statut", "Détail du résultat", "Preuve dans le bundle")
HARNESS_COLUMNS = ("Nature", "ID Section", "Bloc", "Exigence conditionnelle", "Couloirs", "Source",
                   "Note sur la source", "Testée par le harness")  # fmt: skip
COLUMNS = CONVERGENCE_COLUMNS + RESULT_COLUMNS + HARNESS_COLUMNS
SHEET = "Preuves"
HEADER_SCAN_ROWS = 20


class SpreadsheetError(ValueError):
    """The file is not a spreadsheet in the Convergence layout (one line, French)."""


def _key(header: Any) -> str:
    """'N° scénario' -> 'nscenario': headers compared without accents, case, spaces or punctuation."""
    text = unicodedata.normalize("NFKD", str(header or "")).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


FIELDS = {
    "perimetre": "vague", "id": "id", "nexigence": "id", "chapitre": "section", "section": "section",
    "fonction": "fonction", "exigence": "enonce", "enonce": "enonce", "profil": "profils",
    "nscenario": "scenario_id", "scenariodeconformite": "scenario_title", "npreuve": "proof_id", "preuve": "proof_text",
    "criticite": "criticite", "nature": "nature", "idsection": "section_id", "bloc": "bloc",
    "exigenceconditionnelle": "conditionnelle", "couloirs": "couloirs", "source": "source",
    "notesurlasource": "source_note", "testeeparleharness": "in_scope",
}  # fmt: skip
"""Header key -> catalogue field (Commentaire, Profil historique, Ordre and the result columns are not imported:
Commentaire and the result columns are the run's, Profil historique repeats Couloirs)."""
CRITICITE_CODES = {_key(label): code for code, label in CRITICITE_LABELS.items()} | {
    _key(code): code for code in CRITICITE_LABELS}


def _join(values: Any) -> str:
    return ", ".join(values or ())


def rows_from_requirements(requirements: list[dict[str, Any]], details: dict[str, str] | None = None) -> list[list]:
    """One row per proof (a requirement without scenario or proof still gets one row), bundle entries as input."""
    details = details or {}
    rows: list[list] = []

    def row(req: dict[str, Any], scenario: dict[str, Any] | None, proof: dict[str, Any] | None) -> None:
        status = (proof or scenario or req).get("label") or ""
        rows.append([
            req.get("vague", ""), req["id"], req.get("section", ""), req.get("fonction", ""), req.get("enonce", ""),
            requirement_comment(req, details), _join(req.get("profils")), scenario["id"] if scenario else "",
            scenario["title"] if scenario else "", proof["id"] if proof else "", proof["text"] if proof else "",
            historical_profile(req),
            CRITICITE_LABELS.get(req.get("criticite", ""), req.get("criticite", "")), len(rows) + 1,
            status, details.get(scenario["id"], "") if scenario else "", (proof or {}).get("path") or "",
            req.get("nature", ""), req.get("section_id", ""), req.get("bloc", ""), req.get("conditionnelle", ""),
            _join(req.get("couloirs")), req.get("source", ""), req.get("source_note", ""),
            "oui" if req.get("in_scope", True) else "non",
        ])  # fmt: skip

    for req in requirements:
        if not req.get("scenarios"):
            row(req, None, None)
        for scenario in req.get("scenarios", []):
            if not scenario.get("proofs"):
                row(req, scenario, None)
            for proof in scenario.get("proofs", []):
                row(req, scenario, proof)
    return rows


def write_xlsx(target: Path, rows: list[list], run_lines: list[tuple[str, str]]) -> None:
    """The workbook: sheet Preuves (header + rows, filters, frozen header) and sheet Exécution (the run)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(values)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    widths = {"Exigence": 60, "Commentaire": 60, "Preuve": 50, "Scénario de conformité": 40,
              "Preuve dans le bundle": 40}
    for index, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = widths.get(name, 16)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    run = book.create_sheet("Exécution")
    for key, value in run_lines:
        run.append([key, value])
    run.column_dimensions["A"].width, run.column_dimensions["B"].width = 28, 90
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)


def _header(sheet: Any) -> tuple[int, dict[str, int]] | None:
    for number, values in enumerate(sheet.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True), start=1):
        columns: dict[str, int] = {}
        for index, value in enumerate(values):
            field = FIELDS.get(_key(value))
            if field and field not in columns:
                columns[field] = index
        if {"id", "enonce", "proof_id"} <= columns.keys():
            return number, columns
    return None


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", value) if part.strip()]


def _cell(values: tuple, columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    value = values[index] if index is not None and index < len(values) else None
    return "" if value is None else str(value).strip()


def _section_id(requirement_id: str) -> str:
    """'INS/va1.41' -> 'INS', 'SC.MSS/CONF.01' -> 'SC.MSS', 'DOC.01' -> 'DOC', 'EX_3.1-1030' -> 'EX'."""
    match = re.match(r"^((?:SC\.|CH\.)?[A-Za-z0-9-]+?)(?:[/._]|$)", requirement_id)
    return match[1] if match else requirement_id


def read_rem(path: Path) -> list[dict[str, Any]]:
    """Requirements (catalogue TOML shape, with `scenario` and `proof` lists) from a REM spreadsheet."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, XML or format errors all mean "not a readable xlsx"
        raise SpreadsheetError(f"{path} : classeur xlsx illisible ({type(exc).__name__}: {exc})") from None
    try:
        for sheet in book.worksheets:
            found = _header(sheet)
            if found:
                return _requirements(sheet, *found)
    finally:
        book.close()
    raise SpreadsheetError(f"{path} : aucune feuille n'a de ligne d'en-tête Convergence (colonnes ID, Exigence et "
                           f"N° preuve) dans ses {HEADER_SCAN_ROWS} premières lignes")  # fmt: skip


def _requirements(sheet: Any, header_row: int, columns: dict[str, int]) -> list[dict[str, Any]]:
    requirements: dict[str, dict[str, Any]] = {}
    for values in sheet.iter_rows(min_row=header_row + 1, values_only=True):
        rid = _cell(values, columns, "id")
        if not rid:
            continue
        req = requirements.get(rid)
        if req is None:
            criticite = _cell(values, columns, "criticite")
            in_scope = _key(_cell(values, columns, "in_scope")) not in ("non", "no", "false", "0")
            req = requirements[rid] = {
                "id": rid, "section_id": _cell(values, columns, "section_id") or _section_id(rid),
                "section": _cell(values, columns, "section"), "bloc": _cell(values, columns, "bloc"),
                "fonction": _cell(values, columns, "fonction"), "profils": _split(_cell(values, columns, "profils")),
                "couloirs": _split(_cell(values, columns, "couloirs")),
                "nature": _cell(values, columns, "nature").upper() or "EXIGENCE",
                "criticite": CRITICITE_CODES.get(_key(criticite), criticite),
                "vague": _cell(values, columns, "vague"), "conditionnelle": _cell(values, columns, "conditionnelle"),
                "enonce": _cell(values, columns, "enonce"),
                "source": _cell(values, columns, "source") or "rem-published",
                "source_note": _cell(values, columns, "source_note"), "in_scope": in_scope, "scenario": [],
            }  # fmt: skip
        sid = _cell(values, columns, "scenario_id")
        if not sid:
            continue
        scenario = next((s for s in req["scenario"] if s["id"] == sid), None)
        if scenario is None:
            scenario = {"id": sid, "title": _cell(values, columns, "scenario_title"), "proof": []}
            req["scenario"].append(scenario)
        pid = _cell(values, columns, "proof_id")
        if pid and all(p["id"] != pid for p in scenario["proof"]):
            scenario["proof"].append({"id": pid, "text": _cell(values, columns, "proof_text")})
    return list(requirements.values())
