"""Schematron layer: route the document to its pack schematron, run it, map the SVRL.

Every way this can fail (no mapping, compile failure, runtime error, time
budget exceeded) ends as a named layer status with its reason, never as a
silent pass. Evaluations run in Saxon worker processes (workers.py) so one
past its time budget is really stopped.
"""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

from segur_harness.validation.budget import Budget, budget_finding
from segur_harness.validation.header_rules import DocumentKind
from segur_harness.validation.model import Finding, Layer, LayerResult, LayerStatus, Severity
from segur_harness.validation.pack import Pack
from segur_harness.validation.routing import Router, Selection
from segur_harness.validation.sch_compile import SchematronCompiler
from segur_harness.validation.svrl import parse_svrl
from segur_harness.validation.volets import VoletIndex, schematron_data
from segur_harness.validation.workers import BudgetExceeded, EvaluationFailed, WorkerPool
from segur_harness.validation.xmlpath import path_of


def _rule_finding(selection: Selection, root: etree._Element) -> Finding | None:
    if not selection.rule:
        return None
    spec = schematron_data()["rules"][selection.rule]
    return Finding(
        Severity(spec["severity"]),
        Layer.SCHEMATRON,
        selection.rule,
        spec["message"].format(**selection.values),
        path_of(root),
        root.sourceline,
    )


class SchematronLayer:
    def __init__(self, pack: Pack, cache_root: Path, budget: Budget | None = None) -> None:
        self.pack = pack
        self.index = VoletIndex(pack)
        self.router = Router(self.index)
        self.compiler = SchematronCompiler(pack, cache_root)
        """In-process compiler (tests and tools); documents are evaluated in the worker pool."""
        self.budget = budget or Budget()
        self.cache_root = cache_root
        self._pool: WorkerPool | None = None
        self._pool_lock = threading.Lock()

    @property
    def pool(self) -> WorkerPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = WorkerPool(self.pack.root, self.cache_root, self.budget.pool_size,
                                        self.budget.compile_timeout_seconds)
            return self._pool

    def close(self) -> None:
        """Stop the Saxon workers (they also stop with the process)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def warm(self, schematrons: set[Path]) -> None:
        """Compile these schematrons ahead in a worker of the pool (see WorkerPool.warm)."""
        self.pool.warm(schematrons)

    def route(self, kind: DocumentKind, override: Path | None = None) -> Selection:
        return self.router.select(kind, override)

    def check(self, root: etree._Element, kind: DocumentKind, override: Path | None = None,
              seconds_left: float | None = None) -> tuple[LayerResult, list[Finding], Selection]:
        """Route, then evaluate within `seconds_left` (default: the whole time budget)."""
        selection = self.route(kind, override)
        findings: list[Finding] = []
        extra = _rule_finding(selection, root)
        if extra:
            findings.append(extra)
        if selection.schematron is None:
            return LayerResult(Layer.SCHEMATRON, LayerStatus.NOT_RUN, selection.reason), findings, selection
        name = selection.schematron.name
        left = self.budget.time_seconds if seconds_left is None else seconds_left
        # Saxon gets lxml's re-serialisation, never the raw untrusted bytes.
        text = etree.tostring(root, encoding="unicode")
        try:
            if left <= 0:
                raise BudgetExceeded("spent before the schematron")
            evaluation = self.pool.evaluate(selection.schematron, text, left)
        except BudgetExceeded:
            findings.append(budget_finding("BUDGET-002", Layer.SCHEMATRON, schematron=name,
                                           seconds=f"{self.budget.time_seconds:g}"))
            reason = f"{name} stopped: time budget of {self.budget.time_seconds:g} s exceeded"
            return LayerResult(Layer.SCHEMATRON, LayerStatus.COULD_NOT_RUN, reason, {"schematron": name}), \
                findings, selection
        except EvaluationFailed as exc:
            what = "cannot be compiled" if exc.stage == "compile" else "failed on this document"
            return (LayerResult(Layer.SCHEMATRON, LayerStatus.COULD_NOT_RUN, f"{name} {what}: {exc.reason}",
                                {"schematron": name}), findings, selection)
        result = LayerResult(Layer.SCHEMATRON, LayerStatus.RAN, None, evaluation.versions)
        if not evaluation.svrl:
            result.status, result.reason = LayerStatus.COULD_NOT_RUN, f"{name} failed on this document: no SVRL"
            return result, findings, selection
        outcome = parse_svrl(evaluation.svrl, root, selection.schematron.stem)
        if selection.incomplete:
            result.incomplete.append(selection.incomplete)
        result.incomplete.extend(outcome.incomplete)
        findings.extend(outcome.findings)
        return result, findings, selection
