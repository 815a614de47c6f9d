"""Where allure-pytest-bdd keeps the result being built, for the hooks that complete it.

Its listener object holds the Allure lifecycle and the pytest node ID → result
UUID map; there is no public accessor, so it is found among pytest's plugins.
None when Allure is off (no --alluredir, e.g. selfcheck), and the hooks then do nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

try:
    from allure_pytest_bdd.steps import get_step_uuid
except ImportError:  # pragma: no cover - allure-pytest-bdd is a declared dependency
    get_step_uuid = None

__all__ = ["allure_active", "get_step_uuid", "listener"]


def listener(config: pytest.Config) -> Any | None:
    """allure-pytest-bdd's listener in this session, or None."""
    if get_step_uuid is None:
        return None
    for plugin in config.pluginmanager.get_plugins():
        if type(plugin).__name__ == "PytestBDDListener" and hasattr(plugin, "lifecycle"):
            return plugin
    return None


def allure_active(config: pytest.Config) -> bool:
    """True when allure-pytest-bdd writes results in this session (the runner's --alluredir)."""
    return listener(config) is not None
