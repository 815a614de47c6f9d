"""The SUT's own trace of its DMP calls (GET /dmp-calls): what was asked, for whom, by whom, and what came back.

The scenarios compare it with what the DMP mock received (message ids,
transactions, results, user), so every call is traced, failures included.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import asdict, dataclass
from typing import Any


def iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class DmpCallTrace:
    id: str
    transaction: str
    action: str
    identity_id: str | None
    document_id: str | None
    message_id: str
    started_at: str
    ended_at: str
    result: str
    """OK / NF (TD0.2), SUCCESS, FAILURE, FAULT or ERROR."""
    detail: str
    user: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class DmpTraceLog:
    """Traced DMP calls of one SUT process; ids DMP-00001, DMP-00002... until the adapter reset."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self.calls: list[DmpCallTrace] = []

    def reset(self) -> None:
        with self.lock:
            self._ids = itertools.count(1)
            self.calls.clear()

    def next_id(self) -> str:
        with self.lock:
            return f"DMP-{next(self._ids):05d}"

    def add(self, entry: DmpCallTrace) -> None:
        with self.lock:
            self.calls.append(entry)

    def for_identity(self, identity_id: str | None) -> list[dict[str, Any]]:
        with self.lock:
            return [c.to_json() for c in self.calls if identity_id is None or c.identity_id == identity_id]
