"""`segur-harness mocks serve`: every mock on its configured loopback port until Ctrl-C."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

from segur_harness.config import config, store_path
from segur_harness.processes import ServiceStartError
from segur_harness.services import mock_endpoints, mock_processes, shared_env, taken_ports, validator_process


def serve(workers: int | None = None, log_dir: Path | None = None) -> int:
    cfg = config()
    store = store_path(cfg)
    logs = log_dir or store.parent / "mock-logs"
    taken = taken_ports(cfg, with_sut=False)
    if taken:
        print("segur-harness: could not start the mocks: ports already in use: " + "; ".join(taken), file=sys.stderr)
        return 2
    env = shared_env(cfg)
    validator, validator_url = validator_process(cfg, logs)  # the DMP mock validates every fed CDA through it
    env["SEGUR_VALIDATOR_URL"] = validator_url
    procs = [validator, *mock_processes(cfg, store, logs, workers)]
    started = []
    try:
        for proc in procs:
            proc.env.update(env)
            started.append(proc)
            proc.start()
    except ServiceStartError as exc:
        print(f"segur-harness: could not start the mocks: {exc}", file=sys.stderr)
        for proc in started:
            proc.stop()
        return 2
    except KeyboardInterrupt:
        for proc in started:
            proc.stop()
        return 0
    for endpoint in mock_endpoints(cfg):
        print(f"{endpoint.service} {endpoint.url}")
        print(f"{endpoint.service}-admin {endpoint.admin}")
    print(f"validator {validator_url}")
    print(f"# exchanges recorded in {store}; logs in {logs}; test PKI (VIHF signing certificate "
          f"client-DMP-CACHET.pem/.key, CA ca.pem) in {env['SEGUR__MOCKS__DMP__PKI_DIR']}; Ctrl-C to stop", flush=True)
    stop = False

    def _stop(_sig: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop:
            dead = [p for p in started if p.process and p.process.poll() is not None]
            if dead:
                for proc in dead:
                    print(f"segur-harness: {proc.name} stopped:\n{proc.log_tail()}", file=sys.stderr)
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in started:
            proc.stop()
    return 0
