"""Requests run on the mock worker's event loop (worker.py) behave as those run in a thread.

The fast path (a plain whole request answered on the loop) must give the same
answers and the same store rows as the thread path on the same seeded
requests, hand anything it cannot judge to a thread, never wait on a client
that does not read, and leave a request that waits on purpose (a delay
behaviour) to a thread so it holds no other client.
"""

from __future__ import annotations

import http.client
import io
import multiprocessing
import random
import re
import socket
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from insi_mock_support import CT, Envelope, recsans, traits_request, vitale_request
from test_framework_gunicorn import HEAD, REFUSED_BY_HTTP, Mock, raw_exchange, start_mock

from segur_harness.mocks.framework.app import MockPipeline
from segur_harness.mocks.framework.prebuffer import request_complete, request_path, single_request
from segur_harness.mocks.framework.worker import _timed
from segur_harness.store import Behaviour, Store

VALID = ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")
_VARIABLE = re.compile(rb"urn:uuid:[0-9a-f-]{36}|\b\d{10}\.\d+\b")
"""The answer's own wsa:MessageID (a new UUID each time) and timestamps: the only bytes that may differ."""


def _seeded_requests(seed: int) -> list[bytes]:
    """Raw HTTP requests: valid and invalid INSi calls, refused HTTP, odd framing; same list for a seed."""
    rng = random.Random(seed)
    bodies = [
        traits_request(*VALID, env=Envelope(message_id="urn:uuid:00000000-0000-4000-8000-000000000001")),
        traits_request("INCONNU", "X", "M", "1990-01-01", env=Envelope(message_id="urn:x:2")),
        traits_request(*VALID, env=Envelope(idam="BAD", message_id="urn:x:3")),
        vitale_request(("1234567890123", None), "1990-01-01", env=Envelope(message_id="urn:x:4")),
        Envelope(message_id="urn:x:5").wrap("rechercherInsAvecTraitsIdentite",
                                            recsans("A", "B", "X", "1990-13-45", extra="<ns:Odd/>")),
        b"<not-xml", b"", b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>",
    ]
    raw = [HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body for body in bodies]
    raw += [b"POST /lps HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s"
            % (len(bodies[0]), bodies[0])]
    raw += [HEAD + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(bodies[0]), bodies[0])]
    raw += list(REFUSED_BY_HTTP.values())
    rng.shuffle(raw)
    return raw


def _normalised(data: bytes) -> bytes:
    data = _VARIABLE.sub(b"<variable>", data)
    return re.sub(rb"\r\nDate: [^\r]*", b"", data)


def _rows(store: Path) -> list[tuple]:
    with sqlite3.connect(store, timeout=30) as conn:
        rows = conn.execute("SELECT method, path, status, request_body, response_body, findings, message_id,"
                            " request_headers, response_headers FROM exchanges ORDER BY id").fetchall()
    return [tuple(_normalised(v) if isinstance(v, bytes) else v for v in row) for row in rows]


@pytest.fixture(scope="module")
def mocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Mock, Mock]]:
    """One single-worker mock with requests on the event loop (the default), one with every request in a thread."""
    inline = start_mock(tmp_path_factory.mktemp("inline"), workers=1)
    threaded = start_mock(tmp_path_factory.mktemp("threaded"), workers=1, SEGUR_MOCK_INLINE="0")
    try:
        yield inline, threaded
    finally:
        inline.process.stop()
        threaded.process.stop()


def test_kept_alive_connections_take_turns_on_the_loop(mocks: tuple[Mock, Mock]) -> None:
    """Runs first: only plain requests so far, so the inline worker never started a thread."""
    sessions = [requests.Session() for _ in range(5)]
    for _ in range(4):
        for session in sessions:
            answer = session.post(f"{mocks[0].url}/lps", data=traits_request(*VALID), headers={"Content-Type": CT},
                                  timeout=10)
            assert answer.status_code == 200 and b"<CodeCR>00</CodeCR>" in answer.content
    threads = [int(Path(f"/proc/{m.workers()[0]}/status").read_text().split("Threads:")[1].split()[0]) for m in mocks]
    assert threads[0] == 1 and threads[1] > 1  # the event loop alone; the loop and its pool's threads


@pytest.mark.parametrize("seed", [1, 2])
def test_the_event_loop_answers_and_records_as_a_thread_does(mocks: tuple[Mock, Mock], seed: int) -> None:
    inline, threaded = mocks
    before = [len(_rows(m.store)) for m in mocks]
    for data in _seeded_requests(seed):
        answers = [_normalised(raw_exchange(m.port, data)) for m in mocks]
        assert answers[0] == answers[1], data[:120]
    rows = [_rows(m.store)[start:] for m, start in zip(mocks, before, strict=True)]
    assert rows[0] == rows[1]
    assert len(rows[0]) == len(_seeded_requests(seed))


def test_a_delayed_request_holds_no_other_client(tmp_path: Path) -> None:
    mock = start_mock(tmp_path, workers=1)
    try:
        requests.post(f"{mock.url}/_admin/behaviours", timeout=10, json={
            "kind": "delay", "operation": "rechercherInsAvecCarteVitale", "params": {"seconds": 2.0}, "times": 1})
        delayed = threading.Thread(target=requests.post, args=(f"{mock.url}/lps",), kwargs={
            "data": vitale_request(("1234567890123", None), "1990-01-01"), "headers": {"Content-Type": CT},
            "timeout": 10})
        delayed.start()
        time.sleep(0.3)
        start = time.monotonic()
        answer = requests.post(f"{mock.url}/lps", data=traits_request(*VALID), headers={"Content-Type": CT},
                               timeout=10)
        took = time.monotonic() - start
        delayed.join()
    finally:
        mock.process.stop()
    assert answer.status_code == 200
    assert took < 1.0, f"a valid request waited {took:.2f} s behind a delayed one"


def test_an_answer_the_client_does_not_take_is_queued_not_waited_for() -> None:
    left, right = socket.socketpair()
    try:
        left.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        sock = _timed(left)
        sock.settimeout(5.0)
        sock.outbox = bytearray()
        payload = bytes(range(256)) * 4096  # 1 MB: far more than the socket buffers hold
        start = time.monotonic()
        sock.sendall(payload[:1000])
        sock.sendall(payload[1000:])
        assert time.monotonic() - start < 0.5
        assert 0 < len(sock.outbox) < len(payload)
        assert sock.gettimeout() == 5.0  # the reads that may follow keep their timeout
        sent = len(payload) - len(sock.outbox)
        got = bytearray()
        while len(got) < sent:
            got += right.recv(65536)
        assert bytes(got) + bytes(sock.outbox) == payload
        sock.outbox = None
    finally:
        left.close()
        right.close()


@pytest.mark.parametrize("seed", range(3))
def test_single_request_is_only_a_whole_plain_request(seed: int) -> None:
    rng = random.Random(seed)
    for data in _seeded_requests(seed):
        for cut in sorted({rng.randrange(len(data) + 1) for _ in range(40)} | {len(data)}):
            prefix = data[:cut]
            if single_request(prefix, 1 << 17):
                assert request_complete(prefix, 1 << 20, 1 << 17)  # the loop only runs what is whole
                assert cut == len(data) or prefix.count(b"\r\n\r\n") == 1
                assert b"chunked" not in prefix.lower()
    whole = HEAD + b"Content-Length: 3\r\n\r\nabc"
    assert single_request(whole) and not single_request(whole + b"P") and not single_request(whole[:-1])
    assert not single_request(whole, 2)
    assert not single_request(HEAD + b"Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
    assert not single_request(HEAD + b"Content-Length: 3\r\nExpect: 100-continue\r\n\r\nabc")


def _clients(args: tuple[int, int, int]) -> list[tuple[int, float]]:
    """`threads` keep-alive clients, opened at once, `count` requests each: (request index, latency)."""
    port, threads, count = args
    out: list[tuple[int, float]] = []

    def one() -> None:
        body = traits_request(*VALID)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for index in range(count):
            start = time.monotonic()
            conn.request("POST", "/lps", body=body, headers={"Content-Type": CT})
            conn.getresponse().read()
            out.append((index, time.monotonic() - start))
        conn.close()

    pool = [threading.Thread(target=one) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return out


def test_connections_opening_together_are_accepted_while_the_loop_is_busy(tmp_path: Path) -> None:
    """gunicorn accepts one connection per loop turn, and a turn runs every ready request on the loop: 50
    connections opening at once waited up to 0.4 s for their first answer (the others' took 35 ms)."""
    mock = start_mock(tmp_path, workers=2)
    try:
        with multiprocessing.get_context("fork").Pool(2) as pool:
            pool.map(_clients, [(mock.port, 25, 4)] * 2)  # warm-up: schemas compiled in both workers
            results = [r for part in pool.map(_clients, [(mock.port, 25, 30)] * 2) for r in part]
    finally:
        mock.process.stop()
    first = max(latency for index, latency in results if index == 0)
    usual = statistics.median(latency for index, latency in results if index > 0)
    assert len(results) == 1500
    assert first < 5 * usual + 0.05, f"first answers took up to {first:.3f} s, the others {usual:.3f} s"


class _WaitingService:
    """A service whose /psc/ requests make an outbound call (as the DMP's PSC gateway does)."""

    name = "waiting"

    def routes(self) -> list[str]:
        return ["/psc/x", "/lps"]

    def may_block(self, path: str) -> bool:
        return path.startswith("/psc/")


def test_requests_that_may_wait_are_named_by_the_service_or_a_delay(tmp_path: Path) -> None:
    store = Store(tmp_path / "exchanges.sqlite")
    pipeline = MockPipeline(_WaitingService(), store, 1 << 16, None)  # type: ignore[arg-type]
    assert pipeline.may_block("/psc/x") and not pipeline.may_block("/lps")
    store.add_behaviour("waiting", Behaviour("fault", None, {}, None))
    assert not pipeline.may_block("/lps")  # a fault answers at once
    store.add_behaviour("waiting", Behaviour("delay", "op", {"seconds": 1}, 1))
    assert pipeline.may_block("/lps")
    assert request_path(b"POST /psc/x?a=1 HTTP/1.1\r\nHost: h\r\n\r\n") == "/psc/x"
    assert request_path(b"GET /a%20b HTTP/1.1\r\n\r\n") == "/a%20b"
    assert request_path(b"\r\n") == ""


def test_the_state_may_block_read_serves_the_next_request_once(app_store) -> None:
    """One read of the store for both the worker's question and the pipeline's scenario (no behaviour set)."""
    app, store = app_store
    pipeline: MockPipeline = app.extensions["segur_mock_pipeline"]
    store.set_scenario("insi", "SC-1")
    body = traits_request(*VALID)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/lps", "CONTENT_TYPE": CT, "CONTENT_LENGTH": str(len(body)),
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
               "SERVER_PROTOCOL": "HTTP/1.1"}
    reads: list[str] = []
    real = store.scenario_and_behaviour
    store.scenario_and_behaviour = lambda *a: (reads.append("read"), real(*a))[1]  # type: ignore[method-assign]

    def call() -> int:
        return pipeline.result({**environ, "wsgi.input": io.BytesIO(body)}).status

    assert not pipeline.may_block("/lps") and call() == 200 and reads == []
    assert call() == 200 and reads == ["read"]  # used once: without may_block the store is read again
    store.add_behaviour("insi", Behaviour("outage", None, {"status": 503}, 1))
    assert not pipeline.may_block("/lps") and call() == 503  # a behaviour is set: it is read, and applied
    assert [e.scenario_id for e in store.exchanges()] == ["SC-1"] * 3
