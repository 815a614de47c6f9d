"""`segur-harness pack install [--ref COMMIT] [--url URL] [--force]`: fetch the ANS pack into the user cache.

The parser lives in segur_harness.cli (one tree); this module holds the options and the logic.

Downloads the public repository archive at a pinned commit, extracts only the
folders the engine uses (safely: same ZIP hardening as XDM archives), checks
the layout, and records repository/commit/URL in .segur-pack.json so reports
can say exactly which rules were applied. The engine finds the installed pack
when neither --pack, SEGUR_CISIS_PACK nor config names one.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from segur_harness.validation import zipguard
from segur_harness.validation.pack import INSTALL_RECORD, PackError, open_pack
from segur_harness.validation.paths import cache_dir

REPOSITORY = "ansforge/interop-outil-cda-testcontenucda3.0-outil-validation-documents-cda"
PINNED_COMMIT = "61e148b6b83b532a3c743e7f6a5f988015eda007"
"""The commit named in the reference pack's SOURCE.md (2025-03-06)."""

KEEP = ("schematrons", "jeuxDeValeurs", "infrastructure", "ExemplesCDA")
MAX_DOWNLOAD = 1024 * 1024 * 1024
DOWNLOAD_SECONDS = 900
LIMITS = zipguard.Limits(
    max_archive_bytes=MAX_DOWNLOAD,
    max_members=200_000,
    max_member_bytes=256 * 1024 * 1024,
    max_total_bytes=4 * 1024 * 1024 * 1024,
    max_ratio=200,
)
_REF = re.compile(r"^[0-9A-Za-z._/-]{1,100}$")


class InstallError(RuntimeError):
    """Download, extraction or check failed; the message is for the user."""


def packs_dir() -> Path:
    return cache_dir() / "packs"


def installed_pack() -> Path | None:
    """The pack recorded by the last successful install, if still present."""
    pointer = packs_dir() / "current.json"
    try:
        path = Path(json.loads(pointer.read_text(encoding="utf-8"))["path"])
    except (OSError, ValueError, KeyError):
        return None
    return path if path.is_dir() else None


def archive_url(ref: str) -> str:
    return f"https://github.com/{REPOSITORY}/archive/{ref}.zip"


def _download(url: str, target: Path, seconds: float = DOWNLOAD_SECONDS,
              progress: Callable[[int], None] | None = None) -> None:
    """Fetch `url` into `target`, bounded in size, per-read time and total time; `progress` gets the bytes so far."""
    deadline = time.monotonic() + seconds
    try:
        with urllib.request.urlopen(url, timeout=min(60.0, seconds)) as response, open(target, "wb") as out:  # noqa: S310
            total = 0
            while chunk := response.read(1024 * 1024):
                total += len(chunk)
                if total > MAX_DOWNLOAD:
                    raise InstallError(f"download larger than {MAX_DOWNLOAD} bytes, refused")
                if time.monotonic() > deadline:
                    raise InstallError(f"download of {url} took more than {seconds:g} s, abandoned")
                if progress is not None:
                    progress(total)
                out.write(chunk)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise InstallError(f"cannot download {url}: {getattr(exc, 'reason', exc)}") from None


def _pack_prefix(names: list[str]) -> PurePosixPath | None:
    """Folder inside the archive that holds schematrons/moteur (the repository root, usually one level down)."""
    candidates = sorted(
        (
            PurePosixPath(n).parents[2]
            for n in names
            if len(PurePosixPath(n).parts) >= 3 and PurePosixPath(n).parts[-3:-1] == ("schematrons", "moteur")
        ),
        key=lambda p: len(p.parts),
    )
    return candidates[0] if candidates else None


def _extract(zip_path: Path, dest: Path) -> None:
    archive, safe = zipguard.inspect(zip_path, LIMITS)
    if archive is None:
        raise InstallError("archive refused: " + "; ".join(str(p.values) for p in safe.problems))
    refused = [p.values.get("member", "") for p in safe.problems]
    with archive:
        prefix = _pack_prefix(list(safe.members))
        if prefix is None:
            raise InstallError("the archive holds no schematrons/moteur folder: not the TestContenuCDA repository")
        for name, info in safe.members.items():
            parts = PurePosixPath(name).parts
            if parts[: len(prefix.parts)] != prefix.parts or len(parts) <= len(prefix.parts):
                continue
            relative = parts[len(prefix.parts) :]
            if relative[0] not in KEEP and relative != ("SOURCE.md",):
                continue
            target = dest.joinpath(*relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zipguard.read_member(archive, info, LIMITS.max_member_bytes))
    if refused:
        (dest / "REFUSED_MEMBERS.txt").write_text("\n".join(refused) + "\n", encoding="utf-8")


def install(ref: str = PINNED_COMMIT, url: str | None = None, force: bool = False, *,
            seconds: float = DOWNLOAD_SECONDS, progress: Callable[[int], None] | None = None) -> Path:
    """Install the pack for `ref` (from `url`, default GitHub's archive) and return its folder.

    `seconds` bounds the download; `progress` is told the bytes downloaded so far.
    """
    if not _REF.match(ref) or ".." in ref:
        raise InstallError(f"invalid --ref {ref!r}")
    url = url or archive_url(ref)
    final = packs_dir() / ref.replace("/", "_")
    if final.is_dir() and not force:
        try:
            open_pack(final)
            _set_current(final)
            return final
        except PackError:
            pass  # broken previous install: redo it
    packs_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=packs_dir(), prefix=".install-") as work:
        zip_path = Path(work) / "pack.zip"
        _download(url, zip_path, seconds, progress)
        staging = Path(work) / "pack"
        staging.mkdir()
        _extract(zip_path, staging)
        try:
            open_pack(staging)
        except PackError as exc:
            raise InstallError(str(exc).replace(str(staging), "downloaded archive")) from None
        record = {
            "repository": REPOSITORY,
            "commit": ref,
            "url": url,
            "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (staging / INSTALL_RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    _set_current(final)
    return final


def _set_current(path: Path) -> None:
    (packs_dir() / "current.json").write_text(json.dumps({"path": str(path)}), encoding="utf-8")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `pack install` options, on the parser segur_harness.cli gives."""
    parser.add_argument("--ref", default=PINNED_COMMIT, metavar="COMMIT",
                        help=f"commit to install (default {PINNED_COMMIT})")
    parser.add_argument("--url", help="archive URL (default: GitHub archive of --ref; file:// accepted)")
    parser.add_argument("--force", action="store_true", help="download again even if already installed")


def run(args: argparse.Namespace) -> int:
    """Install; exit 0 on success, 1 when the download, extraction or check failed (one line)."""
    sys.stderr.write(f"segur-harness pack install: getting {args.url or archive_url(args.ref)} ...\n")
    try:
        folder = install(args.ref, args.url, args.force)
    except InstallError as exc:
        sys.stderr.write(f"segur-harness pack install: error: {exc}\n")
        return 1
    sys.stdout.write(f"CI-SIS pack {args.ref} installed in {folder}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`pack install` with `argv` its options (kept for callers of this module); exit codes as run()."""
    from segur_harness.cli import main as cli_main

    return cli_main(["pack", "install", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
