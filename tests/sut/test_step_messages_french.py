"""The steps' failure messages are French (issue 9): the reports are read by ANS reviewers.

Every message a step can put in a report is collected from the source of
steps/*.py with `ast`: the message of each `assert`, the first argument of each
`raise X(...)` (AssertionError, AdapterError, HarnessError, ValueError…) and of
`pytest.fail/skip/xfail(...)`. Only the literal parts of a message are read (the
interpolated values, codes and XPath stay as they are), and none may hold an
English marker word. The markers never occur in French text or in the technical
values the messages quote.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import segur_harness.steps

STEPS_DIR = Path(segur_harness.steps.__file__).resolve().parent
ENGLISH = re.compile(r"\b(?:the|did not|does not|is not|was|were|expected|should|must|missing|found|got|no|has|"
                     r"unknown|received|sent|answered|says)\b", re.IGNORECASE)
KNOWN_ENGLISH: set[str] = set()
"""Known exceptions (files still being translated). Remove a file from this set once its messages are French
(the test then keeps it French); the DMP steps are French now."""
PYTEST_REPORTING = {"fail", "skip", "xfail"}


def literal_text(node: ast.expr) -> str:
    """The literal parts of a message expression: string constants, f-string text, `+` concatenations."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(literal_text(part) for part in node.values)
    if isinstance(node, ast.BinOp):
        return literal_text(node.left) + literal_text(node.right)
    if isinstance(node, ast.IfExp):
        return literal_text(node.body) + " " + literal_text(node.orelse)
    return ""


def messages(source: str) -> Iterator[tuple[int, str]]:
    """(line, literal text) of every failure message in `source`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assert) and node.msg is not None:
            yield node.lineno, literal_text(node.msg)
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            yield node.lineno, literal_text(node.exc.args[0])
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and isinstance(node.func.value, ast.Name) and node.func.value.id == "pytest"
              and node.func.attr in PYTEST_REPORTING and node.args):
            yield node.lineno, literal_text(node.args[0])


def english_messages(path: Path) -> list[str]:
    return [f"{path.name}:{line}: {text!r}" for line, text in messages(path.read_text(encoding="utf-8"))
            if ENGLISH.search(text)]


def test_the_collector_sees_english_in_every_kind_of_message() -> None:
    source = '''
import pytest
def step(x):
    assert x, f"the SUT answered {x!r}"
    assert x, ("le logiciel a répondu " f"{x}")
    raise AssertionError("expected " + "un INS")
    pytest.fail(f"missing {x}")
    pytest.skip("pas de paquet CI-SIS")
'''
    found = [(line, bool(ENGLISH.search(text))) for line, text in messages(source)]
    assert sorted(found) == [(4, True), (5, False), (6, True), (7, True), (8, False)]


def test_markers_leave_french_and_technical_values_alone() -> None:
    french = ("le logiciel n'a pas alerté l'utilisateur : ; la requête n°2 n'a pas d'en-tête ContexteLPS ; "
              "NOT_FOUND ; relatedDocument[@typeCode='RPLC']/parentDocument/id ; X-MSS-INS vaut 'N', O attendu ; "
              "wsa:MessageID ; nonXMLBody ; réponse qui n'est pas du JSON ; problème du banc de test")
    assert not ENGLISH.search(french)


@pytest.mark.parametrize("name", sorted(p.name for p in STEPS_DIR.glob("*.py")))
def test_step_messages_are_french(name: str) -> None:
    found = english_messages(STEPS_DIR / name)
    if name in KNOWN_ENGLISH:
        pytest.skip(f"known exception, still in English ({len(found)} message(s)): the DMP steps' owner translates "
                    "them")
    assert not found, "step messages still in English (reports are French, issue 9):\n" + "\n".join(found)


def test_the_scan_covers_the_steps() -> None:
    counted = sum(len(list(messages(p.read_text(encoding="utf-8")))) for p in STEPS_DIR.glob("*.py"))
    assert counted > 150, f"only {counted} failure messages found in {STEPS_DIR}: is the scan still reading them?"


def test_harness_problems_are_never_assertions() -> None:
    """« problème du banc de test » messages blame the feature or the harness: HarnessError (broken), not a failure."""
    offenders = []
    for path in sorted(STEPS_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            message = None
            if isinstance(node, ast.Assert):
                message = node.msg
            elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and getattr(
                    node.exc.func, "id", None) == "AssertionError" and node.exc.args:
                message = node.exc.args[0]
            if message is not None and "problème du banc de test" in ast.unparse(message):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
