"""free_port(): ports no outgoing connection can take before the service binds them.

CI once failed a selfcheck on "port 55405 for the insi mock is taken": the port,
drawn by binding port 0, lay in the kernel's ephemeral range and a parallel test's
outgoing connection took it in between.
"""

from __future__ import annotations

import socket

import pytest

from segur_harness import processes
from segur_harness.processes import free_port, port_pool


def test_ports_lie_below_the_ephemeral_range_and_are_not_repeated():
    low = processes._ephemeral_low()
    ports = [free_port() for _ in range(50)]
    assert all(1024 <= p < low for p in ports)
    assert len(set(ports)) == len(ports)


def test_a_listening_port_is_skipped(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = sock.getsockname()[1]
        monkeypatch.setattr(processes, "port_pool", lambda: range(taken, taken + 2))
        assert free_port() == taken + 1


@pytest.mark.parametrize("count", [2, 3])
def test_parallel_workers_get_disjoint_slices(monkeypatch, count):
    slices = []
    for index in range(count):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", f"gw{index}")
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", str(count))
        slices.append(set(port_pool()))
    assert all(slices) and sum(map(len, slices)) == len(set().union(*slices))


def test_an_unreadable_range_falls_back_to_the_linux_default(monkeypatch, tmp_path):
    monkeypatch.setattr(processes, "EPHEMERAL_RANGE_FILE", tmp_path / "absent")
    assert processes._ephemeral_low() == 32768
