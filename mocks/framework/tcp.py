"""Mocks that are not HTTP (SMTP now, MLLP later) on the same store and admin API as the HTTP ones.

A TCP mock runs, in one process, an asyncio server for its protocol (a thread
with its own event loop) and the framework's admin API (admin.py) on a small
werkzeug server, both on loopback. Each connection keeps a Transcript of the
raw bytes both ways; it is recorded once, as one Exchange, when the connection
ends, and the protocol may record more exchanges (one per message) on the way.
Injected behaviours use the same store table as HTTP mocks, with the TCP kinds:

refuse  close the connection at once with a reset (the client sees it refused)
delay   wait params.seconds (bounded) before going on
drop    close the connection without a word
reply   answer params.line (e.g. "421 4.3.2 ...") instead of handling the command
tls     use the server TLS profile params.profile (outside the policy) for that connection

A behaviour without operation acts on connection (CONNECT); with an operation
(a protocol command, e.g. "MAIL"), on that command only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask, Response, jsonify
from werkzeug.serving import BaseWSGIServer, make_server

from segur_harness.store import Behaviour, Exchange, Finding, Store

from .admin import admin_blueprint

log = logging.getLogger(__name__)

TCP_BEHAVIOUR_KINDS = ("refuse", "delay", "drop", "reply", "tls")
CONNECT = "CONNECT"
"""Behaviour point of a new connection (behaviours with no operation act there)."""
MAX_DELAY = 60.0
"""Longest injected delay (seconds): an injected behaviour never makes a client hang for good."""
MAX_TRANSCRIPT = 32 * 1024 * 1024
"""Bytes kept per direction and session: a hostile client cannot make one record unbounded."""
START_TIMEOUT = 10.0


class TcpService(Protocol):
    """What the admin API needs of a TCP mock."""

    name: str

    def reset(self) -> None:
        """Forget per-run state (not the exchange store)."""
        ...


@dataclass
class Transcript:
    """Everything one connection carried, in arrival order per direction."""

    service: str
    peer: str | None
    started: float = field(default_factory=time.time)
    received: bytearray = field(default_factory=bytearray)
    sent: bytearray = field(default_factory=bytearray)
    info: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    status: int = 0
    recorded: bool = False

    def client(self, data: bytes) -> None:
        if len(self.received) < MAX_TRANSCRIPT:
            self.received += data[: MAX_TRANSCRIPT - len(self.received)]

    def server(self, data: bytes) -> None:
        if len(self.sent) < MAX_TRANSCRIPT:
            self.sent += data[: MAX_TRANSCRIPT - len(self.sent)]

    def exchange(self, operation: str, scenario_id: str | None) -> Exchange:
        return Exchange(service=self.service, operation=operation, scenario_id=scenario_id, peer=self.peer,
                        started_at=self.started, ended_at=time.time(), request_body=bytes(self.received),
                        response_body=bytes(self.sent), status=self.status, request_headers=dict(self.info),
                        findings=list(self.findings))


def peer_of(transport: asyncio.BaseTransport) -> str | None:
    peer = transport.get_extra_info("peername")
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else None


class TcpRecorder:
    """One TCP mock's access to the shared store: scenario, records, behaviours. Never raises on a store error."""

    def __init__(self, store: Store, service: str) -> None:
        self.store = store
        self.service = service

    def scenario(self) -> str | None:
        try:
            return self.store.scenario(self.service)
        except Exception as exc:
            log.error("current scenario unreadable: %s", exc)
            return None

    def record(self, exchange: Exchange) -> bool:
        """Commit `exchange`; False when the store refused it (logged)."""
        try:
            self.store.record(exchange)
            return True
        except Exception as exc:
            log.error("%s exchange %s not recorded: %s", self.service, exchange.operation, exc)
            return False

    def finish(self, transcript: Transcript, operation: str) -> bool:
        """Record the connection's transcript, once whatever calls it how often."""
        if transcript.recorded:
            return True
        transcript.recorded = True
        return self.record(transcript.exchange(operation, self.scenario()))

    def behaviour(self, point: str) -> Behaviour | None:
        """The behaviour to apply at `point` (CONNECT or a command), consuming one use of it."""
        try:
            if point != CONNECT and not any(b.operation == point for b in self.store.behaviours(self.service)):
                return None
            return self.store.take_behaviour(self.service, point)
        except Exception as exc:
            log.error("behaviours unreadable: %s", exc)
            return None


def delay_seconds(behaviour: Behaviour) -> float:
    try:
        return max(0.0, min(MAX_DELAY, float(behaviour.params.get("seconds", 1.0))))
    except (TypeError, ValueError):
        return 1.0


def injected_finding(behaviour: Behaviour, point: str) -> Finding:
    return Finding("info", "INJECTED", f"comportement {behaviour.kind} {behaviour.params} appliqué ({point})")


def reset_connection(transport: asyncio.BaseTransport) -> None:
    """Close with a TCP reset (SO_LINGER 0): the client sees the connection refused, not a polite close."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()  # type: ignore[attr-defined]


ProtocolFactory = Callable[[asyncio.AbstractEventLoop], asyncio.Protocol]


class TcpServer:
    """An asyncio TCP server on its own thread and event loop (port 0: any free port)."""

    def __init__(self, factory: ProtocolFactory, host: str, port: int) -> None:
        self.factory, self.host, self.port = factory, host, port
        self.loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._run, name=f"tcp-{port}", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self._server = self.loop.run_until_complete(
                self.loop.create_server(lambda: self.factory(self.loop), self.host, self.port))
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:  # port taken: reported by start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        self._server.close()
        pending = asyncio.all_tasks(self.loop)  # sessions still open when the mock stops
        for task in pending:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise RuntimeError(f"TCP server on {self.host}:{self.port} did not start")
        if self._error is not None:
            raise RuntimeError(f"TCP server on {self.host}:{self.port}: {self._error}") from self._error

    def stop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)


def admin_app(service: TcpService, store: Store) -> Flask:
    """The admin API (/_admin) of a TCP mock: admin.py's blueprint with the TCP behaviour kinds."""
    app = Flask(f"mock-{service.name}-admin")
    app.register_blueprint(admin_blueprint(service, store, kinds=TCP_BEHAVIOUR_KINDS),  # type: ignore[arg-type]
                           url_prefix="/_admin")

    @app.errorhandler(404)
    def not_found(_exc: Exception) -> tuple[Response, int]:
        return jsonify({"error": f"no such admin endpoint on the {service.name} mock"}), 404

    @app.errorhandler(405)
    def bad_method(_exc: Exception) -> tuple[Response, int]:
        return jsonify({"error": f"method not allowed on this admin endpoint of the {service.name} mock"}), 405

    return app


class AdminServer:
    """The admin API served by werkzeug on a thread (port 0: any free port)."""

    def __init__(self, app: Flask, host: str, port: int) -> None:
        self.server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self.port = self.server.server_port
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"admin-{self.port}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self._thread.join(timeout=5)
        self.server.server_close()


def serve_until_stopped(servers: list[Any]) -> None:
    """Start `servers` (objects with start/stop), block until SIGTERM or Ctrl-C, stop them in reverse order."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _s, _f: stop.set())
    started = []
    try:
        for server in servers:
            server.start()
            started.append(server)
        while not stop.wait(0.5):
            pass
    finally:
        for server in reversed(started):
            server.stop()
