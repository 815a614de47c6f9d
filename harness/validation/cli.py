"""`segur-harness validate PATH... [--format text|json|junit] [--pack DIR] [--output FILE]`.

Exit 0 iff every input is valid, 1 when something is invalid, 2 on usage
errors (bad option, unusable --pack). Never a traceback: bad input becomes an
error finding in the report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from segur_harness.validation.engine import get_engine
from segur_harness.validation.model import Report
from segur_harness.validation.pack import PackError

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too, but prints usage; keep that, no traceback
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="segur-harness validate",
        description="Validate CDA R2 documents, IHE_XDM.ZIP archives or folders as ANS does.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="CDA file, XDM zip, or folder (recursive)")
    parser.add_argument("--format", choices=("text", "json", "junit"), default="text")
    parser.add_argument(
        "--pack",
        metavar="DIR",
        help="CI-SIS TestContenuCDA pack (default: env SEGUR_CISIS_PACK, config, installed pack)",
    )
    parser.add_argument("--output", metavar="FILE", help="write the report there instead of stdout")
    return parser


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return report.to_json() + "\n"
    if fmt == "junit":
        return report.to_junit()
    return report.to_text()


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else EXIT_USAGE
    try:
        engine = get_engine(Path(args.pack) if args.pack else None)
    except PackError as exc:
        sys.stderr.write(f"segur-harness validate: error: --pack: {exc}\n")
        return EXIT_USAGE
    report = Report([], engine.info())
    for raw in args.paths:
        report.extend(engine.validate_path(Path(raw)))
    text = render(report, args.format)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            sys.stderr.write(f"segur-harness validate: error: cannot write {args.output}: {exc}\n")
            return EXIT_USAGE
    else:
        sys.stdout.write(text)
    return EXIT_VALID if report.valid else EXIT_INVALID


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
