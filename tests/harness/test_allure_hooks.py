"""The step plugin's corrections of allure-pytest-bdd's results, on a tiny Gherkin project run by pytest.

One real allure-pytest-bdd run in a subprocess (a few seconds): labels from the
catalogue, step parameters that are the Gherkin values only, a French status
message, and every exchange of a (fake) mock attached once, after the steps.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from segur_harness.steps.allure_hooks import french_message, trim_trace

FEATURE = """\
@REQ_INS_va1_41
Fonctionnalité: Clé du matricule INS
  Scénario: INS/va1.41.01 — Un INS dont la clé est erronée est refusé
    Étant donné l'opérateur "IDE.MARTIN" est connecté
    Quand il regarde deux fois le simulateur
    Alors le SUT refuse l'INS
    Et il n'y a rien d'autre
"""

CONFTEST = """\
import pytest

from segur_harness.steps.allure_exchanges import keep_scenario_exchanges


class Client:
    pass


class FakeMock:
    def exchanges(self, scenario_id):
        return [{"id": 1, "service": "insi", "operation": "rechercherInsAvecTraitsIdentite", "status": 200,
                 "started_at": 1.0, "ended_at": 1.012, "request_body": "<a><b>1</b></a>",
                 "request_headers": {"Content-Type": "application/soap+xml"}, "response_body": '{"ok": true}',
                 "response_headers": {"Content-Type": "application/json"}, "findings": []}]


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def ctx():
    return {"dump": "of the scenario context"}


@pytest.fixture
def insi():
    return FakeMock()


def pytest_bdd_after_scenario(request, feature, scenario):
    keep_scenario_exchanges(request.node, {"insi": FakeMock()}, "INS/va1.41.01")
"""

STEPS = """\
from pytest_bdd import given, parsers, scenarios, then, when

scenarios("ins.feature")


@given(parsers.parse('l\\'opérateur "{user}" est connecté'))
def connected(client, ctx, user):
    pass


@when("il regarde deux fois le simulateur")
def looks(client, insi):
    insi.exchanges("INS/va1.41.01")
    insi.exchanges("INS/va1.41.01")


@then("le SUT refuse l'INS")
def refuses(client):
    assert False, "la recherche INSi doit se conclure par REJECTED, le logiciel a répondu 'FOUND'"


@then("il n'y a rien d'autre")
def nothing():
    pass
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """The one Allure result of the tiny project, and its results folder."""
    project = tmp_path_factory.mktemp("bdd")
    (project / "ins.feature").write_text("# language: fr\n" + FEATURE, encoding="utf-8")
    (project / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (project / "test_ins.py").write_text(STEPS, encoding="utf-8")
    results = project / "allure-results"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "segur_harness.steps.allure_hooks", "--alluredir", str(results),
         "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestUnknownMarkWarning", "-q", "--tb=short", str(project)],
        cwd=project, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert "1 failed" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    (found,) = [json.loads(p.read_text(encoding="utf-8")) for p in results.glob("*-result.json")]
    return found, results


def labels(found: dict, name: str) -> list[str]:
    return [label["value"] for label in found["labels"] if label["name"] == name]


def test_the_result_carries_the_requirement_from_the_catalogue(result):
    found, _ = result
    assert labels(found, "exigence") == ["INS/va1.41"]
    assert labels(found, "parentSuite") == ["INS — Identité nationale de santé"]
    assert labels(found, "subSuite") == ["INS/va1.41.01 — Un INS dont la clé est erronée est refusé"]
    assert labels(found, "preuve") == ["INS/va1.41.01.01"]
    assert found["description"].startswith("**Exigence INS/va1.41**")


def test_step_parameters_are_the_gherkin_values_only(result):
    found, _ = result
    steps = {s["name"]: s for s in found["steps"]}
    connected = steps["Étant Donné l'opérateur \"IDE.MARTIN\" est connecté"]
    assert connected["parameters"] == [{"name": "user", "value": "IDE.MARTIN"}]
    assert "object at 0x" not in json.dumps([found["steps"], found["statusDetails"]["message"]])
    assert all(not s.get("parameters") for name, s in steps.items() if "IDE.MARTIN" not in name)


def test_the_failure_message_is_french_and_names_the_requirement(result):
    found, _ = result
    message = found["statusDetails"]["message"]
    assert message.startswith("Non-conformité à l'exigence INS/va1.41 (")
    assert message.endswith(": la recherche INSi doit se conclure par REJECTED, le logiciel a répondu 'FOUND'")
    for trace in [found["statusDetails"]["trace"], *(s["statusDetails"]["trace"] for s in found["steps"]
                                                     if s["status"] == "failed")]:  # fmt: skip
        assert "test_ins.py" in trace and "_pytest" not in trace and "pytest_bdd" not in trace, trace


def test_each_exchange_is_attached_once_after_every_step(result):
    found, results = result
    last = found["steps"][-1]
    assert last["name"] == "Échanges enregistrés par les simulateurs (1)"
    assert [s["status"] for s in found["steps"][:-1]] == ["passed", "passed", "failed", "skipped"]
    (exchange,) = last["steps"]
    assert exchange["name"] == "1. insi rechercherInsAvecTraitsIdentite — HTTP 200, 12 ms"
    kinds = {a["name"]: a["type"] for a in exchange["attachments"]}
    assert kinds == {"requête": "application/xml", "réponse": "application/json"}
    request = next(a for a in exchange["attachments"] if a["name"] == "requête")
    assert (results / request["source"]).read_text(encoding="utf-8") == "<a>\n  <b>1</b>\n</a>"
    assert json.dumps(found).count("rechercherInsAvecTraitsIdentite") == 1


@pytest.mark.parametrize(("status", "message", "expected"), [
    ("broken", "banc de test : API d'administration du simulateur insi GET … : connection refused",
     "Problème du banc de test, le logiciel testé n'est pas mis en cause : banc de test : API d'administration "
     "du simulateur insi GET … : connection refused"),
    ("broken", "segur_harness.errors.HarnessError: adaptateur du logiciel GET /x : timed out",
     "Problème du banc de test, le logiciel testé n'est pas mis en cause : adaptateur du logiciel GET /x : timed out"),
    ("skipped", "Skipped: ANS CI-SIS CDA pack not found", "Non exécuté : ANS CI-SIS CDA pack not found"),
    ("failed", "segur_harness.steps.adapter.AdapterError: adaptateur du logiciel : HTTP 201 attendu, reçu : "
     "POST /identities -> HTTP 500: None\nassert False",
     "Non-conformité : adaptateur du logiciel : HTTP 201 attendu, reçu : POST /identities -> HTTP 500: None"),
    ("passed", "whatever", "whatever"),
])  # fmt: skip
def test_french_prefixes(status, message, expected):
    assert french_message(status, message, []) == expected
    assert french_message(status, expected, []) == expected  # never twice


def test_trim_trace_keeps_the_step_code_and_the_error():
    short = ("/v/_pytest/fixtures.py:1074: in call_fixture_func\n    fixture_result = fixturefunc(**kwargs)\n"
             "steps/ins_search_steps.py:59: in search_outcome\n    assert x\nE   AssertionError: boom")
    assert trim_trace(short) == short.split("\n", 2)[2]
    python = ('  File "/v/pytest_bdd/scenario.py", line 247, in _execute_step_function\n    return_value = x()\n'
              '  File "/w/steps/ins_search_steps.py", line 59, in search_outcome\n    assert x\n')
    assert trim_trace(python) == '  File "/w/steps/ins_search_steps.py", line 59, in search_outcome\n    assert x'
