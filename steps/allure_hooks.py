"""pytest hooks that make allure-pytest-bdd's results speak the REM (`-p segur_harness.steps.allure_hooks`).

allure-pytest-bdd files a scenario by feature folder, lists every step-function
argument as a parameter (so fixtures show as `<AdapterClient object at 0x…>`
and the scenario context as a dump) and keeps pytest's English exception text.
These hooks run after its own and correct the result it is building:
requirement labels and description (segur_harness.allure_labels), the Gherkin
arguments only as step parameters, and a French prefix on the status message
saying whose problem it is. Without an Allure listener (no --alluredir) they do nothing.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from allure_commons.model2 import Label, Link, Parameter, TestResult

from segur_harness.allure_labels import (
    EVIDENCE_LINK,
    requirement_title,
    requirements_of,
    result_description,
    result_labels,
)
from segur_harness.catalogue import Catalogue, Requirement, load_catalogue
from segur_harness.features_index import split_scenario_name

from .allure_exchanges import attach_kept_exchanges
from .allure_listener import get_step_uuid, listener

GHERKIN_ONLY = ("datatable", "docstring")
"""Step arguments allure-pytest-bdd already attaches as files (kept off the parameter list)."""
PREFIXES = {
    "failed": "Non-conformité",
    "broken": "Problème du banc de test, le logiciel testé n'est pas mis en cause",
    "skipped": "Non exécuté",
}
_REQUIREMENTS_KEY = pytest.StashKey[list[Requirement]]()


@functools.cache
def _catalogue() -> Catalogue:
    return load_catalogue()


@contextlib.contextmanager
def _test_result(item: pytest.Item) -> Iterator[TestResult | None]:
    found = listener(item.config)
    if found is None:
        yield None
        return
    uuid = getattr(found, "nodeid_to_uuid", {}).get(item.nodeid)
    with found.lifecycle.update_test_case(uuid=uuid) as result:
        yield result


@pytest.hookimpl(trylast=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Requirement, scenario and proof labels, severity, description and the evidence link."""
    scenario_id, title = split_scenario_name(scenario.name)
    tags = set(scenario.tags) | set(getattr(feature, "tags", None) or ())
    reqs = requirements_of(_catalogue(), tags)
    request.node.stash[_REQUIREMENTS_KEY] = reqs
    with _test_result(request.node) as result:
        if result is None:
            return
        names = {"parentSuite", "suite", "subSuite", "severity"}
        others = [label for label in result.labels if label.name not in names]
        result.labels = [Label(name=n, value=v) for n, v in result_labels(reqs, scenario_id, title, tags)] + others
        result.description = result_description(reqs, scenario_id, title, result.description or "")
        result.links.append(Link(type="link", name=EVIDENCE_LINK[0], url=EVIDENCE_LINK[1]))


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


@pytest.hookimpl(trylast=True)
def pytest_bdd_before_step_call(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any,
                                step_func: Any, step_func_args: dict[str, Any]) -> None:  # fmt: skip
    """The step's parameters are its Gherkin arguments, never the fixtures the step function also takes."""
    found = listener(request.config)
    if found is None:
        return
    fixtures = set(request.fixturenames)
    shown = [Parameter(name=name, value=_shown(value)) for name, value in step_func_args.items()
             if name not in fixtures and name not in GHERKIN_ONLY]  # fmt: skip
    with found.lifecycle.update_step(uuid=get_step_uuid(step)) as step_result:
        if step_result is not None:
            step_result.parameters = shown


def french_message(status: str | None, message: str, reqs: list[Requirement]) -> str:
    """`message` with a French prefix saying whose problem it is (and what the requirement asks, on failure)."""
    prefix = PREFIXES.get(status or "")
    if not prefix or message.startswith(prefix):
        return message
    text = message.strip()
    if status == "failed":
        text = re.sub(r"^[\w.]*(?:Error|Exception|Failed): ", "", text)
        text = re.split(r"\nassert ", text, maxsplit=1)[0].strip()  # pytest's introspection, not the SUT's behaviour
        if reqs:
            asked = "; ".join(f"{r.id} ({requirement_title(r)})" for r in reqs)
            prefix = f"{prefix} à l'exigence {asked}"
    elif status == "skipped":
        text = re.sub(r"^Skipped: ", "", text)
    else:  # broken: the harness's own error type says nothing to a reader, any other type helps a developer
        text = re.sub(r"^segur_harness\.errors\.HarnessError: ", "", text)
    return f"{prefix} : {text}"


INTERNAL_FRAME = re.compile(r"^(?:  File \"[^\"]*|\S+)[/\\](?:_pytest|pytest_bdd|pluggy)[/\\]")
FRAME_HEADER = re.compile(r"^(?:  File \".+\", line \d+, in |\S.*:\d+: in )")


def trim_trace(trace: str) -> str:
    """The trace without pytest's and pytest-bdd's own frames (the reviewer needs the step code's)."""
    kept, skipping = [], False
    for line in trace.splitlines():
        if FRAME_HEADER.match(line):
            skipping = bool(INTERNAL_FRAME.match(line))
        elif line.startswith("E ") or not line.startswith(" "):
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After allure-pytest-bdd filed the status and reported the steps a failure skipped (its teardown
    finalizer), before it writes the result: the French status message, then the scenario's exchanges."""
    with _test_result(item) as result:
        if result is None:
            return
        details = result.statusDetails
        if details is not None and details.message:
            status = result.status.value if hasattr(result.status, "value") else result.status
            details.message = french_message(status, details.message, item.stash.get(_REQUIREMENTS_KEY, []))
        for node in [result, *result.steps]:
            if node.statusDetails is not None and node.statusDetails.trace:
                node.statusDetails.trace = trim_trace(node.statusDetails.trace)
    attach_kept_exchanges(item)
