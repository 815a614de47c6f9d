"""Attaches what a step sent and received to the Allure report, when Allure is on.

A reviewer must see the exact adapter exchange next to the step that made it;
without an Allure listener the calls are no-ops, and evidence never breaks a scenario.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

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
    if allure is None:
        return
    with contextlib.suppress(Exception):
        allure.attach(payload, name=name, attachment_type=allure.attachment_type.XML)
