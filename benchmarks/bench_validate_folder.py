"""`segur-harness validate` on a hostile folder: 3,000 seeded mutated CDAs plus StrucMin-quadratic documents.

    .venv/bin/python benchmarks/bench_validate_folder.py [--count 3000] [--slow 2000,5000,20000,20000] [--keep DIR]

Builds the folder (tests/mocks/hostile_campaign.py mutations of an N1 document, and
documents with N repeated functionCode siblings, which StrucMin takes quadratic
time on), runs the real entry point on it with a bound, and prints wall time,
files, the budget findings and the slowest files from the streamed lines.
The time budget is the configured one (SEGUR__VALIDATION__TIME_BUDGET_SECONDS).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N1 = ROOT / "fixtures" / "documents" / "received" / "cr-consultation-n1.xml"


def build(folder: Path, count: int, slow: list[int], seed: int) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "mocks"))
    from hostile_campaign import campaign

    valid = N1.read_bytes()
    for number, hostile in enumerate(campaign(valid, "text/xml", count, seed, 64 * 1024 * 1024)):
        (folder / f"h{number:05d}-{hostile.shape}.xml").write_bytes(hostile.body)
    sibling = '<functionCode code="x" codeSystem="1.2.3"/>'
    for number, repeats in enumerate(slow):
        text = N1.read_text(encoding="utf-8").replace("<author>", "<author>" + sibling * repeats, 1)
        (folder / f"s{number:02d}-functionCode-{repeats}.xml").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--slow", default="2000,5000,20000,20000")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--keep", type=Path, help="build the folder there (kept)")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="segur-hostile-") as tmp:
        folder = args.keep or Path(tmp) / "docs"
        folder.mkdir(parents=True, exist_ok=True)
        build(folder, args.count, [int(n) for n in args.slow.split(",") if n], args.seed)
        report = Path(tmp) / "report.json"
        command = [str(Path(sys.executable).with_name("segur-harness")), "validate", str(folder),
                   "--format", "json", "--output", str(report)]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout, env=dict(os.environ),
                              stdin=subprocess.DEVNULL)  # fmt: skip
        wall = time.monotonic() - started
        files = json.loads(report.read_text())["files"]
        budget = {}
        for f in files:
            for finding in f["findings"]:
                if finding["rule_id"].startswith("BUDGET"):
                    budget[finding["rule_id"]] = budget.get(finding["rule_id"], 0) + 1
        lines = [ln for ln in done.stderr.splitlines() if ln.split(" ", 1)[0] in ("VALID", "INVALID", "PARTIAL")]
        timed = sorted(((float(ln.rsplit(", ", 1)[1].rstrip(" s)")), ln.split()[1]) for ln in lines), reverse=True)
        print(json.dumps({"exit": done.returncode, "wall_s": round(wall, 1), "files": len(files),
                          "streamed_lines": len(lines), "budget_findings": budget,
                          "tracebacks": done.stderr.count("Traceback"),
                          "slowest": [(Path(n).name, s) for s, n in timed[:6]]}, indent=1))


if __name__ == "__main__":
    main()
