"""Attaches what a step sent and received to the Allure report, when Allure is on.

A reviewer must see the exact adapter exchange next to the step that made it;
without an Allure listener the calls are no-ops, and evidence never breaks a scenario.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from segur_harness.allure_attachments import pretty_xml

try:
    import allure
except ImportError:  # pragma: no cover - allure is a declared dependency
    allure = None


def attach_json(name: str, payload: Any) -> None:
    if allure is None:
        return
    with contextlib.suppress(Exception):
        allure.attach(json.dumps(payload, ensure_ascii=False, indent=2, default=str), name=name,
                      attachment_type=allure.attachment_type.JSON)


def attach_xml(name: str, payload: bytes) -> None:
    """Indented for reading (evidence.zip keeps the exact bytes); as received when it is not well-formed."""
    if allure is None:
        return
    with contextlib.suppress(Exception):
        shown = pretty_xml(payload)
        allure.attach(shown if shown is not None else payload, name=name, attachment_type=allure.attachment_type.XML)
