"""The hostile-input campaign on the wire: the real INSi mock under gunicorn, clients at once, valid traffic alongside.

test_hostile_campaign.py drives each mock's pipeline in process; this one goes
through the mocks' worker (worker.py), where the requests of one event-loop turn
share one commit and their answers wait for it. Hostile requests from several
kept-alive clients, mixed with valid ones: every request answered, never an
HTTP 500, an HTML page, a stack trace or a file's content; every valid answer a
normal one; exactly one record per request; the mock still answers afterwards.
Short here (SEGUR_HOSTILE_WIRE_COUNT, default 240 hostile requests); figures of
longer runs in BENCHMARKS.md.
"""

from __future__ import annotations

import http.client
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_campaign import LEAKS, campaign
from insi_mock_support import CT, traits_request
from test_framework_gunicorn import Mock, running_mock

from segur_harness.config import load_config

COUNT = int(os.environ.get("SEGUR_HOSTILE_WIRE_COUNT", "240"))
SEED = int(os.environ.get("SEGUR_HOSTILE_SEED", "20261201"))
CLIENTS = 6
VALID = traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mock]:
    with running_mock(tmp_path_factory.mktemp("hostile-wire"), workers=2) as running:
        yield running


def _rows(store: Path) -> int:
    with sqlite3.connect(store, timeout=30) as conn:
        return conn.execute("SELECT COUNT(*) FROM exchanges").fetchone()[0]


def _send(conn: http.client.HTTPConnection, body: bytes, content_type: str) -> tuple[int, str, bytes]:
    headers = {"Content-Type": content_type} if content_type else {}
    conn.request("POST", "/lps", body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.getheader("Connection", "").lower() == "close":
        conn.close()  # the next request opens a new connection, as a client does
    return response.status, response.getheader("Content-Type", ""), data


def test_hostile_and_valid_clients_at_once_on_the_real_worker(mock: Mock) -> None:
    limit = int(load_config({})["mocks"]["insi"]["max_body_bytes"])
    hostile = list(campaign(VALID, CT, COUNT, SEED, limit))
    shares = [hostile[i::CLIENTS] for i in range(CLIENTS)]
    problems: list[str] = []
    sent = [0]
    lock = threading.Lock()

    def client(requests: list, valid_every: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=30)
        try:
            for index, item in enumerate(requests):
                for body, content_type, shape in ((item.body, item.content_type, item.shape),
                                                  *([(VALID, CT, "valid")] if index % valid_every == 0 else [])):
                    try:
                        status, answer_type, data = _send(conn, body, content_type)
                    except (OSError, http.client.HTTPException) as exc:
                        with lock:
                            problems.append(f"{shape}: no answer ({type(exc).__name__}: {exc})")
                        conn.close()
                        continue
                    found = []
                    if status >= 500:
                        found.append(f"HTTP {status}")
                    if answer_type.startswith("text/html") or any(leak in data for leak in LEAKS):
                        found.append("HTML page or leak")
                    if shape == "valid" and (status != 200 or b"CodeCR>00<" not in data):
                        found.append(f"valid request answered {status}")
                    with lock:
                        sent[0] += 1
                        problems.extend(f"{shape}: {problem}" for problem in found)
        finally:
            conn.close()

    before = _rows(mock.store)
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(share, 3)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a client never finished"
    elapsed = time.monotonic() - started
    assert not problems, problems[:20]
    assert _rows(mock.store) - before == sent[0], f"{_rows(mock.store) - before} records for {sent[0]} requests"
    status, _, data = _send(http.client.HTTPConnection("127.0.0.1", mock.port, timeout=30), VALID, CT)
    assert status == 200 and b"CodeCR>00<" in data
    print(f"insi on the wire: {COUNT} hostile and {sent[0] - COUNT} valid requests from {CLIENTS} clients"
          f" in {elapsed:.1f} s, 0 problems, one record each")
