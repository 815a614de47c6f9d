"""`segur-harness run`: start the mocks (and the reference SUT), run the selected
scenarios against the SUT, and write summary.json, allure-results/ and evidence.zip.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from segur_harness.allure_report import html_report
from segur_harness.catalogue import Catalogue, load_catalogue, requirement_tag
from segur_harness.collect import SCENARIO_IDS_ENV
from segur_harness.config import FEATURES_DIR, PACKAGE_DIR, STEPS_DIR, config
from segur_harness.errors import request_problem
from segur_harness.evidence import write_evidence
from segur_harness.evidence_documents import prevalidate
from segur_harness.evidence_sign import Signer
from segur_harness.junit import write_junit
from segur_harness.pack_fetch import ensure_pack
from segur_harness.processes import STOPPING, ServiceProcess, ServiceStartError, python_command, run_tracked
from segur_harness.run_metadata import run_metadata
from segur_harness.services import (
    Endpoint,
    mock_endpoints,
    mock_processes,
    mocks_env_json,
    reference_sut_process,
    shared_env,
    taken_ports,
    validator_process,
)
from segur_harness.store import Store
from segur_harness.summary import EXIT_CODES, build_summary

PYTEST_INI = PACKAGE_DIR / "pytest-run.ini"

EXIT_ERROR = EXIT_CODES["broken"]
"""Usage, configuration or start-up error (the other exit codes: summary.EXIT_CODES)."""
SUT_PROBE_SECONDS = 10.0
"""How long a SUT named by --sut URL gets to answer GET /adapter/v1/info before the run."""


class SelectionError(ValueError):
    """The selection options name nothing runnable (unknown requirement, empty couloir)."""


@dataclass
class RunOptions:
    sut: str = "reference"
    requirements: list[str] = field(default_factory=list)
    tags: str | None = None
    couloir: str | None = None
    out: Path | None = None
    defect: str | None = None
    html: bool = True
    evidence: bool = True
    quiet: bool = False
    junit: Path | None = None
    signer: Signer | None = None
    """The editor's key and certificate: evidence.zip gets manifest.sig.xml (--sign-key/--sign-cert)."""


def selection_expression(opts: RunOptions, catalogue: Catalogue) -> str | None:
    """The pytest -m expression for --requirement/--tags/--couloir (None = everything)."""
    parts = []
    known = catalogue.by_id()
    if opts.requirements:
        unknown = [r for r in opts.requirements if r not in known]
        if unknown:
            raise SelectionError(f"unknown requirement ID(s): {', '.join(unknown)} (see `segur-harness catalogue`)")
        parts.append("(" + " or ".join(requirement_tag(r) for r in opts.requirements) + ")")
    if opts.couloir:
        wanted = opts.couloir.upper()
        reqs = [r for r in catalogue.requirements if wanted in (c.upper() for c in r.couloirs)]
        if not reqs:
            raise SelectionError(f"no requirement of the catalogue applies to couloir {opts.couloir!r}")
        parts.append("(" + " or ".join(r.tag for r in reqs) + ")")
    if opts.tags:
        tags = re.sub(r"@(?=\w)", "", opts.tags)  # Gherkin spelling @TAG accepted
        problem = _expression_problem(tags)
        if problem:
            raise SelectionError(f"--tags {opts.tags!r}: not a valid expression ({problem})")
        parts.append(f"({tags})")
    return " and ".join(parts) or None


def _expression_problem(expression: str) -> str | None:
    """Why pytest would refuse this -m expression, when pytest's parser can tell us (a private API: optional)."""
    try:
        from _pytest.mark.expression import Expression
    except ImportError:
        return None
    try:
        Expression.compile(expression)
    except Exception as exc:  # noqa: BLE001 - pytest's ParseError moves between versions
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


def default_out_dir() -> Path:
    return Path("reports") / datetime.now().strftime("%Y%m%d-%H%M%S")


def _point_latest(out: Path) -> None:
    latest = out.parent / "latest"
    try:
        if latest.is_symlink() or latest.exists():
            latest.unlink()
        latest.symlink_to(out.name, target_is_directory=True)
    except OSError:
        pass  # a file system without symlinks: the timestamped folder is still there


@dataclass
class ScenarioRun:
    records: list[dict[str, Any]]
    exitstatus: int
    started_at: float
    ended_at: float


def run_scenarios(sut_url: str, endpoints: list[Endpoint], store: Path, out: Path, expression: str | None, *,
                  quiet: bool = False, allure: bool = True,
                  validator_url: str | None = None,
                  scenario_ids: list[str] | None = None) -> ScenarioRun:  # fmt: skip
    """Run the Gherkin scenarios in a pytest subprocess and collect one record per scenario.

    `scenario_ids`: only these scenarios (with `expression`, those of them it selects).
    """
    out.mkdir(parents=True, exist_ok=True)
    results_file = out / "scenario-results.json"
    args = [
        "-m", "pytest", str(STEPS_DIR / "test_features.py"),
        "-c", str(PYTEST_INI), "--rootdir", os.path.commonpath([STEPS_DIR, FEATURES_DIR]),
        "-p", "segur_harness.collect", "-p", "segur_harness.steps.plugin",
        "-q" if quiet else "-v", "-rfE", "--tb=short", "--no-header",
    ]  # fmt: skip
    if allure:
        args += ["--alluredir", str(out / "allure-results"), "--clean-alluredir"]
    if expression:
        args += ["-m", expression]
    env = {
        **os.environ,
        "SEGUR_SUT_URL": sut_url,
        "SEGUR_MOCKS": mocks_env_json(endpoints),
        "SEGUR_STORE": str(store),
        "SEGUR_RESULTS_FILE": str(results_file),
        **({"SEGUR_VALIDATOR_URL": validator_url} if validator_url else {}),
        SCENARIO_IDS_ENV: ",".join(scenario_ids or []),
    }
    started = time.time()
    stdout = subprocess.DEVNULL if quiet else None
    returncode = run_tracked(python_command(*args), env=env, stdout=stdout, stderr=stdout, stdin=subprocess.DEVNULL)
    ended = time.time()
    try:
        data = json.loads(results_file.read_text(encoding="utf-8"))
        records = data["scenarios"]
    except (OSError, ValueError, KeyError):
        records = []
    return ScenarioRun(records, returncode, started, ended)


def sut_info(url: str) -> dict[str, Any]:
    """What the SUT says about itself (adapter /info), for the report; {"error": ...} when it cannot say."""
    target = url.rstrip("/") + "/adapter/v1/info"
    try:
        reply = requests.get(target, timeout=SUT_PROBE_SECONDS)
    except requests.RequestException as exc:
        return {"url": url, "info": {"error": f"GET {target}: {request_problem(exc, SUT_PROBE_SECONDS)}"}}
    if not reply.ok:
        return {"url": url, "info": {"error": f"GET {target}: HTTP {reply.status_code}"}}
    try:
        info = reply.json()
    except ValueError:
        return {"url": url, "info": {"error": f"GET {target}: HTTP {reply.status_code} with a body that is not JSON"}}
    if not isinstance(info, dict):
        return {"url": url, "info": {"error": f"GET {target}: expected a JSON object, got {info!r:.100}"}}
    return {"url": url, "info": info}


def pytest_problem(exitstatus: int, records: list[dict[str, Any]]) -> str | None:
    """Why the scenario process itself failed (not a scenario's verdict), or None."""
    if exitstatus in (0, 1, 5) and (records or exitstatus == 5):
        return None
    if exitstatus == 4:
        return "pytest refused the run (usage error, exit 4): check the --tags expression"
    if exitstatus == 2:
        return "the scenario run was interrupted or could not collect the scenarios (pytest exit 2): see the output"
    if exitstatus in (0, 1):
        return f"the scenario process (pytest exit {exitstatus}) wrote no results"
    return f"the scenario process ended abnormally (pytest exit {exitstatus}): see the output"


class Services(ExitStack):
    """The mocks (and the reference SUT when asked) for the duration of a `with` block."""

    def __init__(self, cfg: dict[str, Any], store: Path, log_dir: Path, *, with_sut: bool = True,
                 validator_url: str | None = None) -> None:
        """`validator_url`: a validation service already running (shared), else one is started."""
        super().__init__()
        self.cfg, self.store, self.log_dir, self.with_sut = cfg, store, log_dir, with_sut
        self.endpoints = mock_endpoints(cfg)
        self.validator_url: str | None = validator_url
        self.child_env: dict[str, str] = {}

    def __enter__(self) -> Services:
        super().__enter__()
        try:
            taken = taken_ports(self.cfg, with_sut=self.with_sut, with_validator=self.validator_url is None)
            if taken:
                raise ServiceStartError("ports already in use: " + "; ".join(taken))
            self.child_env = shared_env(self.cfg)
            if self.validator_url is None:
                validator, self.validator_url = validator_process(self.cfg, self.log_dir)
                self._start(validator)
            self.child_env["SEGUR_VALIDATOR_URL"] = self.validator_url
            for proc in mock_processes(self.cfg, self.store, self.log_dir):
                proc.env.update(self.child_env)
                self._start(proc)
        except BaseException:  # a failed start (or Ctrl-C) must not leave the started services running
            self.close()
            raise
        return self

    def _start(self, proc: ServiceProcess) -> None:
        if STOPPING.is_set():
            raise ServiceStartError(f"{proc.name}: not started, the command is stopping")
        self.callback(proc.stop)
        proc.start()

    def start_reference_sut(self, defect: str | None = None) -> tuple[ServiceProcess, str]:
        proc, url = reference_sut_process(self.cfg, self.log_dir, defect)
        proc.env.update(self.child_env)
        self._start(proc)
        return proc, url


def _say(message: str) -> None:
    print(f"segur-harness: {message}", file=sys.stderr, flush=True)


def skip_reasons(summary: dict[str, Any]) -> list[str]:
    """The distinct reasons scenarios were skipped (what material is missing), most frequent first."""
    found: dict[str, int] = {}
    for scenario in summary["scenarios"]:
        for message in scenario["messages"] if scenario["status"] == "skipped" else []:
            found[message] = found.get(message, 0) + 1
    return [f"{reason} ({count} scenarios)" for reason, count in sorted(found.items(), key=lambda kv: -kv[1])]


def prepare_out(out: Path) -> str | None:
    """Create the output folder; a one-line problem (naming --out) when it cannot be one."""
    if out.exists() and not out.is_dir():
        return f"--out {out}: exists and is not a folder; name a folder (or a path that does not exist yet)"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"--out {out}: cannot create the folder ({exc.strerror or exc})"
    return None


def junit_problem(target: Path) -> str | None:
    """Why --junit FILE cannot be written (checked before the run, not after it)."""
    if target.is_dir():
        return f"--junit {target}: is a folder; name a file"
    parent = target.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        return f"--junit {target}: cannot write there ({parent} is not a writable folder)"
    return None


def run(opts: RunOptions) -> int:
    """The full conformance run; the exit code is summary.EXIT_CODES[verdict] (see README)."""
    cfg = config()
    catalogue = load_catalogue()
    try:
        expression = selection_expression(opts, catalogue)
    except SelectionError as exc:
        _say(str(exc))
        return EXIT_ERROR
    default_out = opts.out is None
    out = (opts.out or default_out_dir()).resolve()
    problem = prepare_out(out) or (junit_problem(opts.junit) if opts.junit else None)
    if problem:
        _say(problem)
        return EXIT_ERROR
    reference = opts.sut == "reference"
    if not reference:
        probe = sut_info(opts.sut)
        if "error" in probe["info"]:
            _say(f"the SUT at {opts.sut} does not answer: {probe['info']['error']} (start it, or fix --sut)")
            return EXIT_ERROR
    ensure_pack(cfg)
    store_file = out / "exchanges.sqlite"
    started = time.time()
    try:
        with Services(cfg, store_file, out / "logs", with_sut=reference) as services:
            if reference:
                _proc, sut_url = services.start_reference_sut(opts.defect)
            else:
                sut_url = opts.sut
            sut = sut_info(sut_url)
            result = run_scenarios(
                sut_url, services.endpoints, store_file, out, expression, quiet=opts.quiet, allure=True,
                validator_url=services.validator_url,
            )
            # the documents' validation reports for evidence.zip, while the (warm) validation service still runs
            validations = prevalidate(store_file, out / "allure-results", services.validator_url) \
                if opts.evidence else None
    except ServiceStartError as exc:
        _say(f"could not start the services: {exc}")
        if opts.junit:
            write_junit(opts.junit, {"problems": [f"could not start the services: {exc}"]}, catalogue)
        return EXIT_ERROR
    ended = time.time()
    selection = {"requirements": opts.requirements, "tags": opts.tags, "couloir": opts.couloir,
                 "expression": expression, "defect": opts.defect}  # fmt: skip
    run_problem = pytest_problem(result.exitstatus, result.records)
    summary = build_summary(result.records, catalogue, started_at=started, ended_at=ended, sut=sut,
                            selection=selection, problems=[run_problem] if run_problem else [])
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    if opts.junit:
        write_junit(opts.junit, summary, catalogue)
    if opts.evidence:
        metadata = run_metadata(started=started, ended=ended, sut=sut, catalogue_version=catalogue.version,
                                mocks={e.service: e.url for e in services.endpoints},
                                validation_engine=validations.engine if validations else None)  # fmt: skip
        (out / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
        write_evidence(out / "evidence.zip", metadata=metadata, summary=summary,
                       exchanges=Store(store_file).exchanges(), catalogue=catalogue,
                       allure_dir=out / "allure-results", validations=validations, signer=opts.signer)  # fmt: skip
    if opts.html:
        _generated, message = html_report(out, cfg, sut=sut, catalogue_version=catalogue.version,
                                          selection=selection, started=started, ended=ended)  # fmt: skip
        _say(message)
    if default_out:
        _point_latest(out)
    counts = summary["counts"]
    _say(
        f"{counts['total']} scenarios: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['broken']} broken, {counts['skipped']} skipped. Report: {out}"
    )
    for line in summary["problems"][:10]:
        _say(f"broken: {line}")
    if summary["verdict"] == "incomplete":
        for reason in skip_reasons(summary)[:3]:
            _say(reason)
    _say(VERDICT_LINES[summary["verdict"]])
    return EXIT_CODES[summary["verdict"]]


VERDICT_LINES = {
    "passed": "verdict: passed (exit 0)",
    "failed": "verdict: the SUT failed scenarios (exit 1)",
    "broken": "verdict: broken, the harness could not judge some scenarios; the SUT is not blamed for them (exit 2)",
    "nothing-selected": "verdict: no scenario matched the selection (exit 3)",
    "incomplete": "verdict: passed but incomplete, scenarios were skipped for missing material (exit 4)",
}
