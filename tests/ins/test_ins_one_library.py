"""Guard: INS rules are computed in segur_harness.ins only (issue 10 item 6).

Steps, mocks and validators call harness/ins for the matricule shape, the key,
Corsica and the INS OIDs; the reference SUT keeps its own code on purpose (an
independent implementation, so one shared bug cannot hide) and must not import
harness/ins. This test reads the source (ast) and fails when a rule reappears.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("harness", "mocks", "steps")
RULES_HOME = ROOT / "harness" / "ins"

MATRICULE_REGEX = re.compile(r"2A\|2B|2\[AB\]|0-9AB\]|\\dAB\]")
"""A pattern that lets 2A/2B in: a matricule (or COG) regex."""
INS_ARC = "1.2.250.1.213.1.4"

KNOWN = {
    ("mocks/dmp/registry_store.py", "INS OID arc literal"): "DMP mock (another owner): move to oids.in_ins_arc",
    ("mocks/dmp/psc_gateway.py", "matricule regex"): "DMP mock (another owner): X-PatientINS pattern [0-9AB]{15}",
}
"""Places left for their owners, each with what to do; remove an entry once its file is moved onto harness/ins."""


def _sources() -> Iterator[Path]:
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if RULES_HOME not in path.parents and "__pycache__" not in path.parts:
                yield path


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # attribute docstrings
            out.add(id(node.value))
    return out


def _imports_stdnum(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] == "stdnum" for a in node.names)
    return isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "stdnum"


def findings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, what) for every INS rule computed outside harness/ins."""
    docs = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            if isinstance(node.right, ast.Constant) and node.right.value == 97:
                yield node.lineno, "key arithmetic (% 97)"
        elif _imports_stdnum(node):
            yield node.lineno, "stdnum import"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            if node.value in ("2A", "2B"):
                yield node.lineno, "Corsica substitution"
            elif MATRICULE_REGEX.search(node.value):
                yield node.lineno, "matricule regex"
            elif INS_ARC + "." in node.value:
                yield node.lineno, "INS OID arc literal"


def test_no_ins_rule_outside_harness_ins() -> None:
    found = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        for line, what in findings(ast.parse(path.read_text(encoding="utf-8"), filename=rel)):
            if (rel, what) not in KNOWN:
                found.append(f"{rel}:{line}: {what}")
    assert not found, "INS rules computed outside harness/ins (call segur_harness.ins instead):\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("k = 97 - int(n) % 97", "key arithmetic (% 97)"),
        ("from stdnum.fr import nir", "stdnum import"),
        ("d = n.replace('2A', '19')", "Corsica substitution"),
        ("import re\nM = re.compile(r'[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}')", "matricule regex"),
        ("M = r'^[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}$'", "matricule regex"),
        ("ok = root.startswith('1.2.250.1.213.1.4.')", "INS OID arc literal"),
    ],
)
def test_the_guard_sees_each_rule(source: str, what: str) -> None:
    assert [w for _, w in findings(ast.parse(source))] == [what]


def test_docstrings_may_name_the_rules() -> None:
    assert list(findings(ast.parse('"""The 1.2.250.1.213.1.4.* id; 2A|2B; 97 - N % 97."""'))) == []


def test_reference_sut_keeps_its_own_ins_code() -> None:
    importers = []
    for path in sorted((ROOT / "sut" / "reference").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n == "segur_harness.ins" or n.startswith("segur_harness.ins.") for n in names):
                importers.append(path.relative_to(ROOT).as_posix())
    assert not importers, f"the reference SUT must not use the harness's INS rules: {importers}"
