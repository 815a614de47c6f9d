"""Shared test helpers: reference-material gating and isolated service ports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from segur_harness.config import cisis_pack_dir, insi_wsdl_dir, reference_dir
from segur_harness.processes import free_port

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_reference(path: Path | None, what: str) -> Path:
    """The reference folder, or skip (fail under CI, where it is required)."""
    if path is None:
        message = f"{what} not found: set SEGUR_REFERENCE_DIR or place ../shared/reference beside the checkout"
        if IN_CI:
            pytest.fail(f"CI requires the official reference material: {message}")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def reference() -> Path:
    return require_reference(reference_dir(), "official reference material")


@pytest.fixture(scope="session")
def insi_wsdl() -> Path:
    return require_reference(insi_wsdl_dir(), "INSi WSDL 1.5.0 package")


@pytest.fixture(scope="session")
def cisis_pack() -> Path:
    return require_reference(cisis_pack_dir(), "ANS CI-SIS CDA pack")


@pytest.fixture
def isolated_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a harness subprocess on free ports with its own store and cache."""
    return {
        **os.environ,
        "SEGUR__MOCKS__INSI__PORT": str(free_port()),
        "SEGUR__MOCKS__DMP__PORT": str(free_port()),
        "SEGUR__MOCKS__PSC__PORT": str(free_port()),
        "SEGUR__MOCKS__MSS__PORT": str(free_port()),
        "SEGUR__MOCKS__MSS__ADMIN_PORT": str(free_port()),
        "SEGUR__MOCKS__MSS__IMAP_PORT": str(free_port()),
        "SEGUR__MOCKS__MSS__IMAP_ADMIN_PORT": str(free_port()),
        "SEGUR__MOCKS__DMP__PKI_DIR": str(tmp_path / "pki"),
        "SEGUR__SUT__PORT": str(free_port()),
        "SEGUR__VALIDATOR__PORT": str(free_port()),
        "SEGUR_STORE": str(tmp_path / "store.sqlite"),
    }
