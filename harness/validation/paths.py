"""Case-insensitive path resolution and the user cache folder.

The pack was authored on Windows: some include paths differ from the files on
disk only in letter case. Resolving them here (instead of failing) is what the
ANS tool effectively does on a case-insensitive file system.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

CACHE_ENV = "SEGUR_CACHE_DIR"


def cache_dir() -> Path:
    """SEGUR_CACHE_DIR, else ~/.cache/segur-harness (created on demand by writers)."""
    raw = os.environ.get(CACHE_ENV)
    return Path(raw).expanduser() if raw else Path.home() / ".cache" / "segur-harness"


@lru_cache(maxsize=4096)
def _listing(folder: str) -> dict[str, str]:
    try:
        return {name.lower(): name for name in os.listdir(folder)}
    except OSError:
        return {}


def resolve_ci(path: Path) -> Path | None:
    """`path` if it exists, else the existing path equal to it ignoring letter case, else None."""
    path = Path(os.path.normpath(path))
    if path.exists():
        return path
    parts = path.parts
    current = Path(parts[0])
    for index, part in enumerate(parts[1:], start=1):
        candidate = current / part
        if candidate.exists():
            current = candidate
            continue
        real = _listing(str(current)).get(part.lower())
        if real is None:
            return None
        current = current / real
        if index < len(parts) - 1 and not current.is_dir():
            return None
    return current if current.exists() else None


def clear_listing_cache() -> None:
    """Forget folder listings (tests that build packs on the fly call this)."""
    _listing.cache_clear()
