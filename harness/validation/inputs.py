"""Turn a path given by the user into validation results: file, XDM archive or folder.

Folders are walked recursively (symbolic links to folders are not followed);
.xml files are CDA candidates, .zip files XDM archives, anything else is
ignored. A path that cannot be read becomes an error finding, not an exception.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from segur_harness.validation.model import FileResult, Finding, Layer, LayerResult, LayerStatus, Severity
from segur_harness.validation.xdm import validate_archive

if TYPE_CHECKING:
    from segur_harness.validation.engine import Engine

CDA_SUFFIXES = (".xml",)
ARCHIVE_SUFFIXES = (".zip",)


def _input_error(path: Path, rule: str, message: str) -> FileResult:
    result = FileResult(name=str(path), kind="input")
    result.layers.append(LayerResult(Layer.PARSE, LayerStatus.COULD_NOT_RUN, message))
    result.add(Finding(Severity.ERROR, Layer.PARSE, rule, message))
    return result


def _walk(folder: Path) -> Iterator[Path]:
    for current, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(CDA_SUFFIXES + ARCHIVE_SUFFIXES):
                yield Path(current) / name


def units(path: Path) -> Iterator[Path | FileResult]:
    """What validating `path` takes: each file to validate, or the result that says why there is none."""
    if path.is_dir():
        found = False
        for item in _walk(path):
            found = True
            yield item
        if not found:
            yield _input_error(path, "INPUT-003", "folder holds no CDA (.xml) or XDM (.zip) file")
    elif path.is_file():
        yield path
    else:
        yield _input_error(path, "INPUT-001", "no such file or folder")


def validate_file(engine: Engine, path: Path, schematron: Path | None = None) -> list[FileResult]:
    """One CDA file or XDM archive (an archive gives its own result, then one per document)."""
    if path.suffix.lower() in ARCHIVE_SUFFIXES:
        return validate_archive(engine, path, schematron)
    try:
        too_big = engine.over_size(str(path), path.stat().st_size)
        if too_big is not None:
            return [too_big]
        with open(path, "rb") as handle:
            data = handle.read(engine.budget.max_document_bytes + 1)
    except OSError as exc:
        return [_input_error(path, "INPUT-002", f"cannot read file: {exc.strerror or exc}")]
    return [engine.validate_document(data, str(path), schematron)]


def validate_path(engine: Engine, path: Path, schematron: Path | None = None) -> Iterator[FileResult]:
    for unit in units(path):
        if isinstance(unit, FileResult):
            yield unit
        else:
            yield from validate_file(engine, unit, schematron)
