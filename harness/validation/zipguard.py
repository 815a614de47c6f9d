"""Reading untrusted ZIP archives without trusting them.

Bounded member count and sizes (declared and actual), no absolute or parent
paths, no symlinks, no suspicious compression ratios. Members are read into
memory only (never extracted to disk), so a hostile name can never write a file.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class Limits:
    max_archive_bytes: int
    max_members: int
    max_member_bytes: int
    max_total_bytes: int
    max_ratio: int


@dataclass
class Problem:
    rule: str
    values: dict[str, str]


@dataclass
class SafeArchive:
    """Names of acceptable members (original spelling) and the problems met."""

    members: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    fatal: bool = False


def _bad_name(name: str) -> str | None:
    if "\\" in name:
        return "backslash in member name"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in PurePosixPath(name).parts:
        return "parent directory reference (path traversal)"
    if "\x00" in name:
        return "NUL in member name"
    return None


def inspect(path: Path, limits: Limits) -> tuple[zipfile.ZipFile | None, SafeArchive]:
    """Open `path` and vet its directory; the caller reads members with `read_member`."""
    safe = SafeArchive()
    try:
        size = path.stat().st_size
        if size > limits.max_archive_bytes:
            safe.problems.append(Problem("XDM-002", {"detail": f"{size} bytes, limit {limits.max_archive_bytes}"}))
            safe.fatal = True
            return None, safe
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, NotImplementedError, EOFError) as exc:
        safe.problems.append(Problem("XDM-001", {"detail": str(exc) or type(exc).__name__}))
        safe.fatal = True
        return None, safe
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        safe.problems.append(Problem("XDM-002", {"detail": f"{len(infos)} members, limit {limits.max_members}"}))
        safe.fatal = True
        archive.close()
        return None, safe
    total = 0
    for info in infos:
        reason = _bad_name(info.filename)
        mode = info.external_attr >> 16
        if reason is None and stat.S_ISLNK(mode):
            reason = "symbolic link"
        if reason is None and info.flag_bits & 0x1:
            reason = "encrypted member"
        if reason is None and not info.is_dir():
            if info.file_size > limits.max_member_bytes:
                reason = f"{info.file_size} bytes uncompressed, limit {limits.max_member_bytes}"
            elif info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                reason = f"compression ratio above {limits.max_ratio} (zip bomb)"
        if reason:
            safe.problems.append(Problem("XDM-003", {"member": info.filename, "detail": reason}))
            continue
        total += info.file_size
        if total > limits.max_total_bytes:
            safe.problems.append(
                Problem("XDM-002", {"detail": f"more than {limits.max_total_bytes} bytes uncompressed"})
            )
            safe.fatal = True
            archive.close()
            return None, safe
        if not info.is_dir():
            safe.members[info.filename] = info
    return archive, safe


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Member bytes, refusing to inflate beyond `limit` whatever the header claims.

    A corrupt deflate stream (zlib.error), a member cut short (EOFError), an unsupported zip version or
    compression (NotImplementedError) or an encrypted member (RuntimeError) is a BadZipFile, as a bad CRC is."""
    try:
        with archive.open(info) as handle:
            data = handle.read(limit + 1)
    except (zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise zipfile.BadZipFile(f"member {info.filename}: unreadable ({type(exc).__name__}: {exc})") from None
    if len(data) > limit:
        raise ValueError(f"member inflates beyond {limit} bytes")
    return data
