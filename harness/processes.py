"""Start helper processes (mocks, reference SUT), wait until they answer, stop them.

Each service is a real separate process reached over loopback, as in
production; a service that does not come up is reported with the tail of its
log instead of a hang. On Ctrl-C or SIGTERM the CLI calls request_stop(): service
starts give up and running scenario processes are terminated, so every `with`
block (runner.Services) unwinds and stops what it started.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests


class ServiceStartError(RuntimeError):
    """A service process died or never answered its health URL."""


PR_SET_PDEATHSIG = 1
try:  # resolved here, not in the forked child (dlopen there could deadlock on a lock another thread held)
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux: stop() and request_stop() are the only guards
    _PRCTL = None


def die_with_parent() -> None:
    """preexec_fn: SIGTERM to the child when the thread that started it ends, its process SIGKILLed included.

    A CI job killed at its timeout (SIGKILL) must not leave mocks, SUT or validation service listening.
    Linux ties this to the starting *thread*: start a service from a thread that outlives it (the main
    thread, or a selfcheck lane's, which stops its own services before it ends).
    """
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


STOPPING = threading.Event()
"""Set when the whole command is being interrupted: start nothing more."""
_children: set[subprocess.Popen] = set()
_children_lock = threading.Lock()


def run_tracked(command: list[str], **kwargs: object) -> int:
    """subprocess.run for a long child (a pytest run): request_stop() terminates it; an exception here kills it."""
    if STOPPING.is_set():
        return -signal.SIGTERM
    kwargs.setdefault("preexec_fn", die_with_parent)
    with subprocess.Popen(command, **kwargs) as proc:  # type: ignore[call-overload]
        with _children_lock:
            _children.add(proc)
        try:
            return proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            with _children_lock:
                _children.discard(proc)


def request_stop() -> None:
    """Stop everything: no new start, and every tracked child terminated (their callers then clean up)."""
    STOPPING.set()
    with _children_lock:
        running = list(_children)
    for proc in running:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()


@dataclass
class ServiceProcess:
    name: str
    command: list[str]
    health_url: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        self.process = subprocess.Popen(
            self.command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **self.env},
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if STOPPING.is_set():
                self.stop()
                raise ServiceStartError(f"{self.name}: start abandoned, the command is stopping")
            if self.process.poll() is not None:
                raise ServiceStartError(f"{self.name} exited with code {self.process.returncode}: "
                                        f"{self.log_reason()} (log: {self.log_path})")
            try:
                if requests.get(self.health_url, timeout=1).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        raise ServiceStartError(
            f"{self.name} did not answer {self.health_url} within {timeout:.0f}s: {self.log_reason()} "
            f"(log: {self.log_path})"
        )

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def log_reason(self) -> str:
        """The log's last line that reads like a reason (not a traceback frame nor a gunicorn status line)."""
        for line in reversed(self.log_tail(60).splitlines()):
            text = line.strip()
            if text and not line[:1].isspace() and not text.startswith(("[", "Traceback", "^")):
                return text[:300]
        return "no reason in its log"

    def stop(self) -> None:
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
"""Where Linux keeps the range it draws outgoing connections' local ports from."""

PORT_POOL_SIZE = 12000
"""How many ports below the ephemeral range free_port() hands out from."""

_port_cursor = itertools.count(random.SystemRandom().randrange(PORT_POOL_SIZE))
_port_lock = threading.Lock()


def _ephemeral_low() -> int:
    try:
        return int(EPHEMERAL_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def port_pool() -> range:
    """The ports free_port() hands out: below the ephemeral range, one slice per pytest-xdist worker.

    A port drawn by binding port 0 lies in the ephemeral range, so any outgoing
    connection (ours or a parallel test's) may take it before the service binds
    it: the run then fails on a port "taken" that was free when chosen. Below the
    range only a listener can take it, and parallel test workers get disjoint slices.
    """
    high = _ephemeral_low()
    low = max(1024, high - PORT_POOL_SIZE)
    worker, count = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if worker.startswith("gw") and worker[2:].isdigit() and count.isdigit() and int(count) > 1:
        width = (high - low) // int(count)
        low += width * (int(worker[2:]) % int(count))
        high = low + width
    return range(low, high)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free right now on `host` and not handed out before by this process (tests, parallel lanes)."""
    pool = port_pool()
    for _ in range(len(pool)):
        with _port_lock:
            port = pool[next(_port_cursor) % len(pool)]
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        return port
    with socket.socket() as sock:  # the whole pool is in use: take what the kernel gives
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port (connections in TIME_WAIT do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def python_command(*args: str) -> list[str]:
    """A command running this interpreter (so the venv in use is the one children use)."""
    return [sys.executable, *args]
