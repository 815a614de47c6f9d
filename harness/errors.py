"""Errors that are the harness's or the infrastructure's, never the SUT's.

A scenario that meets one is `broken` (the harness could not judge), not
`failed` (the SUT did something wrong): steps/plugin.py classifies them.
"""

from __future__ import annotations

import re

import requests


class HarnessError(Exception):
    """Infrastructure trouble: the SUT adapter or a mock unreachable, timing out, or answering garbage."""


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


def request_problem(exc: BaseException, timeout: float | None = None) -> str:
    """A short reason for a failed HTTP call ("connection refused", "no answer within 5 s"), not urllib3's essay."""
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout:g} s" if timeout else "timed out"
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return f"invalid URL ({exc})"
    found = _ERRNO.search(str(exc))
    if found:
        return found.group(1).strip().lower()
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect"
    return f"{type(exc).__name__}: {exc}"[:300]
