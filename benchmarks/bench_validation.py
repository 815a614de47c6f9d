"""Validation throughput over the pack's ExemplesCDA: cold cache, warm cache, vs plain lxml XSD.

    .venv/bin/python benchmarks/bench_validation.py [--pack DIR] [--repeat 5]

Each phase runs in its own process so "cold" and "warm" really start from an
empty/filled disk cache with a fresh Saxon (SaxonC keeps one JVM per process).
Prints a markdown table.
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


def _phase(pack: Path, repeat: int) -> dict[str, object]:
    from lxml import etree

    from segur_harness.validation.engine import Engine
    from segur_harness.validation.pack import open_pack

    files = sorted((pack / "ExemplesCDA").glob("*.xml"))
    datas = [(f, f.read_bytes()) for f in files]
    start = time.perf_counter()
    engine = Engine(open_pack(pack))
    first_per_file = []
    for path, data in datas:
        t = time.perf_counter()
        report = engine.validate_bytes(data, path.name)
        first_per_file.append((path.name, len(data), time.perf_counter() - t, report.valid))
    first_pass = time.perf_counter() - start
    steady: dict[str, list[float]] = {p.name: [] for p, _ in datas}
    for _ in range(repeat):
        for path, data in datas:
            t = time.perf_counter()
            engine.validate_bytes(data, path.name)
            steady[path.name].append(time.perf_counter() - t)
    schema = etree.XMLSchema(etree.parse(str(pack / "infrastructure" / "cda" / "CDA_extended.xsd")))
    t = time.perf_counter()
    for _ in range(repeat):
        for _path, data in datas:
            schema.validate(etree.fromstring(data))
    lxml_total = (time.perf_counter() - t) / repeat
    return {
        "files": len(datas),
        "first_pass_s": first_pass,
        "first_per_file": first_per_file,
        "steady_per_file": {k: min(v) for k, v in steady.items()},
        "steady_total_s": sum(min(v) for v in steady.values()),
        "lxml_total_s": lxml_total,
    }


def _run_phase(pack: Path, cache: Path, repeat: int) -> dict[str, object]:
    env = {**os.environ, "SEGUR_CACHE_DIR": str(cache)}
    out = subprocess.run(
        [sys.executable, __file__, "--phase", "--pack", str(pack), "--repeat", str(repeat)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pack")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from segur_harness.validation.pack import locate_pack

    pack = locate_pack(args.pack)
    if pack is None:
        sys.exit("no CI-SIS pack: pass --pack or set SEGUR_CISIS_PACK")
    if args.phase:
        print(json.dumps(_phase(Path(pack), args.repeat)))
        return
    with tempfile.TemporaryDirectory() as cache:
        cold = _run_phase(Path(pack), Path(cache), args.repeat)
        warm = _run_phase(Path(pack), Path(cache), args.repeat)
    n = cold["files"]
    rows = [
        ("cold cache, first pass (compiles every schematron used)", cold["first_pass_s"]),
        ("warm cache, first pass (new process, loads compiled XSLT)", warm["first_pass_s"]),
        ("warm, steady state (executables in memory)", warm["steady_total_s"]),
        ("plain lxml XSD validation (parse + CDA_extended.xsd)", warm["lxml_total_s"]),
    ]
    print(f"Pack examples: {n} files, repeat={args.repeat}, cpu count={os.cpu_count()}\n")
    print("| run | total s | docs/s | x slower than lxml XSD |")
    print("|---|---:|---:|---:|")
    for label, total in rows:
        print(f"| {label} | {total:.2f} | {n / total:.1f} | {total / warm['lxml_total_s']:.0f} |")
    print("\n| document | KB | warm steady ms | cold first ms |")
    print("|---|---:|---:|---:|")
    cold_first = {name: secs for name, _size, secs, _ok in cold["first_per_file"]}
    for name, size, _secs, _ok in warm["first_per_file"]:
        print(
            f"| {name} | {size / 1024:.0f} | {warm['steady_per_file'][name] * 1000:.1f} "
            f"| {cold_first[name] * 1000:.0f} |"
        )
    typical = [
        warm["steady_per_file"][name] * 1000
        for name, size, _s, _o in warm["first_per_file"]
        if 50_000 <= size <= 150_000
    ]
    if typical:
        print(
            f"\nDocuments of 50-150 KB, warm: max {max(typical):.1f} ms, mean {sum(typical) / len(typical):.1f} ms "
            f"(target < 50 ms)."
        )


if __name__ == "__main__":
    main()
