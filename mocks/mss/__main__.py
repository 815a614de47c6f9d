"""`python -m segur_harness.mocks.mss`: the MSSanté SMTP mock (and IMAP: dovecot) on loopback until SIGTERM."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys

from segur_harness.config import config, store_path
from segur_harness.mocks.framework.tcp import serve_until_stopped
from segur_harness.store import Store

from .server import MssMock
from .settings import IMAP_MODES, MssSettings


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per admin call in the run's log
    parser = argparse.ArgumentParser(description="MSSanté SMTP mock (settings: [mocks.mss])")
    parser.add_argument("--port", type=int, help="SMTP port (default [mocks.mss] port)")
    parser.add_argument("--admin-port", type=int, help="admin API port (default [mocks.mss] admin_port)")
    parser.add_argument("--introspection-url", help="PSC token introspection URL")
    parser.add_argument("--imap", choices=IMAP_MODES, help="IMAP with dovecot (default [mocks.mss] imap)")
    parser.add_argument("--imap-port", type=int, help="IMAP port (default [mocks.mss] imap_port)")
    parser.add_argument("--imap-admin-port", type=int, help="mss-imap admin API port (default [mocks.mss] "
                                                            "imap_admin_port)")
    args = parser.parse_args(argv)
    cfg = config()
    settings = MssSettings.from_config(cfg)
    overrides = {"port": args.port, "admin_port": args.admin_port, "introspection_url": args.introspection_url,
                 "imap": args.imap, "imap_port": args.imap_port, "imap_admin_port": args.imap_admin_port}
    if args.imap_port and args.imap_admin_port is None and not cfg["mocks"].get("mss", {}).get("imap_admin_port"):
        overrides["imap_admin_port"] = args.imap_port + 1  # "0 = imap_port + 1" follows the port given here
    settings = dataclasses.replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    try:
        mock = MssMock(settings, Store(store_path(cfg)))
    except (OSError, ValueError, KeyError, RuntimeError) as exc:  # RuntimeError: imap = "on" without dovecot
        print(f"mss mock: cannot start: {exc}", file=sys.stderr, flush=True)
        return 2
    print(f"mss-smtp smtp://{settings.host}:{settings.port} admin http://{settings.host}:{settings.admin_port}/_admin",
          flush=True)
    if mock.imap is not None:
        print(f"mss-imap imap://{settings.host}:{mock.imap.port} admin http://{settings.host}:{mock.imap.admin_port}"
              "/_admin", flush=True)
    try:
        serve_until_stopped([mock])
    except RuntimeError as exc:  # a port taken
        print(f"mss mock: cannot start: {exc}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
