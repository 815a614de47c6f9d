"""End to end: INSi mock and reference SUT as real processes, the Gherkin scenarios run against them.

Proves the scenarios pass on the conformant SUT and that each one fails under
at least one named defect (a scenario no defect can fail proves nothing).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from segur_harness.config import PACKAGE_DIR, STEPS_DIR
from segur_harness.features_index import index_features
from segur_harness.processes import ServiceProcess, free_port, python_command
from segur_harness.sut.reference.defects import DEFECTS

pytest.importorskip("segur_harness.mocks.insi.service", reason="the INSi mock is not built yet")

MOCK_SERVER = (
    "import os\n"
    "from werkzeug.serving import make_server\n"
    "from segur_harness.mocks.registry import build_app\n"
    "make_server('127.0.0.1', int(os.environ['SEGUR__MOCKS__INSI__PORT']), build_app('insi'), threaded=True)"
    ".serve_forever()\n"
)


@pytest.fixture(scope="module")
def insi_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, str]]]:
    work = tmp_path_factory.mktemp("e2e")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = ServiceProcess("insi mock", python_command("-c", MOCK_SERVER), base + "/_admin/health",
                          work / "mock.log",
                          env={"SEGUR__MOCKS__INSI__PORT": str(port), "SEGUR_STORE": str(work / "store.sqlite")})
    proc.start()
    try:
        yield {"insi": {"url": base + "/lps", "admin": base + "/_admin"}}
    finally:
        proc.stop()


def run_scenarios(mocks: dict[str, dict[str, str]], work: Path, defect: str | None) -> dict[str, str]:
    """Start the reference SUT (with `defect`), run every scenario, return scenario ID -> status."""
    port = free_port()
    args = ["-m", "segur_harness.sut.reference", "--port", str(port)] + (["--defect", defect] if defect else [])
    sut = ServiceProcess(f"SUT {defect}", python_command(*args), f"http://127.0.0.1:{port}/adapter/v1/info",
                         work / f"sut-{defect or 'conformant'}.log")
    results = work / f"results-{defect or 'conformant'}.json"
    sut.start()
    try:
        env = {**os.environ, "SEGUR_SUT_URL": f"http://127.0.0.1:{port}", "SEGUR_MOCKS": json.dumps(mocks),
               "SEGUR_RESULTS_FILE": str(results)}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", str(STEPS_DIR / "test_features.py"), "-c",
             str(PACKAGE_DIR / "pytest-run.ini"), "--rootdir", str(STEPS_DIR), "-p", "segur_harness.collect",
             "-p", "segur_harness.steps.plugin", "-q", "--tb=line", "-p", "no:randomly"],
            env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
        )
    finally:
        sut.stop()
    records = json.loads(results.read_text(encoding="utf-8"))["scenarios"] if results.exists() else []
    statuses = {r["scenario_id"]: r["status"] for r in records}
    assert statuses, f"no scenario ran:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return statuses


def test_every_scenario_passes_on_the_conformant_sut(insi_mock, tmp_path: Path) -> None:
    statuses = run_scenarios(insi_mock, tmp_path, None)
    declared = {s.scenario_id for s in index_features()[0]}
    assert set(statuses) == declared
    failed = {sid: status for sid, status in statuses.items() if status != "passed"}
    assert failed == {}, f"scenarios failing on the conformant reference SUT: {failed}"


def test_every_scenario_fails_under_some_defect_and_every_defect_is_caught(insi_mock, tmp_path: Path) -> None:
    matrix = {defect: run_scenarios(insi_mock, tmp_path, defect) for defect in DEFECTS}
    scenarios = set().union(*(set(r) for r in matrix.values()))
    uncaught_scenarios = sorted(s for s in scenarios if all(r.get(s) == "passed" for r in matrix.values()))
    blind_defects = sorted(d for d, r in matrix.items() if all(status == "passed" for status in r.values()))
    assert uncaught_scenarios == [], f"scenarios that no defect makes fail: {uncaught_scenarios}"
    assert blind_defects == [], f"defects no scenario catches: {blind_defects}"
