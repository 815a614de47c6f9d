"""The `segur-harness` command. Its options are a stable contract (see README)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _run_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sut", default="reference", help="'reference' (bundled SUT) or the adapter URL of your SUT")
    parser.add_argument("--requirement", action="append", default=[], metavar="ID",
                        help="only scenarios of this requirement (repeatable), e.g. INS/va1.41")  # fmt: skip
    parser.add_argument("--tags", metavar="EXPR",
                        help="marker expression over tags, e.g. 'REQ_DOC_01 or REQ_CDA_INT_01' (@ optional)")
    parser.add_argument("--couloir", metavar="NAME", help="only requirements of this couloir (DPI, LGC, RI, ...)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segur-harness", description="Ségur numérique conformance harness")
    parser.add_argument("--version", action="store_true", help="print the harness version")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run conformance scenarios; exit 0 iff all selected scenarios passed")
    _run_args(run)
    run.add_argument("--out", type=Path, help="output folder (default reports/<timestamp>, reports/latest links it)")
    run.add_argument("--no-html", action="store_true", help="skip the Allure HTML report")
    run.add_argument("--defect", help=argparse.SUPPRESS)  # reference SUT defect, for demonstrations

    mocks = sub.add_parser("mocks", help="the mock national services")
    mocks_sub = mocks.add_subparsers(dest="mocks_command", metavar="ACTION")
    serve = mocks_sub.add_parser("serve", help="serve every mock on its configured port until interrupted")
    serve.add_argument("--workers", type=int, help="worker processes per mock (default: config)")

    cat = sub.add_parser("catalogue", help="the requirement catalogue")
    cat.add_argument("--check", action="store_true", help="exit non-zero on any catalogue defect")
    cat.add_argument("--coverage", action="store_true", help="requirement -> scenarios -> last status")
    cat.add_argument("--summary", type=Path, default=Path("reports/latest/summary.json"),
                     help="run whose statuses --coverage shows (default reports/latest/summary.json)")  # fmt: skip

    check = sub.add_parser("selfcheck", help="every scenario passes on the reference SUT and fails under a defect")
    _run_args(check)
    check.add_argument("--defect", action="append", default=[], help="only this defect (repeatable)")
    check.add_argument("--json", type=Path, help="also write the matrix as JSON")

    validate = sub.add_parser("validate", help="validate CDA files, IHE_XDM.ZIP archives or folders", add_help=False)
    validate.add_argument("args", nargs=argparse.REMAINDER)
    pack = sub.add_parser("pack", help="the ANS CI-SIS CDA rule pack", add_help=False)
    pack.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _catalogue(args: argparse.Namespace) -> int:
    from segur_harness.catalogue import load_catalogue
    from segur_harness.catalogue_check import check, coverage_lines, last_statuses
    from segur_harness.features_index import index_features

    catalogue = load_catalogue()
    scenarios, parse_problems = index_features()
    if args.check:
        problems = check(catalogue, scenarios, parse_problems)
        for problem in problems:
            print(f"catalogue: {problem}")
        print(f"catalogue {catalogue.version}: {len(catalogue.requirements)} requirements, "
              f"{len(scenarios)} feature scenarios, {len(problems)} problems")  # fmt: skip
        if problems:
            return 1
    if args.coverage or not args.check:
        for line in coverage_lines(catalogue, scenarios, last_statuses(args.summary)):
            print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.version:
        from segur_harness import __version__

        print(__version__)
        return 0
    if args.command == "run":
        from segur_harness.runner import RunOptions, run

        opts = RunOptions(sut=args.sut, requirements=args.requirement, tags=args.tags, couloir=args.couloir,
                          out=args.out, defect=args.defect, html=not args.no_html)  # fmt: skip
        return run(opts)
    if args.command == "mocks":
        if args.mocks_command != "serve":
            build_parser().parse_args(["mocks", "--help"])
        from segur_harness.mocks_serve import serve

        return serve(args.workers)
    if args.command == "catalogue":
        return _catalogue(args)
    if args.command == "selfcheck":
        from segur_harness.runner import RunOptions
        from segur_harness.selfcheck import selfcheck

        opts = RunOptions(requirements=args.requirement, tags=args.tags, couloir=args.couloir)
        return selfcheck(opts, args.defect, args.json)
    if args.command == "validate":
        from segur_harness.validation.cli import main as validate_main

        return validate_main(args.args)
    if args.command == "pack":
        from segur_harness.validation.pack_install import main as pack_main

        return pack_main(args.args)
    build_parser().print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
