"""A run without any CI-SIS pack gets the pinned one itself, or says in one line why it could not (issue 10 item 1).

The offline case through the real entry point is in test_cli_run.py (a run without the pack is incomplete).

The download is served from loopback (a zip of the reference pack laid out as
GitHub's archive of the pinned commit), so the test needs no network.
"""

from __future__ import annotations

import functools
import http.server
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from segur_harness.pack_fetch import ensure_pack
from segur_harness.validation.pack_install import PINNED_COMMIT
from tests.harness.http_stub import serving

KEEP = ("schematrons", "jeuxDeValeurs", "infrastructure")


@pytest.fixture
def no_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No pack anywhere: an empty reference folder and an empty user cache."""
    empty = tmp_path / "reference"
    empty.mkdir()
    monkeypatch.setenv("SEGUR_REFERENCE_DIR", str(empty))
    monkeypatch.delenv("SEGUR_CISIS_PACK", raising=False)
    monkeypatch.setenv("SEGUR_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture
def served_pack(cisis_pack: Path, tmp_path: Path) -> Iterator[str]:
    """The URL of a GitHub-style archive of the reference pack, served on 127.0.0.1."""
    folder = tmp_path / "www"
    folder.mkdir()
    prefix = f"interop-outil-cda-testcontenucda3.0-outil-validation-documents-cda-{PINNED_COMMIT}"
    with zipfile.ZipFile(folder / "pack.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for top in KEEP:
            for path in sorted((cisis_pack / top).rglob("*")):
                if path.is_file():
                    archive.write(path, f"{prefix}/{path.relative_to(cisis_pack)}")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *_args: None  # type: ignore[method-assign]
    with serving(handler) as url:
        yield url + "/pack.zip"


def test_a_missing_pack_is_downloaded_once_with_progress(no_pack: Path, served_pack: str,
                                                        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("segur_harness.pack_fetch.PROGRESS_STEP", 256 * 1024)  # the test archive is a few MB
    lines: list[str] = []
    folder = ensure_pack({"pack": {"url": served_pack, "fetch_seconds": 60}}, say=lines.append)
    assert folder is not None and (folder / "schematrons").is_dir()
    assert folder.is_relative_to(no_pack / "cache")
    assert lines[0].startswith("no CI-SIS pack found: getting the pinned ANS pack")
    assert any(line.startswith("CI-SIS pack: ") and "MB downloaded" in line for line in lines), lines
    assert lines[-1] == f"CI-SIS pack installed in {folder}"
    again: list[str] = []
    assert ensure_pack({"pack": {"url": served_pack}}, say=again.append) == folder and again == []


def test_auto_install_off_downloads_nothing(no_pack: Path):
    lines: list[str] = []
    assert ensure_pack({"pack": {"auto_install": False}}, say=lines.append) is None
    assert len(lines) == 1 and "auto_install is off" in lines[0] and not (no_pack / "cache").exists()
