"""Every exchange the mocks recorded for a scenario, attached once to its Allure result.

Steps look at the mocks only when they check something on the wire, so a
scenario could cause INSi calls that its report never showed, and a step that
looked twice attached the same exchange twice. The exchanges are fetched once
after each scenario (steps/plugin.py) and attached at its teardown
(steps/allure_hooks.py), each exactly once, oldest first, request and response
formatted for reading (segur_harness.allure_attachments). It never breaks a scenario.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest

from segur_harness.allure_attachments import readable
from segur_harness.errors import HarnessError

from .mock_admin import MockAdmin

try:
    import allure
except ImportError:  # pragma: no cover - allure is a declared dependency
    allure = None

KINDS = {"xml": "XML", "json": "JSON", "text": "TEXT"}
_EXCHANGES_KEY = pytest.StashKey[tuple[list[dict[str, Any]], list[str]]]()


def _attach(name: str, body: Any, content_type: str | None) -> None:
    text, kind = readable(body, content_type)
    if text:
        allure.attach(text, name=name, attachment_type=getattr(allure.attachment_type, KINDS[kind]))


def _header(headers: dict[str, str] | None, name: str) -> str | None:
    return next((v for k, v in (headers or {}).items() if k.lower() == name), None)


def exchange_title(number: int, exchange: dict[str, Any]) -> str:
    """'3. insi rechercherInsAvecTraitsIdentite — HTTP 200, 12 ms, 1 erreur'."""
    millis = max(0.0, (exchange.get("ended_at") or 0) - (exchange.get("started_at") or 0)) * 1000
    errors = [f for f in exchange.get("findings") or [] if f.get("severity") == "error"]
    plural = "s" if len(errors) > 1 else ""
    tail = f", {len(errors)} erreur{plural} relevée{plural}" if errors else ""
    what = f"{exchange.get('service')} {exchange.get('operation')}"
    return f"{number}. {what} — HTTP {exchange.get('status')}, {millis:.0f} ms{tail}"


def collect(mocks: dict[str, MockAdmin], scenario_id: str | None) -> tuple[list[dict[str, Any]], list[str]]:
    """This scenario's exchanges from every mock, oldest first, and the mocks that could not say."""
    found: list[dict[str, Any]] = []
    problems: list[str] = []
    for name, mock in mocks.items():
        try:
            found += [{**e, "service": e.get("service") or name} for e in mock.exchanges(scenario_id) or []]
        except HarnessError as exc:
            problems.append(f"{name} : {exc}")
    found.sort(key=lambda e: (e.get("started_at") or 0, e.get("id") or 0))
    return found, problems


def keep_scenario_exchanges(item: pytest.Item, mocks: dict[str, MockAdmin], scenario_id: str | None) -> None:
    """Fetch the scenario's exchanges now (after the scenario, before the next one resets the mocks)."""
    with contextlib.suppress(Exception):
        item.stash[_EXCHANGES_KEY] = collect(mocks, scenario_id)


def attach_kept_exchanges(item: pytest.Item) -> None:
    """One step 'Échanges enregistrés par les simulateurs (N)', one sub-step per exchange, after every
    Gherkin step (allure-pytest-bdd reports the steps a failure skipped at teardown, before this)."""
    kept = item.stash.get(_EXCHANGES_KEY, None)
    if allure is None or kept is None:
        return
    exchanges, problems = kept
    if not exchanges and not problems:
        return
    with contextlib.suppress(Exception), allure.step(f"Échanges enregistrés par les simulateurs ({len(exchanges)})"):
        for number, exchange in enumerate(exchanges, 1):
            with allure.step(exchange_title(number, exchange)):
                _attach("requête", exchange.get("request_body"),
                        _header(exchange.get("request_headers"), "content-type"))
                _attach("réponse", exchange.get("response_body"),
                        _header(exchange.get("response_headers"), "content-type"))
                if exchange.get("findings"):
                    _attach("constats du simulateur", json.dumps(exchange["findings"], ensure_ascii=False), None)
        if problems:
            _attach("simulateurs sans réponse", "\n".join(problems), None)
