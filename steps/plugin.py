"""pytest plugin for the Gherkin run (`-p segur_harness.steps.plugin`).

Reads where the SUT and the mocks are (env SEGUR_SUT_URL, SEGUR_MOCKS), gives
the steps their fixtures, and isolates scenarios: before each one every mock
is reset and told the scenario ID (so its exchanges are tagged), and the SUT
is reset. Once per session the SUT is told where the national services are.

pytest-bdd runs every step (and the isolation hook) in the call phase, so a
failure is classified here: an AssertionError is the SUT's failure; a
HarnessError (SUT adapter or mock unreachable, timing out, answering garbage) or
any other exception raised in harness code makes the scenario `broken`, with one
line saying why (report.user_properties BROKEN_PROPERTY, read by segur_harness.collect).
"""

from __future__ import annotations

import json
import os
import time
import warnings
from typing import Any

import pytest

from segur_harness.catalogue import TAG_PREFIX
from segur_harness.collect import BROKEN_PROPERTY
from segur_harness.errors import HarnessError
from segur_harness.features_index import index_features, split_scenario_name
from segur_harness.validation import Engine, get_engine
from segur_harness.validation.remote import RemoteEngine

from .adapter import AdapterClient
from .allure_exchanges import keep_scenario_exchanges
from .allure_listener import allure_active
from .context import ScenarioContext
from .mock_admin import MockAdmin

pytest_plugins = ["segur_harness.steps.allure_hooks"]
"""The REM labels, Gherkin-only step parameters and French status messages of the Allure results."""

DEFAULT_SUT_URL = "http://127.0.0.1:18090"
DEFAULT_MOCKS = {
    "insi": {"url": "http://127.0.0.1:18081/lps", "admin": "http://127.0.0.1:18081/_admin"},
    "dmp": {"url": "http://127.0.0.1:18082", "admin": "http://127.0.0.1:18082/_admin"},
}
SESSION_INSI_TIMEOUT_SECONDS = 2.0
"""INSi timeout asked of the SUT (PUT /services): short, so the timeout scenario stays quick."""

_session: dict[str, Any] = {}


HARNESS_PROBLEM = "problème du banc de test : "
"""How step messages open when the feature or the harness, not the SUT, is at fault (said once in the reason)."""


def broken_reason(excinfo: pytest.ExceptionInfo[BaseException]) -> str | None:
    """Why this exception makes the scenario broken, or None when it is the SUT's failure (or a skip)."""
    exc = excinfo.value
    if isinstance(exc, AssertionError | pytest.skip.Exception | pytest.fail.Exception | pytest.xfail.Exception):
        return None
    first_line = (str(exc).strip().splitlines() or [""])[0][:500]
    if isinstance(exc, HarnessError):
        return f"banc de test : {first_line.removeprefix(HARNESS_PROBLEM)}"
    entry = excinfo.traceback[-1] if excinfo.traceback else None
    where = f" à {entry.path}:{entry.lineno + 1}" if entry is not None else ""
    return f"erreur dans le code du banc de test{where} : {type(exc).__name__}: {first_line}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and call.excinfo is not None:
        reason = broken_reason(call.excinfo)
        if reason:
            report.user_properties.append((BROKEN_PROPERTY, reason))
    return report


def pytest_configure(config: pytest.Config) -> None:
    """Declare every @REQ_… tag of the installed features as a marker (no unknown-mark warnings)."""
    scenarios, _problems = index_features()
    tags = {tag for sc in scenarios for tag in sc.tags if tag.startswith(TAG_PREFIX)}
    for tag in sorted(tags):
        config.addinivalue_line("markers", f"{tag}: scenario proving requirement {tag}")


def _mocks_from_env() -> dict[str, MockAdmin]:
    raw = os.environ.get("SEGUR_MOCKS")
    try:
        spec = json.loads(raw) if raw else DEFAULT_MOCKS
    except ValueError as exc:
        raise pytest.UsageError(f"SEGUR_MOCKS n'est pas du JSON valide : {exc}") from None
    return {name: MockAdmin(name, entry["url"], entry["admin"]) for name, entry in spec.items()}


@pytest.fixture(scope="session")
def sut() -> AdapterClient:
    """The SUT's adapter client."""
    return AdapterClient(os.environ.get("SEGUR_SUT_URL", DEFAULT_SUT_URL))


@pytest.fixture(scope="session")
def mocks() -> dict[str, MockAdmin]:
    """Admin clients of every mock, by service name."""
    return _mocks_from_env()


def _mock(mocks: dict[str, MockAdmin], name: str, missing: str) -> MockAdmin:
    """The admin client of mock `name`; the scenario is skipped with `missing` when the run has no such mock."""
    if name not in mocks:
        pytest.skip(missing)
    return mocks[name]


@pytest.fixture(scope="session")
def insi(mocks: dict[str, MockAdmin]) -> MockAdmin:
    return _mock(mocks, "insi", "pas de simulateur INSi dans SEGUR_MOCKS")


@pytest.fixture(scope="session")
def dmp(mocks: dict[str, MockAdmin]) -> MockAdmin:
    return _mock(mocks, "dmp", "pas de simulateur DMP dans SEGUR_MOCKS")


@pytest.fixture(scope="session")
def psc(mocks: dict[str, MockAdmin]) -> MockAdmin:
    return _mock(mocks, "psc", "pas de simulateur Pro Santé Connect dans SEGUR_MOCKS")


@pytest.fixture(scope="session")
def mss_smtp(mocks: dict[str, MockAdmin]) -> MockAdmin:
    return _mock(mocks, "mss-smtp", "pas de simulateur SMTP MSSanté dans SEGUR_MOCKS")


@pytest.fixture(scope="session")
def mss_imap(mocks: dict[str, MockAdmin]) -> MockAdmin:
    if "mss-imap" not in mocks and os.environ.get("CI") == "true":  # CI installs dovecot: its absence is ours
        raise HarnessError("CI : pas de simulateur IMAP MSSanté dans l'exécution (dovecot, paquet Debian "
                           "dovecot-imapd, absent)")
    return _mock(mocks, "mss-imap", "pas de serveur IMAP MSSanté : dovecot (paquet Debian dovecot-imapd) absent")


@pytest.fixture(scope="session")
def services_configured(sut: AdapterClient, mocks: dict[str, MockAdmin]) -> dict[str, Any]:
    """Tell the SUT once where the national services are; a 501 means the editor configured it by hand."""
    body: dict[str, Any] = {name: m.url for name, m in mocks.items()}
    body["insi_timeout_seconds"] = SESSION_INSI_TIMEOUT_SECONDS
    reply = sut.set_services(body)
    if reply.status == 501:
        warnings.warn("le logiciel ne prend pas en charge PUT /adapter/v1/services : il doit déjà pointer vers les "
                      "simulateurs", stacklevel=1)
        return {"configured": False}
    return {"configured": True, **(reply.body or {})}


@pytest.fixture(scope="session")
def cda_engine() -> Engine | RemoteEngine:
    """The CDA validation engine: the run's shared validation service (SEGUR_VALIDATOR_URL), else in-process."""
    url = os.environ.get("SEGUR_VALIDATOR_URL")
    return RemoteEngine(url) if url else get_engine()


@pytest.fixture
def ctx(request: pytest.FixtureRequest, services_configured: dict[str, Any]) -> ScenarioContext:
    """The scenario's memory; the hook below has already isolated mocks and SUT."""
    scenario_id = _session.get(request.node.nodeid)
    context = ScenarioContext(scenario_id=scenario_id)
    timeout = services_configured.get("insi_timeout_seconds")
    context.insi_timeout_seconds = float(timeout) if timeout else None
    _session["ctx:" + request.node.nodeid] = context
    return context


@pytest.fixture
def scenario_id(ctx: ScenarioContext) -> str | None:
    return ctx.scenario_id


def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Isolate the scenario: reset every mock, tag its exchanges, reset the SUT."""
    scenario_id, _title = split_scenario_name(scenario.name)
    _session[request.node.nodeid] = scenario_id
    request.getfixturevalue("services_configured")
    for mock in request.getfixturevalue("mocks").values():
        mock.reset()
        mock.start_scenario(scenario_id)
    request.getfixturevalue("sut").reset()


def pytest_bdd_after_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Let a deliberately delayed mock answer land before the next scenario re-tags the mock,
    then fetch every exchange of the scenario for its Allure result (attached once each at teardown)."""
    context: ScenarioContext | None = _session.pop("ctx:" + request.node.nodeid, None)
    if context and context.settle_until:
        remaining = context.settle_until - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
    if allure_active(request.config):
        keep_scenario_exchanges(request.node, request.getfixturevalue("mocks"), _session.get(request.node.nodeid))
