"""Fixtures: the CI-SIS pack (skip, or fail under CI=true, when absent) and one engine per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from segur_harness.validation import Engine, get_engine
from tests.validation.validation_helpers import pack_or_skip


@pytest.fixture(scope="session")
def pack_dir() -> Path:
    return pack_or_skip()


@pytest.fixture(scope="session")
def engine(pack_dir: Path) -> Engine:
    """One engine for the whole session: schematrons compile once (disk cache makes re-runs warm)."""
    return get_engine(pack_dir)


@pytest.fixture(scope="session")
def bare_engine() -> Engine:
    """An engine without pack: harness rules only."""
    return Engine(None)
