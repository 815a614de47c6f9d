"""gunicorn worker for the mocks: gthread that never gives a thread to a slow client, and answers in-protocol.

- A connection stays on the worker's event loop (no thread) until it has sent
  a whole request (prebuffer.request_complete) or its `header_timeout` is up;
  then a thread parses the buffered bytes at once. A client that stalled
  half-way is answered 408 and let go; one that sent nothing is just closed.
- A plain whole request (prebuffer.single_request) is run on the event loop
  itself, not handed to a thread: the mocks' work is CPU-bound, so threads
  only took turns on the GIL and paid the hand-offs (bench_mocks: ~0.2 ms of
  server CPU a request). Its answer is sent without blocking, the rest kept
  and sent as the client reads (a client that reads nothing is dropped after
  `read_timeout`). The exchanges of the requests one loop turn runs are
  committed together (Store.holding / flush_records: one transaction) and
  only then are their answers sent: an answer still never leaves before its
  record is durable. Requests that may wait (a delay behaviour is set, or
  the service's `may_block(path)` says so: an outbound call; the app's
  pipeline tells) and everything else go to a thread as before;
  SEGUR_MOCK_INLINE=0 sends every request to a thread.
- Socket reads in threads are bounded (`read_timeout` per read, a deadline
  per request), so nothing can hold a thread for long.
- A connection closed after its answer is half-closed and its unread input
  drained on the event loop for a bounded time (RFC 9112 lingering close):
  the client gets its whole answer, and no client holds the loop meanwhile.
- HTTP that gunicorn's parser refuses (bad framing, invalid or oversized
  headers, a timeout) is recorded through the app's pipeline and answered by
  the service's protocol_error (a SOAP 1.2 Fault for SOAP mocks), instead of
  gunicorn's HTML page.

Use: gunicorn -k segur_harness.mocks.framework.worker.MockWorker ...
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import socket
import time
from concurrent.futures import Future
from functools import partial
from typing import Any

from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import TConn, ThreadWorker
from werkzeug.http import HTTP_STATUS_CODES

from .app import UNKNOWN
from .prebuffer import request_complete, request_path, single_request

HEADER_TIMEOUT = float(os.environ.get("SEGUR_MOCK_HEADER_TIMEOUT", "10"))
"""Seconds a connection has to send one whole request (headers and body) once it started."""
READ_TIMEOUT = float(os.environ.get("SEGUR_MOCK_READ_TIMEOUT", "5"))
"""Seconds one socket read in a thread may wait."""
RECORDED_BYTES = 64 * 1024
"""At most this much of a request the HTTP layer refuses is recorded."""
PREBUFFER_CAP = 1024 * 1024
"""Above this many buffered bytes a request is handed to a thread as it is (the app bounds the body)."""
LINGER_SECONDS = 2.0
"""How long a closed connection's unread input is drained, on the event loop (gunicorn's figure)."""
LINGER_BYTES = 4 * 1024 * 1024
"""At most this much of it: enough for a refused body still in flight to reach us, not an RST, so the
client reads its answer; a client sending more, or longer, is cut off."""
LINGER_MAX_CONNECTIONS = 1000
"""Beyond this many lingering connections a closing one is closed at once."""
INLINE = os.environ.get("SEGUR_MOCK_INLINE", "1") != "0"
"""Run plain whole requests on the event loop (module docstring); "0": every request in a thread."""
INLINE_READ_GRACE = 0.05
"""On the loop a request is already whole: a read the parser still makes waits at most this, then 408."""
ACCEPT_EVERY = 0.002
"""While it runs requests, the loop also accepts a waiting connection this often (seconds): gunicorn accepts one
per loop turn, and a turn runs every ready request, so 50 connections opening at once waited up to 0.4 s."""
HOLD_MAX = 32
"""At most this many answers of one loop turn wait for their records' common commit..."""
HOLD_SECONDS = 0.02
"""...nor longer than this (seconds) after the first of them was ready: a long turn commits in parts."""


class ClientTimeout(http_errors.ParseException):
    """The client did not send its request in time (not an OSError: gunicorn then calls handle_error)."""

    http_status = 408

    def __str__(self) -> str:
        return "request not received in time (client stopped sending)"


class _TimedSocket(socket.socket):
    """A client socket whose blocking reads are bounded by a per-read timeout and a deadline."""

    deadline: float | None = None
    received: bytes = b""
    """The first bytes the client sent (recorded when the HTTP layer refuses the request)."""
    outbox: bytearray | None = None
    """While a request runs on the event loop: what the client could not take yet (sent by the loop)."""
    held: bool = False
    """While its record waits for the turn's commit: the answer is only queued in `outbox`, nothing sent."""

    def setblocking(self, flag: bool) -> None:
        if flag:
            super().settimeout(READ_TIMEOUT)
        else:
            super().setblocking(False)

    def recv(self, size: int, *flags: int) -> bytes:
        timeout = self.gettimeout()
        if timeout != 0.0 and self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise ClientTimeout()
            super().settimeout(min(remaining, READ_TIMEOUT))
        try:
            return super().recv(size, *flags)
        except TimeoutError:
            raise ClientTimeout() from None

    def sendall(self, data: Any, *flags: int) -> None:
        """Blocking send, or on the event loop: what the socket takes now, the rest queued in `outbox`."""
        outbox = self.outbox
        if outbox is None:
            super().sendall(data, *flags)
            return
        if outbox or self.held:
            outbox += data
            return
        timeout = self.gettimeout()
        super().settimeout(0.0)
        try:
            sent = super().send(data, *flags)
        except (BlockingIOError, InterruptedError):
            sent = 0
        finally:
            super().settimeout(timeout)
        if sent < len(data):
            outbox += memoryview(data)[sent:]


def _timed(sock: socket.socket) -> _TimedSocket:
    return _TimedSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())


class _Conn(TConn):
    """TConn plus the bytes read on the event loop before a thread took it."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.prebuf = bytearray()
        self.buffer_deadline = 0.0
        self.lingered = 0

    def init(self) -> None:
        super().init()
        self.inject()

    def inject(self) -> None:
        """Give the buffered bytes to the parser (ahead of anything it holds)."""
        if self.prebuf and self.parser is not None:
            self.parser.unreader.unread(bytes(self.prebuf))
            self.prebuf = bytearray()

    linger: Any = None
    """The worker's MockWorker._linger, set at accept."""

    def close(self, graceful: bool = False) -> None:
        """A graceful close lingers on the worker's event loop (gunicorn's blocks it for up to 2 s)."""
        if graceful and self.linger is not None:
            self.linger(self)
        else:
            super().close(graceful)


class MockWorker(ThreadWorker):
    """See the module docstring."""

    def init_process(self) -> None:
        self.buffering: dict[_Conn, None] = {}
        self.lingering: dict[_Conn, float] = {}
        self.writing: dict[_Conn, float] = {}
        self._next_accept = 0.0
        self._drain = bytearray(262144)
        self._held: list[tuple[_Conn, Future]] = []
        self._held_since = 0.0
        super().init_process()

    # -- connections: accepted and kept on the loop until a request is whole --
    def accept(self, listener: socket.socket) -> None:
        try:
            client_sock, client_addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = _Conn(self.cfg, _timed(client_sock), client_addr, listener.getsockname())
        conn.linger = self._linger
        self.enqueue_req(conn)

    def enqueue_req(self, conn: TConn) -> None:
        if (not isinstance(conn, _Conn) or self.cfg.is_ssl
                or (conn.parser is not None and conn.parser.unreader.buf.getvalue())):
            super().enqueue_req(conn)
            return
        conn.sock.setblocking(False)
        conn.buffer_deadline = time.monotonic() + HEADER_TIMEOUT
        self.buffering[conn] = None
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))
        self._on_readable(conn, conn.sock)  # a kept-alive client's next request is usually there already

    def _on_readable(self, conn: _Conn, _sock: socket.socket) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data and not conn.prebuf:
            self._drop(conn)
            return
        conn.prebuf += data
        if (data and INLINE and single_request(conn.prebuf, self._body_limit())
                and not self._may_block(conn.prebuf)):
            self._run_inline(conn)
        elif not data or request_complete(conn.prebuf, PREBUFFER_CAP, self._body_limit()):
            self._hand_over(conn, None)

    def _pipeline(self) -> Any:
        """The app's MockPipeline (app.py), None for another WSGI app (the benchmarks' floor)."""
        return getattr(self.wsgi, "extensions", {}).get("segur_mock_pipeline")

    def _body_limit(self) -> int | None:
        """The app's body bound (a body announced above it is refused from its header: not buffered)."""
        limit = getattr(self, "_limit", False)
        if limit is False:
            limit = self._limit = getattr(self._pipeline(), "max_body_bytes", None)
        return limit

    def _may_block(self, request: bytearray) -> bool:
        """True when the app says the buffered request may wait (MockPipeline.may_block of its path)."""
        may_block = getattr(self._pipeline(), "may_block", None)
        if not callable(may_block):
            return False
        return bool(may_block(request_path(request)))

    # -- plain whole requests: run on the event loop ----------------------------
    def _run_inline(self, conn: _Conn) -> None:
        """gunicorn's handle and finish_request on this thread; the answer sent without blocking the loop."""
        now = time.monotonic()
        if now >= self._next_accept:
            self._next_accept = now + ACCEPT_EVERY
            self._accept_waiting()
        self._unwatch(conn)
        conn.data_ready = True
        sock = conn.sock
        sock.received = bytes(conn.prebuf[:RECORDED_BYTES])
        sock.deadline = time.monotonic() + INLINE_READ_GRACE
        sock.outbox = bytearray()
        store = getattr(self._pipeline(), "store", None)
        sock.held = store is not None
        done: Future = Future()
        with store.holding() if store is not None else contextlib.nullcontext():
            try:
                done.set_result(self.handle(conn))
            except Exception as exc:  # handle() answers its own errors: only a bug of ours gets here
                done.set_exception(exc)
        if not sock.held:
            self._send_queued(conn, done)
            return
        if not self._held:
            self._held_since = time.monotonic()
        self._held.append((conn, done))
        if len(self._held) >= HOLD_MAX or time.monotonic() - self._held_since >= HOLD_SECONDS:
            self._release_held()

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        """gunicorn's loop turn, then the commit of the turn's records and the sending of their answers."""
        super().wait_for_and_dispatch_events(timeout)
        self._release_held()

    def _release_held(self) -> None:
        """Commit the records of the held answers in one transaction, then send them (or, if the store
        refused, a technical error in the service's shape instead, and close: as a record that fails does)."""
        held, self._held = self._held, []
        if not held:
            return
        pipeline = self._pipeline()
        error = pipeline.store.flush_records()
        if error is not None:
            self.log.error("%d exchanges not recorded: %s (answered as a technical error)", len(held), error)
            refusal = _http_answer(pipeline.refusal("the mock could not record this exchange", UNKNOWN, 500))
        for conn, done in held:
            conn.sock.held = False
            if error is not None:
                conn.sock.outbox = bytearray(refusal)
                done = Future()
                done.set_result(False)  # closed once the refusal is sent
            self._send_queued(conn, done)

    def _send_queued(self, conn: _Conn, done: Future) -> None:
        """Send what the answer left in the socket's outbox without blocking; the loop sends the rest."""
        sock = conn.sock
        outbox = sock.outbox
        if outbox:
            try:
                sock.setblocking(False)
                sent = sock.send(outbox)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self._drop_writer(conn)
                return
            del outbox[:sent]
        if not outbox:
            sock.outbox = None
            self.finish_request(conn, done)
            return
        sock.setblocking(False)
        self.writing[conn] = time.monotonic() + READ_TIMEOUT
        try:
            self.poller.register(sock, selectors.EVENT_WRITE, partial(self._on_writable, conn, done))
        except (OSError, KeyError, ValueError):
            self._drop_writer(conn)

    def _accept_waiting(self) -> None:
        """One connection waiting on each listener, if any (accept() returns at once when there is none)."""
        if self._accepting and self.nr_conns < self.worker_connections:
            for listener in self.sockets:
                self.accept(listener)

    def _on_writable(self, conn: _Conn, done: Future, _sock: socket.socket) -> None:
        sock = conn.sock
        outbox = sock.outbox or bytearray()
        try:
            sent = sock.send(outbox)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop_writer(conn)
            return
        del outbox[:sent]
        if outbox:
            return
        self.writing.pop(conn, None)
        with contextlib.suppress(OSError, KeyError, ValueError):
            self.poller.unregister(sock)
        sock.outbox = None
        self.finish_request(conn, done)

    def _drop_writer(self, conn: _Conn) -> None:
        """A client that does not read its answer (or is gone): closed, the rest of the answer dropped."""
        self.writing.pop(conn, None)
        with contextlib.suppress(OSError, KeyError, ValueError):
            self.poller.unregister(conn.sock)
        conn.sock.outbox = None
        self.nr_conns -= 1
        _close(conn.sock)

    def _hand_over(self, conn: _Conn, deadline: float | None) -> None:
        self._unwatch(conn)
        conn.data_ready = True
        conn.sock.received = bytes(conn.prebuf[:RECORDED_BYTES])
        conn.sock.deadline = deadline if deadline is not None else time.monotonic() + HEADER_TIMEOUT
        super().enqueue_req(conn)

    def _unwatch(self, conn: _Conn) -> None:
        self.buffering.pop(conn, None)
        with contextlib.suppress(OSError, KeyError, ValueError):
            self.poller.unregister(conn.sock)

    def _drop(self, conn: _Conn) -> None:
        self._unwatch(conn)
        self.nr_conns -= 1
        conn.close()

    # -- closing: RFC 9112 §9.6 lingering close, without a thread nor the loop waiting --
    def _linger(self, conn: _Conn) -> None:
        """Half-close (the answer is whole for the client), then drain its unread input on the event loop.

        Called by gunicorn's finish_request on the event loop for every
        connection it closes; its own close_graceful waited there for the
        client's FIN, so a few clients that kept their socket open after a
        Connection: close answer stalled every connection of the worker.
        """
        sock = conn.sock
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.setblocking(False)
        except OSError:
            _close(sock)
            return
        if len(self.lingering) >= LINGER_MAX_CONNECTIONS:
            _close(sock)
            return
        conn.lingered = 0
        self.lingering[conn] = time.monotonic() + LINGER_SECONDS
        try:
            self.poller.register(sock, selectors.EVENT_READ, partial(self._on_linger_readable, conn))
        except (OSError, KeyError, ValueError):
            self._end_linger(conn)

    def _on_linger_readable(self, conn: _Conn, _sock: socket.socket) -> None:
        try:
            size = conn.sock.recv_into(self._drain)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            size = 0
        conn.lingered += size
        if not size or conn.lingered >= LINGER_BYTES:
            self._end_linger(conn)

    def _end_linger(self, conn: _Conn) -> None:
        self.lingering.pop(conn, None)
        with contextlib.suppress(OSError, KeyError, ValueError):
            self.poller.unregister(conn.sock)
        _close(conn.sock)

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c, deadline in self.lingering.items() if deadline <= now or not self.alive]:
            self._end_linger(conn)
        for conn in [c for c, deadline in self.writing.items() if deadline <= now]:
            self._drop_writer(conn)
        for conn in [c for c in self.buffering if c.buffer_deadline <= now or not self.alive]:
            if not self.alive and not conn.prebuf:
                self._drop(conn)  # stopping: a connection that sent nothing does not hold the shutdown
                continue
            if conn.buffer_deadline > now:
                continue
            if conn.prebuf:
                self._hand_over(conn, now)  # a thread answers 408 at once: the deadline is past
            else:
                self._drop(conn)

    def handle(self, conn: TConn) -> Any:
        if isinstance(conn, _Conn) and conn.initialized:
            conn.inject()
        return super().handle(conn)

    # -- refusals in the service's own shape -----------------------------------
    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: BaseException) -> None:
        pipeline = self._pipeline()
        if pipeline is None:
            super().handle_error(req, client, addr, exc)
            return
        req = req or getattr(exc, "req", None)
        status = _status_of(exc)
        reason = str(exc)[:300] if isinstance(exc, http_errors.ParseException) else "internal error in the mock"
        self.log.warning("request refused by the HTTP layer from %s: %s", (addr or ("",))[0], reason)
        try:
            result = pipeline.server_refusal(f"HTTP request refused: {reason}", status, _peer(addr), req,
                                             getattr(client, "received", b""))
            client.sendall(_http_answer(result))
        except Exception as write_exc:  # the client may be gone: nothing more to do
            self.log.debug("refusal not sent: %s", write_exc)


def _http_answer(result: Any) -> bytes:
    """A MockResult as a whole HTTP/1.1 answer that closes the connection (refusals sent by the worker itself)."""
    head = (f"HTTP/1.1 {result.status} {HTTP_STATUS_CODES.get(result.status, 'Error')}\r\n"
            f"Content-Type: {result.content_type}\r\nContent-Length: {len(result.body)}\r\n"
            "Connection: close\r\n\r\n")
    return head.encode("latin-1") + result.body


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


def _peer(addr: Any) -> str:
    return str(addr[0]) if isinstance(addr, tuple) and addr else ""


def _status_of(exc: BaseException) -> int:
    if isinstance(exc, ClientTimeout):
        return 408
    if isinstance(exc, http_errors.LimitRequestHeaders):
        return 431
    if isinstance(exc, http_errors.LimitRequestLine):
        return 414
    if isinstance(exc, http_errors.UnsupportedTransferCoding):
        return 501
    if isinstance(exc, http_errors.ParseException):
        return 400
    return 500
