"""Schematron evaluations in worker processes, so one that exceeds its time budget can really be stopped.

SaxonC runs in-process and cannot be interrupted; a worker process holding its
own Saxon and compiled schematrons can be killed. The pool keeps up to `size`
warm workers (one per core serves both cores); a worker killed for a budget is
replaced at once and recompiles what its predecessor held before it is needed.
Compiling is bounded separately (compile_timeout) and never counts against a
document's budget.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

WORKER_MODULE = "segur_harness.validation.worker_main"
"""Started as `python -m` (never forked: a forked child would inherit a half-initialised JVM; never
multiprocessing's spawn, which re-imports the caller's main script)."""


class BudgetExceeded(Exception):
    """The evaluation ran past the document's time budget; its worker was killed."""


class EvaluationFailed(Exception):
    """Compile or run failure (`stage` "compile" or "run"), or a worker that died; `reason` says which."""

    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(reason)
        self.stage, self.reason = stage, reason


@dataclass
class Evaluation:
    svrl: str
    versions: dict[str, str]


def serve(conn: Connection, pack_root: str, cache_root: str) -> None:  # noqa: C901 - one loop, one job
    """Worker loop: ("prepare", sch) compiles silently; ("evaluate", sch, text) answers "ready" then the SVRL."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop (Ctrl-C included)
    from lxml import etree  # noqa: F401 - loaded before Saxon, as in the engine process

    from segur_harness.validation.pack import Pack
    from segur_harness.validation.saxon import SaxonFailure, processor, saxon_call
    from segur_harness.validation.sch_compile import CompileFailure, SchematronCompiler

    pack = Pack(Path(pack_root))
    compiler = SchematronCompiler(pack, Path(cache_root))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        command, sch = message[0], Path(message[1])
        try:
            compiled = compiler.get(sch)
        except CompileFailure as exc:
            conn.send(("compile_failed", exc.reason) if command == "evaluate" else ("prepared", str(sch)))
            continue
        if command != "evaluate":
            conn.send(("prepared", str(sch)))  # the pool then knows this worker is free again
            continue
        conn.send(("ready", compiled.versions(pack)))
        text = message[2]
        try:
            node = saxon_call(lambda: processor().parse_xml(xml_text=text, encoding="UTF-8"))  # noqa: B023
            out = saxon_call(lambda: compiled.executable.transform_to_string(xdm_node=node))  # noqa: B023
        except SaxonFailure as exc:
            conn.send(("failed", exc.summary()))
            continue
        conn.send(("svrl", out or ""))


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    compiled: set[Path] = field(default_factory=set)
    preparing: set[Path] = field(default_factory=set)
    """Schematrons sent to compile ahead ("prepare") and not yet acknowledged: the worker is busy with them."""

    def wait(self, seconds: float) -> tuple[Any, ...] | None:
        """The next answer, or None when `seconds` pass first; EvaluationFailed if the worker died."""
        deadline = time.monotonic() + max(seconds, 0.0)
        try:
            while True:
                if not self.conn.poll(max(deadline - time.monotonic(), 0.0)):
                    return None
                message = self.conn.recv()
                if message[0] != "prepared":
                    return message
                self.preparing.discard(Path(message[1]))
        except (EOFError, OSError):
            code = self.process.poll()
            raise EvaluationFailed("run", f"the validation worker stopped (exit code {code})") from None

    def busy_preparing(self) -> bool:
        """Whether ahead-of-time compiles are still running (acknowledgements read without blocking)."""
        try:
            while self.preparing and self.conn.poll(0):
                message = self.conn.recv()
                if message[0] == "prepared":
                    self.preparing.discard(Path(message[1]))
        except (EOFError, OSError):
            return False  # dead: the next evaluation says so and replaces it
        return bool(self.preparing)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL sent: do not wait longer
            self.process.wait(timeout=5)
        self.conn.close()


class WorkerPool:
    """Up to `size` Saxon worker processes for one pack; thread-safe; `close()` stops them all."""

    def __init__(self, pack_root: Path, cache_root: Path, size: int, compile_timeout: float) -> None:
        self.pack_root, self.cache_root = pack_root, cache_root
        self.size, self.compile_timeout = max(1, size), compile_timeout
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._started = 0
        self._closed = False
        self._all: set[_Worker] = set()
        self.replaced = 0
        """Workers killed (budget exceeded or died) and replaced: reported by benchmarks."""

    def _spawn(self, prepare: set[Path] | None = None) -> _Worker:
        mine, theirs = socket.socketpair()
        command = [sys.executable, "-m", WORKER_MODULE, str(theirs.fileno()), str(self.pack_root), str(self.cache_root)]
        process = subprocess.Popen(command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, start_new_session=False)
        theirs.close()
        parent = Connection(os.dup(mine.fileno()))
        mine.close()
        worker = _Worker(process, parent)
        self._all.add(worker)
        for sch in sorted(prepare or ()):
            parent.send(("prepare", str(sch)))
            worker.compiled.add(sch)
            worker.preparing.add(sch)
        return worker

    def warm(self, schematrons: set[Path]) -> None:
        """Compile `schematrons` ahead in a new worker (when the pool has room), off every document's clock.

        A run's first N1 document otherwise waits ~10 s for StrucMin to compile; started with the service,
        the compile overlaps the scenarios that come before it.
        """
        with self._lock:
            if self._closed or self._started >= self.size or not schematrons:
                return
            self._started += 1
            self._idle.append(self._spawn(set(schematrons)))
            self._freed.notify()

    def _pick(self, sch: Path) -> _Worker | None:
        """Under the lock: the idle worker best placed for `sch`, None when a new one should start instead."""
        holding = [w for w in self._idle if sch in w.compiled]
        free = [w for w in self._idle if not w.busy_preparing()]
        if holding:  # compiled or compiling it already: never compile it twice
            chosen = next((w for w in holding if w in free), holding[-1])
        elif free:
            chosen = free[-1]
        elif self._started < self.size or not self._idle:
            return None
        else:
            chosen = self._idle[-1]
        self._idle.remove(chosen)
        return chosen

    def _take(self, sch: Path) -> _Worker:
        with self._freed:
            while True:
                if self._closed:
                    raise EvaluationFailed("run", "the validation workers are stopped")
                chosen = self._pick(sch)
                if chosen is not None:
                    return chosen
                if self._started < self.size:
                    self._started += 1
                    return self._spawn()
                self._freed.wait(timeout=1.0)

    def _give_back(self, worker: _Worker) -> None:
        with self._freed:
            if not self._closed:
                self._idle.append(worker)
                self._freed.notify()
                return
        worker.stop()

    def _replace(self, worker: _Worker) -> None:
        """Kill `worker`; its successor starts now and recompiles what it held, off the caller's clock."""
        worker.stop()
        with self._lock:
            self._all.discard(worker)
            if self._closed:
                return
            self.replaced += 1
            successor = self._spawn(set(worker.compiled))
            self._idle.append(successor)
            self._freed.notify()

    def evaluate(self, sch: Path, text: str, budget_seconds: float) -> Evaluation:
        """SVRL of schematron `sch` on `text`; BudgetExceeded past `budget_seconds` of evaluation."""
        worker = self._take(sch)
        healthy = False
        try:
            worker.conn.send(("evaluate", str(sch), text))
            worker.compiled.add(sch)
            ready = worker.wait(self.compile_timeout)
            if ready is None:
                raise EvaluationFailed("compile", f"{sch.name} did not compile within {self.compile_timeout:g} s")
            if ready[0] == "compile_failed":
                healthy = True
                raise EvaluationFailed("compile", ready[1])
            started = time.monotonic()
            answer = worker.wait(budget_seconds)
            if answer is None:
                raise BudgetExceeded(f"{time.monotonic() - started:.1f} s")
            healthy = True
        finally:  # any other way out (budget, dead worker, Ctrl-C) kills the worker: never reuse a busy one
            if healthy:
                self._give_back(worker)
            else:
                self._replace(worker)
        if answer[0] == "failed":
            raise EvaluationFailed("run", answer[1])
        return Evaluation(answer[1], ready[1])

    def close(self) -> None:
        """Stop every worker, busy ones too (their callers get EvaluationFailed)."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
        for worker in workers:
            worker.stop()

