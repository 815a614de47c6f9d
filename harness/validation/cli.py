"""`segur-harness validate PATH... [--format text|json|junit] [--pack DIR] [--output FILE] [--allow-partial]`.

Exit 0 iff every input is valid and every layer ran; 1 when something is
invalid; 4 when nothing is invalid but some layers could not run (no pack: a
partial verdict is not a pass, unless --allow-partial); 2 on usage errors (a
path that does not exist, an unusable --pack, a named pack location that is
missing). The parser lives in segur_harness.cli (one tree); this module holds
its arguments and the logic.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_VALID, EXIT_INVALID, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 4
PROG = "segur-harness validate"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The validate options, on the parser segur_harness.cli gives (or a standalone one)."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="CDA file, XDM zip, or folder (recursive)")
    parser.add_argument("--format", choices=("text", "json", "junit"), default="text", help="report format")
    parser.add_argument("--pack", metavar="DIR",
                        help="CI-SIS TestContenuCDA pack (default: env SEGUR_CISIS_PACK, config, installed pack)")
    parser.add_argument("--output", metavar="FILE", help="write the report there instead of stdout")
    parser.add_argument("--allow-partial", action="store_true",
                        help="exit 0 even when some layers could not run (e.g. no pack): the verdict is partial")
    parser.add_argument("--schematron", metavar="NAME",
                        help="judge every document with this pack schematron instead of the routed one "
                             "(names: --list-schematrons)")
    parser.add_argument("--list-schematrons", action="store_true",
                        help="list the schematrons --schematron accepts, then exit")


def render(report: object, fmt: str) -> str:
    if fmt == "json":
        return report.to_json() + "\n"  # type: ignore[attr-defined]
    if fmt == "junit":
        return report.to_junit()  # type: ignore[attr-defined]
    return report.to_text()  # type: ignore[attr-defined]


def _usage(message: str) -> int:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    return EXIT_USAGE


def _list(engine: object) -> int:
    """One schematron a line: the name --schematron takes, its file in the pack, what it checks."""
    from segur_harness.validation.routing import catalogue

    if engine.schematron is None:  # type: ignore[attr-defined]
        return _usage(f"--list-schematrons: {engine.pack_problem}")  # type: ignore[attr-defined]
    pack = engine.pack.schematron_dir  # type: ignore[attr-defined]
    for item in catalogue(engine.schematron.router):  # type: ignore[attr-defined]
        sys.stdout.write(f"{item.name}\t{item.path.relative_to(pack)}\t{item.about}\n")
    return EXIT_VALID


def _progress(result: object, seconds: float) -> None:
    from segur_harness.validation.streaming import progress_line

    sys.stderr.write(progress_line(result, seconds) + "\n")  # type: ignore[arg-type]
    sys.stderr.flush()


def _write(report: object, args: argparse.Namespace) -> int | None:
    """The report to --output or stdout; a usage exit code if the file cannot be written."""
    text = render(report, args.format)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            return _usage(f"cannot write {args.output}: {exc.strerror or exc}")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return None


def run(args: argparse.Namespace) -> int:
    """Validate `args.paths`; the exit code says valid, invalid, partial or usage error."""
    from segur_harness.config import named_location_problems
    from segur_harness.validation.engine import get_engine
    from segur_harness.validation.model import Report
    from segur_harness.validation.pack import PackError
    from segur_harness.validation.streaming import Interrupted, validate_all

    if not args.paths and not args.list_schematrons:
        args.command_parser.error("the following arguments are required: PATH")
    missing = [raw for raw in args.paths if not Path(raw).exists()]
    if missing:
        return _usage(f"no such file or folder: {', '.join(missing)}")
    if not args.pack:
        named = named_location_problems(which=("SEGUR_REFERENCE_DIR", "SEGUR_CISIS_PACK"))
        if named:
            return _usage("; ".join(named) + " (fix or unset it, or give --pack DIR)")
    try:
        engine = get_engine(Path(args.pack) if args.pack else None)
    except PackError as exc:
        return _usage(f"--pack: {exc}")
    if args.list_schematrons:
        return _list(engine)
    chosen = None
    if args.schematron:
        chosen = engine.resolve_schematron(args.schematron)
        if chosen is None:
            why = "no CI-SIS pack" if engine.pack is None else "not a schematron of the pack"
            return _usage(f"--schematron {args.schematron}: {why} (see `{PROG} --list-schematrons`)")
    report = Report([], engine.info())
    folders = any(Path(raw).is_dir() for raw in args.paths)
    try:
        report.files = validate_all(engine, [Path(raw) for raw in args.paths], chosen,
                                    _progress if folders or len(args.paths) > 1 else None)
    except Interrupted as stop:  # Ctrl-C: the report of the files done, then the usual interrupted exit
        report.files, report.interrupted = stop.results, True
        _write(report, args)
        raise stop.original from None
    finally:
        engine.close()
    problem = _write(report, args)
    if problem is not None:
        return problem
    if not report.valid:
        return EXIT_INVALID
    if report.partial and not args.allow_partial:
        why = engine.pack_problem or "see the report"
        sys.stderr.write(f"{PROG}: partial verdict, some checks did not run ({why}); --allow-partial accepts it\n")
        return EXIT_PARTIAL
    return EXIT_VALID


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (`python -m segur_harness.validation.cli`); `segur-harness validate` is the usual way."""
    from segur_harness.cli import main as cli_main

    return cli_main(["validate", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
