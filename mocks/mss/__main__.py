"""`python -m segur_harness.mocks.mss`: the MSSanté SMTP mock on its configured loopback ports until SIGTERM."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys

from segur_harness.config import config, store_path
from segur_harness.mocks.framework.tcp import serve_until_stopped
from segur_harness.store import Store

from .server import MssMock
from .settings import MssSettings


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per admin call in the run's log
    parser = argparse.ArgumentParser(description="MSSanté SMTP mock (settings: [mocks.mss])")
    parser.add_argument("--port", type=int, help="SMTP port (default [mocks.mss] port)")
    parser.add_argument("--admin-port", type=int, help="admin API port (default [mocks.mss] admin_port)")
    parser.add_argument("--introspection-url", help="PSC token introspection URL")
    args = parser.parse_args(argv)
    cfg = config()
    settings = MssSettings.from_config(cfg)
    overrides = {"port": args.port, "admin_port": args.admin_port, "introspection_url": args.introspection_url}
    settings = dataclasses.replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    try:
        mock = MssMock(settings, Store(store_path(cfg)))
    except (OSError, ValueError, KeyError) as exc:
        print(f"mss mock: cannot start: {exc}", file=sys.stderr, flush=True)
        return 2
    print(f"mss-smtp smtp://{settings.host}:{settings.port} admin http://{settings.host}:{settings.admin_port}/_admin",
          flush=True)
    try:
        serve_until_stopped([mock])
    except RuntimeError as exc:  # a port taken
        print(f"mss mock: cannot start: {exc}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
