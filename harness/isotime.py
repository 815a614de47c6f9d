"""ISO 8601 times for everything a reviewer reads: epoch floats are unreadable in a submission."""

from __future__ import annotations

from datetime import datetime


def iso_seconds(epoch: float | None) -> str | None:
    """Epoch seconds -> '2026-12-01T12:27:40.888+01:00' (local offset, milliseconds); None stays None."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(float(epoch)).astimezone().isoformat(timespec="milliseconds")


def iso_millis(epoch_ms: float | None) -> str | None:
    """Epoch milliseconds (Allure's unit) -> ISO 8601."""
    return None if epoch_ms is None else iso_seconds(float(epoch_ms) / 1000.0)
