"""What the feature files declare: scenario IDs, titles, tags, locations.

Read with the official Gherkin parser (the one pytest-bdd uses) so that the
catalogue check sees exactly the scenarios the runner will run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gherkin.errors import CompositeParserException, ParserError
from gherkin.parser import Parser
from gherkin.token_scanner import TokenScanner

from segur_harness.config import FEATURES_DIR

SCENARIO_NAME = re.compile(r"^(?P<id>\S+)\s+[—-]\s+(?P<title>.+)$")


@dataclass(frozen=True)
class FeatureScenario:
    scenario_id: str | None
    title: str
    name: str
    tags: frozenset[str]
    file: str
    line: int


def split_scenario_name(name: str) -> tuple[str | None, str]:
    """'INS/va1.41.01 — Titre' -> ('INS/va1.41.01', 'Titre'); no ID -> (None, name)."""
    match = SCENARIO_NAME.match(name.strip())
    return (match["id"], match["title"]) if match else (None, name.strip())


def _children(node: dict) -> list[dict]:
    out = []
    for child in node.get("children", []):
        if "scenario" in child:
            out.append(child["scenario"])
        elif "rule" in child:
            out.extend(_children(child["rule"]))
    return out


def index_features(directory: Path = FEATURES_DIR) -> tuple[list[FeatureScenario], list[str]]:
    """Every scenario of every .feature file under `directory`, plus parse problems."""
    scenarios: list[FeatureScenario] = []
    problems: list[str] = []
    for path in sorted(directory.rglob("*.feature")):
        rel = str(path.relative_to(directory))
        try:
            doc = Parser().parse(TokenScanner(path.read_text(encoding="utf-8")))
        except (CompositeParserException, ParserError) as exc:
            problems.append(f"{rel}: Gherkin syntax error: {exc}")
            continue
        feature = doc.get("feature")
        if not feature:
            continue
        feature_tags = {t["name"].lstrip("@") for t in feature.get("tags", [])}
        for sc in _children(feature):
            tags = feature_tags | {t["name"].lstrip("@") for t in sc.get("tags", [])}
            sid, title = split_scenario_name(sc["name"])
            scenarios.append(
                FeatureScenario(sid, title, sc["name"].strip(), frozenset(tags), rel, sc["location"]["line"])
            )
    return scenarios, problems
