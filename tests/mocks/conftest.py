"""Fixtures for the INSi mock tests: an isolated store, the app, a live server."""

from __future__ import annotations

import copy
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from segur_harness.config import load_config
from segur_harness.mocks.framework import create_mock_app
from segur_harness.mocks.insi.service import InsiService
from segur_harness.pki import generate_pki
from segur_harness.store import Store

MAX_BODY = 64 * 1024

# --import-mode=importlib does not put test folders on sys.path: make insi_mock_support importable.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))


def insi_config(tmp_path: Path, **insi: Any) -> dict[str, Any]:
    """Default configuration with its own store and [mocks.insi] overrides."""
    cfg = copy.deepcopy(load_config({}))
    cfg["paths"]["store"] = str(tmp_path / "exchanges.sqlite")
    cfg["mocks"]["max_body_bytes"] = MAX_BODY
    cfg["mocks"]["insi"].update(insi)
    return cfg


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test PKI per test module (CA, TLS certificates, the DMP "certificat de cachet")."""
    return generate_pki(tmp_path_factory.mktemp("pki")).directory


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., tuple[Flask, Store]]:
    def factory(**insi: Any) -> tuple[Flask, Store]:
        cfg = insi_config(tmp_path, **insi)
        store = Store(cfg["paths"]["store"])
        return create_mock_app(InsiService(cfg), store, max_body_bytes=MAX_BODY), store

    return factory


@pytest.fixture
def app_store(make_app: Callable[..., tuple[Flask, Store]]) -> tuple[Flask, Store]:
    return make_app()


@pytest.fixture
def client(app_store: tuple[Flask, Store]):
    return app_store[0].test_client()


@pytest.fixture
def store(app_store: tuple[Flask, Store]) -> Store:
    return app_store[1]


def start_server(server: BaseWSGIServer) -> Iterator[BaseWSGIServer]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def live(app_store: tuple[Flask, Store]) -> Iterator[str]:
    """Base URL of the app served on 127.0.0.1 by a real werkzeug server (the wire matters)."""
    server = make_server("127.0.0.1", 0, app_store[0], threaded=True)
    for running in start_server(server):
        yield f"http://127.0.0.1:{running.server_port}"
