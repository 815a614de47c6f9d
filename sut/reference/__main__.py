"""`python -m segur_harness.sut.reference`: run the reference SUT as its own process."""

from __future__ import annotations

import argparse
import logging
import sys

from werkzeug.serving import make_server

from .api import create_app
from .defects import DEFECTS, UnknownDefect, check_defect
from .settings import settings_from_config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m segur_harness.sut.reference",
                                     description="Reference SUT implementing the segur-harness adapter contract.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--defect", default=None, help="named defect variant: " + ", ".join(sorted(DEFECTS)))
    parser.add_argument("--insi-url", default=None, help="INSi endpoint (else set through PUT /adapter/v1/services)")
    parser.add_argument("--insi-timeout", type=float, default=None, help="seconds to wait for INSi")
    parser.add_argument("--dmp-url", default=None, help="DMP base URL (else set through PUT /adapter/v1/services)")
    parser.add_argument("--list-defects", action="store_true", help="print the defect variants and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list_defects:
        for name, description in sorted(DEFECTS.items()):
            print(f"{name}: {description}")
        return 0
    try:
        defect = check_defect(args.defect)
    except UnknownDefect as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = settings_from_config(insi_url=args.insi_url, defect=defect, timeout_seconds=args.insi_timeout)
    if args.dmp_url:
        settings.set_dmp(args.dmp_url, None)
    server = make_server(args.host, args.port, create_app(settings), threaded=True)
    print(f"reference SUT on http://{args.host}:{server.port}/adapter/v1 (defect: {defect or 'none'})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
