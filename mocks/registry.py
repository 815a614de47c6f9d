"""Which mocks exist and how to build each one's WSGI app, or which module runs a TCP mock (`mocks serve`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from segur_harness.config import config, store_path
from segur_harness.store import Store

from .framework import MockService, create_mock_app


def _insi(cfg: dict[str, Any]) -> MockService:
    from .insi.service import InsiService

    return InsiService(cfg)


def _dmp(cfg: dict[str, Any]) -> MockService:
    from .dmp.service import DmpService

    return DmpService(cfg)


def _psc(cfg: dict[str, Any]) -> MockService:
    from .psc.service import PscService

    return PscService(cfg)


SERVICES: dict[str, Callable[[dict[str, Any]], MockService]] = {"insi": _insi, "dmp": _dmp, "psc": _psc}
TCP_SERVICES: dict[str, str] = {"mss": "segur_harness.mocks.mss"}
"""Mocks that are not HTTP (framework/tcp.py): the module `python -m` runs, one process per mock."""


def build_app(name: str, cfg: dict[str, Any] | None = None) -> Flask:
    """The WSGI app of mock `name` (gunicorn: 'segur_harness.mocks.registry:build_app("insi")')."""
    cfg = cfg or config()
    service = SERVICES[name](cfg)
    return create_mock_app(service, Store(store_path(cfg)), max_body_bytes=int(cfg["mocks"]["max_body_bytes"]))
