"""One Saxon (saxonche) processor per process, used under one lock.

SaxonC wants a single processor per process and its executables are not
thread-safe, so every call goes through `saxon_call`, which also captures what
Saxon's Java side prints on file descriptor 2 (it would otherwise reach the
user's terminal as a stack-like dump) and returns it as the error detail.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from saxonche import PySaxonApiError, PySaxonProcessor

T = TypeVar("T")

_LOCK = threading.RLock()
_PROCESSOR: PySaxonProcessor | None = None


class SaxonFailure(RuntimeError):
    """A Saxon static or dynamic error, with the diagnostics Saxon printed."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail

    def summary(self, limit: int = 600) -> str:
        text = str(self).strip()
        first = next((ln.strip() for ln in self.detail.splitlines() if ln.strip()), "")
        if first and first not in text:
            text = f"{text} ({first})" if text else first
        return text[:limit]


def processor() -> PySaxonProcessor:
    global _PROCESSOR
    with _LOCK:
        if _PROCESSOR is None:
            _PROCESSOR = PySaxonProcessor(license=False)
        return _PROCESSOR


@contextmanager
def _captured_fd2() -> Iterator[list[str]]:
    sink: list[str] = []
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable fd 2 (embedded interpreters): leave it alone
        yield sink
        return
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield sink
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            sink.append(tmp.read(20000).decode("utf-8", errors="replace"))


def saxon_call(fn: Callable[[], T]) -> T:
    """Run `fn` holding the Saxon lock; Saxon errors become SaxonFailure."""
    with _LOCK, _captured_fd2() as captured:
        try:
            return fn()
        except PySaxonApiError as exc:
            failure = SaxonFailure(str(exc).strip())
        except (RuntimeError, ValueError) as exc:  # saxonche raises these on bad arguments/state
            failure = SaxonFailure(f"{type(exc).__name__}: {exc}")
    failure.detail = "".join(captured)
    raise failure


def saxon_lock() -> threading.RLock:
    """The lock guarding every Saxon object (for callers that hold executables)."""
    return _LOCK
