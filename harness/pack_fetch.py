"""A run on a fresh machine gets the pinned CI-SIS pack itself.

Without the pack, every CDA scenario would be skipped and the run only
"incomplete". So when no pack is found (--pack, SEGUR_CISIS_PACK, [paths]
cisis_pack, the reference folder, the user cache), `run` takes the
`pack install` path: the pinned commit into the user cache, a progress line,
bounded in time ([pack] fetch_seconds). Offline, it says in one line what is
missing and the one command that provides it, and the run goes on without it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from segur_harness.validation.pack import locate_pack

PROGRESS_STEP = 5 * 1024 * 1024
"""A progress line every 5 MB (a non-interactive CI log gets lines, not carriage returns)."""


def _progress_printer(say: Callable[[str], None]) -> Callable[[int], None]:
    step = PROGRESS_STEP
    state = {"next": step, "started": time.monotonic()}

    def progress(done: int) -> None:
        if done >= state["next"]:
            state["next"] = done + step
            say(f"CI-SIS pack: {done / 1e6:.1f} MB downloaded ({time.monotonic() - state['started']:.0f} s)")

    return progress


def ensure_pack(cfg: dict[str, Any], say: Callable[[str], None] | None = None) -> Path | None:
    """The pack the run will use, downloading the pinned one when none is found and [pack] auto_install allows it.

    Never raises: a failed download is one line and None (the scenarios that need the pack are then skipped).
    """
    say = say or (lambda line: print(f"segur-harness: {line}", file=sys.stderr, flush=True))
    found = locate_pack()
    if found is not None:
        return found
    section = cfg.get("pack", {})
    if not section.get("auto_install", True):
        say("no CI-SIS pack found and [pack] auto_install is off: CDA scenarios will be skipped "
            "(`segur-harness pack install`, or SEGUR_CISIS_PACK=DIR)")
        return None
    from segur_harness.validation.pack_install import PINNED_COMMIT, InstallError, archive_url, install

    url = str(section.get("url") or "") or archive_url(PINNED_COMMIT)
    seconds = float(section.get("fetch_seconds", 300))
    say(f"no CI-SIS pack found: getting the pinned ANS pack ({PINNED_COMMIT[:12]}) from {url} "
        f"into the user cache (at most {seconds:g} s)")
    try:
        folder = install(PINNED_COMMIT, url, seconds=seconds, progress=_progress_printer(say))
    except InstallError as exc:
        say(f"CI-SIS pack not installed ({exc}): CDA scenarios will be skipped; "
            "run `segur-harness pack install` once online, or set SEGUR_CISIS_PACK=DIR")
        return None
    say(f"CI-SIS pack installed in {folder}")
    return folder
