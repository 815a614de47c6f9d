"""The `segur-harness` command: one argparse tree. Its options and exit codes are a stable contract (see README).

Every mistake the user can make ends in one line on stderr and a documented
exit code, never a traceback: usage errors and configuration errors exit 2,
Ctrl-C exits 130 and SIGTERM 143, after every service started is stopped.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

EXIT_USAGE = 2
SUT_HELP = "'reference' (the bundled SUT) or the adapter base URL of your SUT, e.g. http://127.0.0.1:9000"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: `segur-harness run: error: ... (see segur-harness run --help)`."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(EXIT_USAGE)


def sut_location(value: str) -> str:
    """--sut: 'reference' or an http(s) URL with a host (a typo like 'refrence' is a usage error)."""
    if value == "reference":
        return value
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname:
        try:
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r}: the port is not a number from 0 to 65535") from None
        return value
    raise argparse.ArgumentTypeError(f"{value!r}: expected {SUT_HELP}")


def _selection_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requirement", action="append", default=[], metavar="ID",
                        help="only scenarios of this requirement (repeatable), e.g. INS/va1.41")  # fmt: skip
    parser.add_argument("--tags", metavar="EXPR",
                        help="marker expression over tags, e.g. 'REQ_DOC_01 or REQ_CDA_INT_01' (@ optional)")
    parser.add_argument("--couloir", metavar="NAME", help="only requirements of this couloir (DPI, LGC, RI, ...)")


def _command(sub: Any, name: str, handler: Callable[[argparse.Namespace], int], help_text: str,
             **kwargs: Any) -> argparse.ArgumentParser:  # fmt: skip
    parser = sub.add_parser(name, help=help_text, description=help_text, **kwargs)
    parser.set_defaults(handler=handler, command_parser=parser)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree; each module keeps its logic, the options are declared here or by its add_arguments."""
    from segur_harness.validation import cli as validate_cli
    from segur_harness.validation import pack_install

    parser = _Parser(prog="segur-harness", description="Ségur numérique conformance harness")
    parser.add_argument("--version", action="version", version=_version(), help="print the harness version")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = _command(sub, "run", _run, "run conformance scenarios against the SUT (exit codes: see README)")
    run.add_argument("--sut", default="reference", type=sut_location, help=SUT_HELP)
    _selection_args(run)
    run.add_argument("--out", type=Path, help="output folder (default reports/<timestamp>, reports/latest links it)")
    run.add_argument("--no-html", action="store_true", help="skip the Allure HTML report")
    run.add_argument("--sign-key", type=Path, metavar="KEY",
                     help="sign evidence.zip's manifest with this PEM private key (with --sign-cert)")
    run.add_argument("--sign-cert", type=Path, metavar="CERT", help="the PEM certificate of --sign-key")
    run.add_argument("--junit", type=Path, metavar="FILE",
                     help="also write the verdicts as JUnit XML (one testcase per scenario, for CI)")
    run.add_argument("--defect", help=argparse.SUPPRESS)  # reference SUT defect, for demonstrations

    mocks = _command(sub, "mocks", _usage_only, "the mock national services")
    mocks_sub = mocks.add_subparsers(dest="mocks_command", metavar="ACTION", required=True)
    serve = _command(mocks_sub, "serve", _serve, "serve every mock on its configured port until interrupted")
    serve.add_argument("--workers", type=int, help="worker processes per mock (default: config)")

    cat = _command(sub, "catalogue", _catalogue, "the requirement catalogue: check it, show coverage")
    cat.add_argument("--check", action="store_true", help="exit non-zero on any catalogue defect")
    cat.add_argument("--coverage", action="store_true", help="requirement -> scenarios -> last status")
    cat.add_argument("--summary", type=Path, default=Path("reports/latest/summary.json"),
                     help="run whose statuses --coverage shows (default reports/latest/summary.json)")  # fmt: skip
    cat_sub = cat.add_subparsers(dest="catalogue_command", metavar="[ACTION]")
    imp = _command(cat_sub, "import", _catalogue_import,
                   "read a REM spreadsheet in the ANS Convergence layout into catalogue TOML files")
    imp.add_argument("file", type=Path, metavar="FILE.xlsx", help="the spreadsheet (.xlsx)")
    imp.add_argument("--out", type=Path, default=Path("catalogue"),
                     help="folder for catalogue.toml and one TOML file per section (default ./catalogue)")
    imp.add_argument("--catalogue-version", help="version written in catalogue.toml (default import-<file name>)")
    imp.add_argument("--force", action="store_true", help="overwrite TOML files already in --out")

    evidence = _command(sub, "evidence", _usage_only, "the evidence bundle (evidence.zip): verify it, export it")
    evidence_sub = evidence.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)
    verify = _command(evidence_sub, "verify", _evidence_verify,
                      "check every file of a bundle against its manifest (exit 0 intact, 1 differences)")
    verify.add_argument("bundle", type=Path, metavar="BUNDLE", help="an evidence.zip")
    verify.add_argument("--rerun", action="store_true",
                        help="also revalidate every recorded CDA document offline, have the INSi and DMP mocks judge "
                             "every recorded request again, and report each verdict that differs")
    verify.add_argument("--pack", type=Path, metavar="DIR", help="CI-SIS pack for --rerun (default: as `validate`)")
    verify.add_argument("--trust", type=Path, metavar="CA.pem",
                        help="check that the manifest's signer certificate was issued by this CA")
    export = _command(evidence_sub, "export", _evidence_export,
                      "write the bundle's proofs as an ANS Convergence spreadsheet (one row per proof)")
    export.add_argument("bundle", type=Path, metavar="BUNDLE", help="an evidence.zip")
    export.add_argument("--xlsx", type=Path, required=True, metavar="FILE", help="the spreadsheet to write")

    check = _command(sub, "selfcheck", _selfcheck,
                     "every scenario passes on the reference SUT and fails under one of its defects")
    _selection_args(check)
    check.add_argument("--defect", action="append", default=[], help="only this defect (repeatable)")
    check.add_argument("--json", type=Path, help="also write the matrix as JSON")
    check.add_argument("--full", action="store_true",
                       help="run every defect against its whole section (default: per scenario, one of the defects "
                            "recorded as failing it, fixtures/selfcheck/kills.json)")
    check.add_argument("--record", action="store_true",
                       help="with --full's matrix, rewrite fixtures/selfcheck/kills.json (implies --full)")

    validate = _command(sub, "validate", validate_cli.run,
                        "validate CDA files, IHE_XDM.ZIP archives or folders (exit 0 valid, 1 invalid, 4 partial)")
    validate_cli.add_arguments(validate)

    pack = _command(sub, "pack", _usage_only, "the ANS CI-SIS CDA rule pack")
    pack_sub = pack.add_subparsers(dest="pack_command", metavar="ACTION", required=True)
    install = _command(pack_sub, "install", pack_install.run,
                       "download the ANS CI-SIS CDA pack at a pinned commit into the user cache")
    pack_install.add_arguments(install)
    return parser


def _version() -> str:
    from segur_harness import __version__

    return __version__


def _usage_only(args: argparse.Namespace) -> int:  # pragma: no cover - argparse requires an action first
    args.command_parser.error("an action is required")


def _run(args: argparse.Namespace) -> int:
    from segur_harness.runner import RunOptions, run

    _check_config()
    signer = None
    if bool(args.sign_key) != bool(args.sign_cert):
        args.command_parser.error("--sign-key and --sign-cert go together")
    if args.sign_key:
        from segur_harness.evidence_sign import SignerError, load_signer

        try:
            signer = load_signer(args.sign_key, args.sign_cert)
        except SignerError as exc:
            _say(str(exc))
            return EXIT_USAGE
    opts = RunOptions(sut=args.sut, requirements=args.requirement, tags=args.tags, couloir=args.couloir,
                      out=args.out, defect=args.defect, html=not args.no_html, junit=args.junit,
                      signer=signer)  # fmt: skip
    return run(opts)


def _serve(args: argparse.Namespace) -> int:
    from segur_harness.mocks_serve import serve

    _check_config()
    return serve(args.workers)


def _selfcheck(args: argparse.Namespace) -> int:
    from segur_harness.runner import RunOptions
    from segur_harness.selfcheck import selfcheck

    _check_config()
    opts = RunOptions(requirements=args.requirement, tags=args.tags, couloir=args.couloir)
    return selfcheck(opts, args.defect, args.json, full=args.full, record=args.record)


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


def _catalogue_import(args: argparse.Namespace) -> int:
    from segur_harness.evidence_cli import catalogue_import

    return catalogue_import(args)


def _evidence_verify(args: argparse.Namespace) -> int:
    from segur_harness.evidence_cli import verify

    return verify(args)


def _evidence_export(args: argparse.Namespace) -> int:
    from segur_harness.evidence_cli import export

    return export(args)


def _check_config() -> None:
    """Read the configuration now (ConfigError on a mistake) and refuse named reference folders that are missing."""
    from segur_harness.config import check_named_locations, config

    check_named_locations(config())


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM: raised in the main thread so every `with` block stops what it started."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _on_signal(signum: int, _frame: object) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):  # the cleanup that follows must not be interrupted in turn
        signal.signal(sig, signal.SIG_IGN)
    from segur_harness.processes import request_stop

    request_stop()
    raise Interrupted(signum)


def _install_signal_handlers() -> dict[int, Any]:
    """Our handlers for SIGINT and SIGTERM; returns the previous ones (restored when main returns)."""
    previous: dict[int, Any] = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, _on_signal)
    except ValueError:  # not the main thread (an embedding caller): keep its handlers
        pass
    return previous


def _say(message: str) -> None:
    sys.stderr.write(f"segur-harness: {message}\n")
    sys.stderr.flush()


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The parsed command line; SystemExit(2) after one line on a usage error."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "validate":  # paths may come after options too: `validate A --format json B`
        args.paths += [e for e in extra if not e.startswith("-")]
        extra = [e for e in extra if e.startswith("-")]
    if extra:
        args.command_parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Parse, dispatch, and turn every expected failure into one line and its exit code."""
    from segur_harness.config import ConfigError

    try:
        args = parse(argv)
    except SystemExit as exc:  # --help/--version (0) or a usage error (2, already said in one line)
        return int(exc.code or 0)
    previous = _install_signal_handlers()
    try:
        return args.handler(args)
    except ConfigError as exc:
        _say(f"configuration error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        _say(f"interrupted ({signal.Signals(signum).name}): every service it started is stopped")
        return 128 + signum
    except Exception as exc:
        if os.environ.get("SEGUR_DEBUG"):
            raise
        _say(f"internal error: {type(exc).__name__}: {exc} (set SEGUR_DEBUG=1 for the traceback)")
        return EXIT_USAGE
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
