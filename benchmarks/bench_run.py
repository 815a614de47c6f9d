"""Wall time of the full conformance run, the selfcheck and the test suite.

Usage: python benchmarks/bench_run.py [--repeat N] [--skip-tests] [--skip-selfcheck]
Prints a markdown table for BENCHMARKS.md. Runs on free loopback ports with
HTML generation off, so the figures measure the harness, not npm.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from segur_harness.processes import free_port

ROOT = Path(__file__).resolve().parent.parent


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--skip-selfcheck", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "SEGUR__REPORTS__HTML": "false",
           "SEGUR__MOCKS__INSI__PORT": str(free_port()), "SEGUR__SUT__PORT": str(free_port()),
           "SEGUR__VALIDATOR__PORT": str(free_port())}  # fmt: skip
    cli = [sys.executable, "-m", "segur_harness.cli"]
    jobs = [("full run, INS + CDA (`segur-harness run --no-html`)",
             lambda out: [*cli, "run", "--no-html", "--out", out])]
    if not args.skip_selfcheck:
        jobs.append(("selfcheck (reference SUT + every defect)", lambda out: [*cli, "selfcheck"]))
    if not args.skip_tests:
        jobs.append(("test suite (`pytest`)", lambda out: [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly"]))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| job | runs | median s | min s | max s | exit codes |")
    print("|---|---|---|---|---|---|")
    for label, make in jobs:
        times, codes = [], []
        repeat = args.repeat if "test suite" not in label else 1
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as tmp:
                seconds, code = _timed(make(str(Path(tmp) / "out")), env)
            times.append(seconds)
            codes.append(code)
        print(f"| {label} | {repeat} | {statistics.median(times):.1f} | {min(times):.1f} | {max(times):.1f} "
              f"| {sorted(set(codes))} |", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
