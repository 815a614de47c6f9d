"""The INSi mock under its real server (gunicorn + MockWorker): refused HTTP, slow clients, killed workers.

Every answer must be a SOAP 1.2 envelope and every request one store row,
whatever the HTTP layer thought of it; slow clients must not starve valid
ones; SIGKILL must not lose an answered exchange.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from insi_mock_support import CT, SOAP12, Answer, traits_request

from segur_harness.mocks.framework.serving import gunicorn_command, mock_app_spec
from segur_harness.processes import ServiceProcess, free_port

VALID = ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")
HEAD = b"POST /lps HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/soap+xml\r\n"


@dataclass
class Mock:
    url: str
    port: int
    store: Path
    process: ServiceProcess

    def workers(self) -> list[int]:
        """PIDs of the gunicorn workers (children of the master)."""
        assert self.process.process is not None
        master = self.process.process.pid
        out = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if int((entry / "stat").read_text().split(") ", 1)[1].split()[1]) == master:
                        out.append(int(entry.name))
                except (OSError, IndexError, ValueError):
                    continue
        return out

    def rows(self, since: int = 0) -> list[tuple]:
        with sqlite3.connect(self.store, timeout=30) as conn:
            return conn.execute(
                "SELECT id, method, path, status, request_body, response_body, message_id FROM exchanges"
                " WHERE id > ? ORDER BY id", (since,)
            ).fetchall()

    def last_id(self) -> int:
        with sqlite3.connect(self.store, timeout=30) as conn:
            return conn.execute("SELECT COALESCE(MAX(id), 0) FROM exchanges").fetchone()[0]


def start_mock(tmp: Path, workers: int = 2, **env: str) -> Mock:
    port = free_port()
    store = tmp / "exchanges.sqlite"
    command = gunicorn_command(mock_app_spec("insi"), "127.0.0.1", port, workers)
    process = ServiceProcess("insi mock", command, f"http://127.0.0.1:{port}/_admin/health", tmp / "mock.log",
                             {"SEGUR_STORE": str(store), **env})
    process.start(timeout=60)
    return Mock(f"http://127.0.0.1:{port}", port, store, process)


@contextmanager
def running_mock(tmp: Path, workers: int = 2, **env: str) -> Iterator[Mock]:
    """start_mock, stopped on the way out (for module fixtures)."""
    running = start_mock(tmp, workers, **env)
    try:
        yield running
    finally:
        running.process.stop()


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mock]:
    with running_mock(tmp_path_factory.mktemp("gunicorn-mock"), SEGUR_MOCK_HEADER_TIMEOUT="3") as running:
        yield running


def raw_exchange(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes, half-close, read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
    return out


def valid_call(url: str, timeout: float = 10) -> requests.Response:
    return requests.post(f"{url}/lps", data=traits_request(*VALID), headers={"Content-Type": CT}, timeout=timeout)


REFUSED_BY_HTTP = {
    "content-length-and-chunked": HEAD + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "del-in-header": HEAD + b"X-Odd: a\x7fb\r\nContent-Length: 0\r\n\r\n",
    "negative-content-length": HEAD + b"Content-Length: -5\r\n\r\n",
    "16kb-header": HEAD + b"X-Big: " + b"a" * 16384 + b"\r\nContent-Length: 0\r\n\r\n",
    "40kb-header": HEAD + b"X-Big: " + b"a" * 40000 + b"\r\nContent-Length: 0\r\n\r\n",
    "200-headers": HEAD + b"".join(b"X-H%d: v\r\n" % i for i in range(200)) + b"Content-Length: 0\r\n\r\n",
    "300-headers": HEAD + b"".join(b"X-H%d: v\r\n" % i for i in range(300)) + b"Content-Length: 0\r\n\r\n",
    "bad-request-line": b"NOT HTTP AT ALL\r\n\r\n",
    "chunk-size-zzz": HEAD + b"Transfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
    "chunked-cut-off": HEAD + b"Transfer-Encoding: chunked\r\n\r\n10\r\nabc",
    "get-lps": b"GET /lps HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "post-LPS": b"POST /LPS HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc",
}


@pytest.mark.parametrize("name", list(REFUSED_BY_HTTP))
def test_malformed_http_is_recorded_and_answered_with_a_soap_fault(mock: Mock, name: str) -> None:
    before = mock.last_id()
    answer = raw_exchange(mock.port, REFUSED_BY_HTTP[name])
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert 400 <= status < 500 or status == 501, head
    assert b"content-type: application/soap+xml" in head.lower()
    assert b"<html" not in body.lower() and b"Traceback" not in body
    assert Answer(status, body).fault_code is not None
    rows = mock.rows(before)
    assert len(rows) == 1, f"{name}: exactly one record expected, got {len(rows)}"
    assert rows[0][3] == status
    assert rows[0][5] == body


def test_refused_request_is_recorded_with_what_was_received(mock: Mock) -> None:
    before = mock.last_id()
    raw_exchange(mock.port, REFUSED_BY_HTTP["del-in-header"])
    (row,) = mock.rows(before)
    assert b"X-Odd" in row[4]


def test_many_or_big_headers_reach_the_mock(mock: Mock) -> None:
    """Up to 256 headers of 32 KB get through to the service (and its own checks) instead of a refusal."""
    body = traits_request(*VALID)
    extra = {f"X-H{i}": "v" for i in range(200)} | {"X-Big": "a" * 16384}
    response = requests.post(f"{mock.url}/lps", data=body, headers={"Content-Type": CT, **extra}, timeout=10)
    assert Answer(response.status_code, response.content).code_cr == "00"


def test_fifty_slow_clients_do_not_starve_a_valid_one(mock: Mock) -> None:
    slow = []
    try:
        for index in range(50):
            sock = socket.create_connection(("127.0.0.1", mock.port), timeout=5)
            if index % 2:  # half a request line and headers
                sock.sendall(b"POST /lps HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-")
            else:  # headers and part of the body
                sock.sendall(HEAD + b"Content-Length: 5000\r\n\r\n<soap:Envelope")
            slow.append(sock)
        time.sleep(0.3)
        start = time.monotonic()
        for _ in range(5):
            assert Answer(*_status_body(valid_call(mock.url, timeout=5))).code_cr == "00"
        assert time.monotonic() - start < 3.0, "valid calls were held up by slow clients"
    finally:
        for sock in slow:
            sock.close()


def test_a_stalled_client_is_answered_408_in_protocol_and_recorded(mock: Mock) -> None:
    before = mock.last_id()
    marker = b"<soap:Envelope stalled-408"
    with socket.create_connection(("127.0.0.1", mock.port), timeout=15) as sock:
        sock.sendall(HEAD + b"Content-Length: 5000\r\n\r\n" + marker)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), head
    assert Answer(408, body).root.tag == f"{{{SOAP12}}}Envelope"
    rows = [r for r in mock.rows(before) if r[4].endswith(marker)]  # slow clients of other tests may land too
    assert [r[3] for r in rows] == [408]


def test_a_body_announced_above_the_insi_bound_is_refused_before_it_is_sent(mock: Mock) -> None:
    """Content-Length above [mocks.insi] max_body_bytes: 413 fault at once, recorded with what arrived."""
    before = mock.last_id()
    marker = b"<soap:Envelope announced-2MB"
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", mock.port), timeout=15) as sock:
        sock.sendall(HEAD + b"Content-Length: 2000000\r\n\r\n" + marker)  # the rest is never sent
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    elapsed = time.monotonic() - start
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b"connection: close" in head.lower()  # not kept alive to drain a body it refused
    assert elapsed < 1.5, f"answered after {elapsed:.1f} s: the worker waited for the body (header timeout 3 s)"
    assert Answer(413, body).erreur_code == "insi_004"
    rows = [r for r in mock.rows(before) if r[4].endswith(marker)]
    assert [r[3] for r in rows] == [413] and rows[0][5] == body


@pytest.mark.parametrize("kind", ["connection-close", "announced-above-the-bound"])
def test_clients_that_keep_a_closed_connection_open_do_not_stall_the_worker(mock: Mock, kind: str) -> None:
    """The close after an answer lingers on the event loop: it used to wait there for the client's FIN."""
    body = traits_request(*VALID)
    held = []
    try:
        for _ in range(6):
            sock = socket.create_connection(("127.0.0.1", mock.port), timeout=5)
            if kind == "connection-close":
                sock.sendall(HEAD + b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            else:
                sock.sendall(HEAD + b"Content-Length: 20000000\r\n\r\n<soap:Envelope")
            held.append(sock)  # never read, never closed during the valid calls
        time.sleep(0.2)
        start = time.monotonic()
        for _ in range(5):
            assert Answer(*_status_body(valid_call(mock.url, timeout=10))).code_cr == "00"
        assert time.monotonic() - start < 1.5, "valid calls waited for clients holding closed connections"
        for sock in held:  # each got its whole answer and the server's FIN
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200" if kind == "connection-close" else b"HTTP/1.1 413"), answer[:80]
    finally:
        for sock in held:
            sock.close()


def _status_body(response: requests.Response) -> tuple[int, bytes]:
    return response.status_code, response.content


def _load(url: str, answered: list[str], stop: threading.Event, errors: list[int]) -> None:
    session = requests.Session()
    deadline = time.monotonic() + 30
    while not stop.is_set() and time.monotonic() < deadline:
        body = traits_request(*VALID)
        message_id = body.split(b"<wsa:MessageID>", 1)[1].split(b"<", 1)[0].decode()
        try:
            response = session.post(f"{url}/lps", data=body, headers={"Content-Type": CT}, timeout=10)
        except requests.RequestException:
            session = requests.Session()  # a connection reset by the killed worker: not answered
            errors.append(0)
            continue
        if response.status_code == 200:
            answered.append(message_id)
        else:
            errors.append(response.status_code)


def _stored_message_ids(store: Path) -> set[str]:
    with sqlite3.connect(store, timeout=30) as conn:
        return {r[0] for r in conn.execute("SELECT message_id FROM exchanges WHERE message_id IS NOT NULL")}


def test_sigkill_of_a_worker_mid_load_loses_no_answered_exchange(mock: Mock) -> None:
    answered: list[str] = []
    errors: list[int] = []
    stop = threading.Event()
    clients = [threading.Thread(target=_load, args=(mock.url, answered, stop, errors)) for _ in range(8)]
    for client in clients:
        client.start()
    time.sleep(1.0)
    victim = mock.workers()[0]
    os.kill(victim, signal.SIGKILL)
    time.sleep(1.5)
    stop.set()
    for client in clients:
        client.join(timeout=40)
    assert len(answered) > 50
    assert set(answered) <= _stored_message_ids(mock.store), "an answered exchange is missing from the store"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (len(mock.workers()) < 2 or victim in mock.workers()):
        time.sleep(0.1)
    assert victim not in mock.workers() and len(mock.workers()) == 2, "the killed worker was not replaced"
    assert Answer(*_status_body(valid_call(mock.url))).code_cr == "00"
    assert set(errors) <= {0}, f"statuses other than 200 under load: {sorted(set(errors))}"


def test_sigkill_of_the_whole_mock_keeps_every_answered_exchange(tmp_path: Path) -> None:
    running = start_mock(tmp_path)
    answered: list[str] = []
    errors: list[int] = []
    stop = threading.Event()
    clients = [threading.Thread(target=_load, args=(running.url, answered, stop, errors)) for _ in range(6)]
    try:
        for client in clients:
            client.start()
        time.sleep(1.5)
        assert running.process.process is not None
        os.killpg(running.process.process.pid, signal.SIGKILL)
        stop.set()
        for client in clients:
            client.join(timeout=40)
    finally:
        running.process.stop()
    assert len(answered) > 20
    with sqlite3.connect(running.store, timeout=30) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert set(answered) <= _stored_message_ids(running.store)


def test_prebuffer_hands_over_a_body_above_the_bound_without_waiting_for_it() -> None:
    from segur_harness.mocks.framework.prebuffer import request_complete

    cap, limit = 1 << 20, 1000
    announced = HEAD + b"Content-Length: 1001\r\n\r\n<soap"
    assert request_complete(announced, cap, limit)  # refused from its header: nothing to wait for
    assert not request_complete(announced, cap)  # no bound known: the whole body is awaited
    assert not request_complete(HEAD + b"Content-Length: 1000\r\n\r\n<soap", cap, limit)
    chunked = HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
    assert not request_complete(chunked + b"3e8\r\n" + b"a" * 990, cap, limit)
    assert request_complete(chunked + b"3e8\r\n" + b"a" * 1000 + b"\r\n", cap, limit)
