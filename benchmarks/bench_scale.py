"""Run and selfcheck wall time against the number of scenarios (issue 10 item 8, "fast as it grows").

The goal is stated at 150 scenarios (full run < 60 s, selfcheck < 10 min on 2
cores); this measures it instead of extrapolating. For each N it builds a
scaled catalogue in a temporary folder: the real features/ plus N - 89
replicas of real scenarios, spread evenly over the catalogue so the section
mix stays the same. A replica is its original's Gherkin (same Contexte, steps
and REM tag) under a new scenario ID (its requirement's next free .NN from 51),
with a catalogue entry and proofs under that ID. It inherits its original's
recorded defects in the scaled kills.json (same steps, same defect kills it):
the short selfcheck checks one of them on it, and says so if it does not kill.
The harness is pointed at the copy by SEGUR_FEATURES_DIR, SEGUR_CATALOGUE_DIR
and SEGUR_SELFCHECK_RECORD, and run through its real entry point on free ports.

Usage: .venv/bin/python benchmarks/bench_scale.py --scenarios 89,120,150 [--full] [--skip-selfcheck]
Prints one markdown table for BENCHMARKS.md, with the 1-minute load at each command's start.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from gherkin.parser import Parser
from gherkin.token_scanner import TokenScanner

from segur_harness.catalogue_toml import section_toml
from segur_harness.config import CATALOGUE_DIR, FEATURES_DIR, load_config
from segur_harness.features_index import FeatureScenario, index_features, split_scenario_name
from segur_harness.processes import free_port
from segur_harness.selfcheck_plan import load_recorded, save_recorded
from segur_harness.services import MOCK_NAMES

ROOT = Path(__file__).resolve().parent.parent
FIRST_REPLICA_NN = 51
"""Replica scenario numbers start here, far from the catalogue's own (.01 to .0N)."""
STOP_GRACE_SECONDS = 30.0
"""After a timeout the harness gets SIGTERM (it stops its services) and this long before SIGKILL."""


@dataclass(frozen=True)
class Replica:
    original: FeatureScenario
    scenario_id: str


def plan_replicas(originals: list[FeatureScenario], total: int, taken: set[str]) -> list[Replica]:
    """`total - len(originals)` replicas, originals picked evenly; IDs avoid every ID in `taken`."""
    extra = total - len(originals)
    if extra < 0:
        raise SystemExit(f"--scenarios {total}: the catalogue already has {len(originals)}")
    used = set(taken)
    replicas = []
    for j in range(extra):
        original = originals[j * len(originals) // extra]
        requirement = original.scenario_id.rsplit(".", 1)[0]
        free = (f"{requirement}.{nn:02d}" for nn in range(FIRST_REPLICA_NN, 100))
        new_id = next((sid for sid in free if sid not in used), None)
        if new_id is None:
            raise SystemExit(f"{requirement}: no free scenario number left for another replica")
        used.add(new_id)
        replicas.append(Replica(original, new_id))
    return replicas


def scenario_blocks(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """A feature file's header (language, Fonctionnalité, Contexte) and each scenario's lines, by ID."""
    lines = text.splitlines()
    feature = Parser().parse(TokenScanner(text))["feature"]
    if any("rule" in child for child in feature["children"]):
        raise SystemExit(f"{feature['name']}: a Règle block, which this replication does not handle")
    starts = []
    for child in feature["children"]:
        if "scenario" in child:
            sc = child["scenario"]
            first = min([t["location"]["line"] for t in sc["tags"]] + [sc["location"]["line"]])
            starts.append((first - 1, split_scenario_name(sc["name"])[0]))
    bounds = [s for s, _ in starts] + [len(lines)]
    blocks = {sid: lines[start:bounds[i + 1]] for i, (start, sid) in enumerate(starts)}
    return lines[: bounds[0]], blocks


def write_features(target: Path, replicas: list[Replica]) -> None:
    """The real features/ plus, beside each file with replicated scenarios, one file of its replicas."""
    shutil.copytree(FEATURES_DIR, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    by_file: dict[str, list[Replica]] = {}
    for replica in replicas:
        by_file.setdefault(replica.original.file, []).append(replica)
    for rel, group in by_file.items():
        header, blocks = scenario_blocks((FEATURES_DIR / rel).read_text(encoding="utf-8"))
        out = list(header)
        for replica in group:
            old = replica.original.scenario_id
            block = blocks[old]
            named = next(i for i, line in enumerate(block) if old in line and ":" in line)
            block = [*block[:named], block[named].replace(old, replica.scenario_id, 1) + f" (réplique de {old})",
                     *block[named + 1:]]  # fmt: skip
            out += block
        (target / rel).with_name(Path(rel).stem + "_repliques.feature").write_text("\n".join(out) + "\n",
                                                                                  encoding="utf-8")


def write_catalogue(target: Path, replicas: list[Replica]) -> None:
    """The real catalogue with, under each replicated scenario's requirement, the replica and its proofs."""
    target.mkdir(parents=True)
    copies: dict[str, list[str]] = {}
    for replica in replicas:
        copies.setdefault(replica.original.scenario_id, []).append(replica.scenario_id)
    for path in sorted(CATALOGUE_DIR.glob("*.toml")):
        if path.name == "catalogue.toml":
            shutil.copy(path, target / path.name)
            continue
        requirements = tomllib.loads(path.read_text(encoding="utf-8")).get("requirement", [])
        for req in requirements:
            scenarios = req.get("scenario", [])
            for sc in list(scenarios):
                for new_id in copies.get(sc["id"], []):
                    proofs = [{"id": new_id + p["id"][len(sc["id"]):], "text": p["text"]} for p in sc.get("proof", [])]
                    scenarios.append({"id": new_id, "title": f"{sc['title']} (réplique de {sc['id']})",
                                      "proof": proofs})  # fmt: skip
        header = f"{path.name} of the harness, scaled by benchmarks/bench_scale.py (replicas of real scenarios)."
        (target / path.name).write_text(section_toml(requirements, header), encoding="utf-8")


def write_record(target: Path, replicas: list[Replica], catalogue_version: str) -> None:
    """The recorded kills, each replica inheriting its original's defects."""
    recorded = load_recorded()
    scaled = {**recorded, **{r.scenario_id: recorded[r.original.scenario_id] for r in replicas
                             if r.original.scenario_id in recorded}}  # fmt: skip
    save_recorded(scaled, catalogue_version, target)


def build(work: Path, total: int) -> dict[str, str]:
    """A scaled catalogue of `total` scenarios in `work`; the variables pointing the harness at it."""
    originals = [s for s in index_features(FEATURES_DIR)[0] if s.scenario_id]
    catalogue_ids = {s["id"] for p in CATALOGUE_DIR.glob("*.toml")
                     for r in tomllib.loads(p.read_text(encoding="utf-8")).get("requirement", [])
                     for s in r.get("scenario", [])}  # fmt: skip
    replicas = plan_replicas(originals, total, catalogue_ids | {s.scenario_id for s in originals})
    write_features(work / "features", replicas)
    write_catalogue(work / "catalogue", replicas)
    version = tomllib.loads((CATALOGUE_DIR / "catalogue.toml").read_text(encoding="utf-8"))["catalogue"]["version"]
    write_record(work / "kills.json", replicas, version)
    return {"SEGUR_FEATURES_DIR": str(work / "features"), "SEGUR_CATALOGUE_DIR": str(work / "catalogue"),
            "SEGUR_SELFCHECK_RECORD": str(work / "kills.json")}  # fmt: skip


def check_built(env: dict[str, str], total: int) -> None:
    """The scaled catalogue holds `total` scenarios and `catalogue --check` finds nothing in it."""
    done = subprocess.run([*harness(), "catalogue", "--check"], env={**os.environ, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)  # fmt: skip
    found = [s for s in index_features(Path(env["SEGUR_FEATURES_DIR"]))[0] if s.scenario_id]
    if done.returncode != 0 or len(found) != total or len({s.scenario_id for s in found}) != total:
        raise SystemExit(f"scaled catalogue of {total}: {len(found)} scenarios; catalogue --check exit "
                         f"{done.returncode}: {(done.stdout + done.stderr)[-2000:]}")


def port_env() -> dict[str, str]:
    """Free ports for every service a run starts (lane 0 of the selfcheck uses them too)."""
    cfg = load_config()
    env = {f"SEGUR__MOCKS__{name.upper()}__{key.upper()}": str(free_port()) for name in MOCK_NAMES
           for key in cfg["mocks"][name] if key == "port" or key.endswith("_port")}  # fmt: skip
    return {**env, "SEGUR__SUT__PORT": str(free_port()), "SEGUR__VALIDATOR__PORT": str(free_port()),
            "SEGUR__REPORTS__HTML": "false"}  # fmt: skip


def harness() -> list[str]:
    script = Path(sys.executable).with_name("segur-harness")
    return [str(script)] if script.exists() else [sys.executable, "-m", "segur_harness.cli"]


@dataclass(frozen=True)
class Timed:
    seconds: float
    code: int | None
    """None: stopped at the timeout."""
    load: float
    log: Path


def timed(args: list[str], env: dict[str, str], log: Path, timeout: float) -> Timed:
    """Wall time of one harness command in its own session; at the timeout SIGTERM, then SIGKILL, its group."""
    load = os.getloadavg()[0]
    with open(log, "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen([*harness(), *args], env={**os.environ, **env}, cwd=ROOT, stdout=sink,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        return Timed(time.perf_counter() - start, code, load, log)


def cell(result: Timed | None, outcome: str) -> str:
    if result is None:
        return "–"
    if result.code is None:
        return f"> {result.seconds:.0f} (timeout)"
    return f"{result.seconds:.1f} ({outcome})"


def run_outcome(out: Path, code: int | None) -> str:
    try:
        counts = json.loads((out / "summary.json").read_text(encoding="utf-8"))["counts"]
    except (OSError, ValueError, KeyError):
        return f"exit {code}, no summary"
    return f"exit {code}: {counts['passed']}/{counts['total']} passed"


def selfcheck_outcome(result: Timed) -> str:
    lines = [line for line in result.log.read_text(encoding="utf-8", errors="replace").splitlines()
             if line.startswith("selfcheck: ") and " scenarios, " in line]  # fmt: skip
    return f"exit {result.code}: " + (lines[-1].removeprefix("selfcheck: ").split(" (")[0] if lines else "no summary")


def measure(total: int, args: argparse.Namespace, work: Path) -> str:
    """One table row: build the scaled catalogue of `total`, then time each command on it."""
    folder = work / f"n{total}"
    env = build(folder, total)
    check_built(env, total)
    env |= port_env()
    run = timed(["run", "--no-html", "--out", str(folder / "run")], env, folder / "run.log", args.run_timeout)
    short: Timed | None = None
    full: Timed | None = None
    if not args.skip_selfcheck:
        short = timed(["selfcheck"], env, folder / "selfcheck.log", args.selfcheck_timeout)
        if args.full:
            full = timed(["selfcheck", "--full"], env, folder / "full.log", args.full_timeout)
    timings = [t for t in (run, short, full) if t is not None]
    row = [str(total), cell(run, run_outcome(folder / "run", run.code)),
           cell(short, selfcheck_outcome(short) if short else ""),
           *([cell(full, selfcheck_outcome(full) if full else "")] if args.full else []),
           " / ".join(f"{t.load:.2f}" for t in timings)]  # fmt: skip
    return "| " + " | ".join(row) + " |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="89,120,150", help="comma-separated totals, e.g. 89,150")
    parser.add_argument("--full", action="store_true", help="also time `selfcheck --full` (every defect)")
    parser.add_argument("--skip-selfcheck", action="store_true", help="time `run` only")
    parser.add_argument("--run-timeout", type=float, default=300.0)
    parser.add_argument("--selfcheck-timeout", type=float, default=900.0)
    parser.add_argument("--full-timeout", type=float, default=1800.0)
    parser.add_argument("--keep", type=Path,
                        help="an empty folder: keep the catalogues, reports and logs there (default: temporary)")
    args = parser.parse_args()
    totals = [int(n) for n in args.scenarios.split(",") if n.strip()]
    print(f"command: {shlex.join([Path(sys.executable).name, *sys.argv])}  ({os.cpu_count()} cores)")
    columns = ["scenarios", "`run --no-html` s", "`selfcheck` (short) s",
               *(["`selfcheck --full` s"] if args.full else []), "1-min load at each start"]  # fmt: skip
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns), flush=True)
    with tempfile.TemporaryDirectory(prefix="segur-scale-") as tmp:
        work = args.keep or Path(tmp)
        for total in totals:
            print(measure(total, args, work), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
