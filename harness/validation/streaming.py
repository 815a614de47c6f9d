"""Validate many files at once, one result line as each finishes, a report complete for the files done.

`validate` on a 3,000-file folder must use both cores (as many files in flight
as Saxon workers), show progress as files finish rather than at the end, and
still hand back a report of everything done when interrupted (Ctrl-C).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING

from segur_harness.validation.inputs import units, validate_file
from segur_harness.validation.model import FileResult

if TYPE_CHECKING:
    from segur_harness.validation.engine import Engine

Progress = Callable[[FileResult, float], None]


def progress_line(result: FileResult, seconds: float) -> str:
    """`INVALID  doc.xml  (CI-SIS_X.sch, 3 error(s), 0.12 s)`: what a user watching a folder needs."""
    verdict = "INVALID" if not result.valid else "PARTIAL" if result.partial else "VALID"
    judged = result.document.get("schematron") or result.kind
    return f"{verdict:7}  {result.name}  ({judged}, {len(result.errors)} error(s), {seconds:.2f} s)"


class Interrupted(Exception):
    """Raised instead of KeyboardInterrupt, carrying the results of the files done."""

    def __init__(self, results: list[FileResult], original: BaseException) -> None:
        super().__init__("interrupted")
        self.results, self.original = results, original


def validate_all(engine: Engine, paths: Iterable[Path], schematron: Path | None = None,
                 progress: Progress | None = None) -> list[FileResult]:
    """Results in input order; `progress(result, seconds)` as each file finishes (completion order)."""
    todo = [unit for path in paths for unit in units(path)]
    done: dict[int, list[FileResult]] = {}
    pending: dict[Future[tuple[list[FileResult], float]], int] = {}

    def one(path: Path) -> tuple[list[FileResult], float]:
        started = time.monotonic()
        return validate_file(engine, path, schematron), time.monotonic() - started

    executor = ThreadPoolExecutor(max_workers=engine.budget.pool_size, thread_name_prefix="segur-validate")
    try:
        for index, unit in enumerate(todo):
            if isinstance(unit, FileResult):
                done[index] = [unit]
            else:
                pending[executor.submit(one, unit)] = index
        while pending:
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in finished:
                results, seconds = future.result()
                done[pending.pop(future)] = results
                for result in results:
                    if progress:
                        progress(result, seconds)
    except KeyboardInterrupt as exc:
        executor.shutdown(wait=False, cancel_futures=True)
        engine.close()  # busy workers stop now; their files are left out of the report
        raise Interrupted(_ordered(done), exc) from None
    executor.shutdown(wait=True)
    return _ordered(done)


def _ordered(done: dict[int, list[FileResult]]) -> list[FileResult]:
    return [result for index in sorted(done) for result in done[index]]
