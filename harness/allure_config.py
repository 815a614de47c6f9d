"""The Allure 3 configuration (allurerc.json) of a run's HTML report, in French.

Written next to the results so that a reviewer can regenerate the same report
by hand (`allure generate --config allurerc.json`). It names the report, sets
its language, builds the tree requirement → scenario from the labels the step
plugin writes (segur_harness.allure_labels), sorts failures into categories
that separate the SUT's non-conformities from the harness's own trouble, and
keeps the history of every run written under the same output root. The
report is one self-contained index.html: a browser opens it from the disk
(file://), where a multi-file report cannot fetch its data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from segur_harness.allure_labels import REQUIREMENT_LABEL

REPORT_NAME = "Ségur numérique — rapport de conformité"
REPORT_LANGUAGE = "fr"
TREE_LABELS = ["parentSuite", "suite", "subSuite"]
"""Section → requirement → scenario (segur_harness.allure_labels writes these three labels)."""
HISTORY_FILE = "allure-history.jsonl"
HIDDEN_LABELS = ["thread", "framework", "language"]
"""allure-pytest-bdd's technical labels, the same on every result: noise for a reviewer."""

CATEGORY_NON_CONFORMITY = "Non-conformités du logiciel testé"
CATEGORY_HARNESS = "Problèmes du banc de test (le logiciel testé n'est pas mis en cause)"
CATEGORY_MISSING = "Non exécutés : matériel de référence manquant"


def categories() -> list[dict[str, Any]]:
    """failed = the SUT did not conform; broken = the harness could not judge; skipped = material missing."""
    return [
        {"id": "non-conformites", "name": CATEGORY_NON_CONFORMITY, "matchers": {"statuses": ["failed"]},
         "groupBy": [{"label": REQUIREMENT_LABEL}], "groupByMessage": False, "expand": True},
        {"id": "banc-de-test", "name": CATEGORY_HARNESS, "matchers": {"statuses": ["broken"]},
         "groupByMessage": True, "expand": True},
        {"id": "materiel-manquant", "name": CATEGORY_MISSING, "matchers": {"statuses": ["skipped"]},
         "groupByMessage": True},
    ]  # fmt: skip


def history_path(out: Path) -> Path:
    """One history file per output root (reports/ for reports/<timestamp>/), shared by its runs."""
    return out.resolve().parent / HISTORY_FILE


def allurerc(out: Path, report_dir: Path, name: str = REPORT_NAME) -> dict[str, Any]:
    """The allurerc content for the report of the run in `out`, written to `report_dir`."""
    return {
        "name": name,
        "output": str(report_dir.resolve()),
        "historyPath": str(history_path(out)),
        "hideLabels": HIDDEN_LABELS,
        "plugins": {
            "awesome": {"options": {"reportName": name, "reportLanguage": REPORT_LANGUAGE, "groupBy": TREE_LABELS,
                                    "singleFile": True}},
            "agent": {"enabled": False},
        },
        "categories": {"rules": categories()},
    }


def write_allurerc(out: Path, report_dir: Path, name: str = REPORT_NAME) -> Path:
    target = out / "allurerc.json"
    target.write_text(json.dumps(allurerc(out, report_dir, name), ensure_ascii=False, indent=1), encoding="utf-8")
    return target
