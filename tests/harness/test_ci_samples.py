"""docs/ci.md as executable documentation: its GitLab CI and GitHub Actions jobs, parsed and run.

Only loopback is reachable here, so the jobs cannot run on GitLab or GitHub. Each
YAML block is parsed, checked for what its CI needs (script, JUnit report, artefacts
kept on failure, timeout), and its own shell lines are run in bash in a temporary
folder standing for the CI workspace, with a few substitutions:

- the harness install (`pip install ./segur-harness`) and the checkout, setup-python
  and cache steps: the harness installed in this test's venv, on PATH; the CI cache
  holds the reference material (`.cache/segur-reference` links the real folder);
- `./ci/start-sut-with-adapter.sh` ("your SUT"): the bundled reference SUT started
  standalone (`python -m segur_harness.sut.reference --port P`), SUT_URL at it;
- the run line: a `--requirement` selection appended to keep it short;
- every port the harness uses: a free one; GitHub `${{ ... }}` expressions: from
  the job's context.

The GitLab job runs against the reference SUT (exit 0, every artefact), the GitHub
job against the SUT with a defect that fails one selected scenario (exit 1, every
artefact still there: the samples' `when: always` / `if: always()`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from segur_harness.config import reference_dir
from segur_harness.processes import free_port
from segur_harness.services import MOCK_NAMES

DOC = Path(__file__).resolve().parents[2] / "docs" / "ci.md"
SELECTION = ("INS/va1.49", "CDA/INT.01")
SCENARIOS = {f"INS/va1.49.0{i}" for i in (1, 2, 3)} | {f"CDA/INT.01.0{i}" for i in (1, 2, 3)}
DEFECT = "dedup-on-set-id"  # fails CDA/INT.01.03 only (fixtures/selfcheck/kills.json)
FAILED_BY_DEFECT = {"CDA/INT.01.03"}
JOB_TIMEOUT = 150  # seconds for one run of a job's script (a hang fails the test instead of blocking it)
INSTALL = re.compile(r"^\s*python3? -m pip install\b.*\./segur-harness\s*$")
START_SUT = "./ci/start-sut-with-adapter.sh"


def yaml_blocks() -> list[dict]:
    return [yaml.safe_load(block) for block in re.findall(r"^```yaml\n(.*?)^```", DOC.read_text("utf-8"), re.M | re.S)]


def gitlab_job() -> tuple[str, dict]:
    jobs = [(name, job) for block in yaml_blocks() for name, job in block.items()
            if isinstance(job, dict) and "script" in job]  # fmt: skip
    assert len(jobs) == 1, f"docs/ci.md: expected one GitLab job, found {[name for name, _ in jobs]}"
    return jobs[0]


def github_workflow() -> dict:
    flows = [block for block in yaml_blocks() if "jobs" in block]
    assert len(flows) == 1, "docs/ci.md: expected one GitHub Actions workflow"
    return flows[0]


def substitute(line: str, sut_cmd: str) -> str:
    """One shell line of a job, with the substitutions of the module docstring."""
    if INSTALL.match(line):
        return ": 'the harness is installed already: the test venv on PATH'"
    if START_SUT in line:
        line = line.replace(START_SUT, sut_cmd)
    if re.search(r"(^|\s)segur-harness run\b", line):
        line += "".join(f" --requirement {req}" for req in SELECTION)
    return line


def sut_command(port: int, defect: str | None) -> str:
    cmd = [sys.executable, "-m", "segur_harness.sut.reference", "--port", str(port)]
    return shlex.join([*cmd, *(["--defect", defect] if defect else [])])


def job_env(tmp: Path) -> dict[str, str]:
    """The job's environment: tests/conftest.py isolated_env (every port free, own store), the venv on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGUR", "GITHUB_", "CI_"))}
    env.update({f"SEGUR__MOCKS__{name.upper()}__PORT": str(free_port()) for name in MOCK_NAMES})
    for port in ("MSS__ADMIN_PORT", "MSS__IMAP_PORT", "MSS__IMAP_ADMIN_PORT"):
        env[f"SEGUR__MOCKS__{port}"] = str(free_port())
    env.update({"SEGUR__SUT__PORT": str(free_port()), "SEGUR__VALIDATOR__PORT": str(free_port())})
    env.update({"SEGUR__MOCKS__DMP__PKI_DIR": str(tmp / "pki"), "SEGUR_STORE": str(tmp / "store.sqlite")})
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["SEGUR__REPORTS__HTML"] = "false"  # the Allure HTML report (Node.js) is tested elsewhere; keeps this short
    return env


def workspace(tmp: Path) -> Path:
    """The CI workspace, the CI cache restored: .cache/segur-reference holds the reference material."""
    ws = tmp / "workspace"
    (ws / ".cache").mkdir(parents=True)
    (ws / ".cache" / "segur-reference").symlink_to(reference_dir())
    return ws


class Shell:
    """Runs a job's scripts in bash, each in its own process group, and kills every group at the end.

    A step's background process (the SUT) outlives its step, as on a CI runner, until `close()`.
    """

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd, self.env, self.groups = cwd, env, []

    def run(self, script: str, *bash_args: str) -> tuple[int | None, str]:
        path = self.cwd.parent / f"step-{len(self.groups)}.sh"
        path.write_text(script, encoding="utf-8")
        proc = subprocess.Popen(["bash", *bash_args, str(path)], cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)  # fmt: skip
        self.groups.append(proc.pid)
        try:
            out, _ = proc.communicate(timeout=JOB_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)  # the harness stops its services (own sessions) on SIGTERM
            try:
                out, _ = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                out, _ = proc.communicate()
            return (
                None,
                f"{out}\nTIMEOUT: the job did not end within {JOB_TIMEOUT} s (a background process holds its output?)",
            )
        return proc.returncode, out

    def close(self) -> None:
        for group in self.groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGTERM)


def assert_artefacts(ws: Path, out: str, failed: set[str]) -> None:
    reports = ws / "reports" / "ci"
    junit = reports / "junit.xml"
    assert junit.is_file(), f"no reports/ci/junit.xml:\n{out}"
    cases = ET.parse(junit).getroot().iter("testcase")
    verdicts = {case.get("name"): case.find("failure") is not None for case in cases}
    assert set(verdicts) == SCENARIOS, f"JUnit testcases {sorted(verdicts)}, expected {sorted(SCENARIOS)}"
    assert {name for name, failure in verdicts.items() if failure} == failed, out
    assert (reports / "evidence.zip").is_file(), out
    assert (reports / "preuves.xlsx").is_file(), f"evidence export --xlsx did not run:\n{out}"
    assert "verdict : intact (exit 0)" in out, f"evidence verify did not run or found differences:\n{out}"


# ----------------------------------------------------------------------------------------------- GitLab CI


def test_gitlab_job_structure() -> None:
    name, job = gitlab_job()
    assert isinstance(job["script"], list) and all(isinstance(line, str) for line in job["script"]), name
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "reports/ci/junit.xml"
    assert "reports/ci/" in job["artifacts"]["paths"]
    assert any(START_SUT in line for line in job["script"]) and any(INSTALL.match(line) for line in job["script"])
    assert any("--junit reports/ci/junit.xml" in line for line in job["script"])


def gitlab_script(job: dict, ws: Path, sut_port: int, defect: str | None) -> str:
    """The job as GitLab's bash runner executes it: variables exported, `set -eo pipefail`, the script lines."""
    lines = ["set -eo pipefail", f"export CI_PROJECT_DIR={shlex.quote(str(ws))}"]
    for key, value in job.get("variables", {}).items():
        if key == "SUT_URL":
            value = f"http://127.0.0.1:{sut_port}"
        lines.append(f'export {key}="{value}"')  # GitLab expands $VARS in variables, as bash does here
    lines += [substitute(line, sut_command(sut_port, defect)) for line in job["script"]]
    return "\n".join(lines) + "\n"


def run_gitlab(tmp: Path, defect: str | None) -> tuple[int | None, str]:
    ws = workspace(tmp)
    shell = Shell(ws, job_env(tmp))
    try:
        return shell.run(gitlab_script(gitlab_job()[1], ws, free_port(), defect))
    finally:
        shell.close()


# ----------------------------------------------------------------------------------------------- GitHub Actions


def test_github_workflow_structure() -> None:
    flow = github_workflow()
    (job,) = flow["jobs"].values()
    assert isinstance(job["timeout-minutes"], int) and job["timeout-minutes"] > 0
    steps = job["steps"]
    upload = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert len(upload) == 1 and upload[0].get("if") == "always()" and "reports/ci/" in upload[0]["with"]["path"].split()
    junit = [s for s in steps if "report_paths" in s.get("with", {})]
    assert len(junit) == 1 and junit[0].get("if") == "always()"
    assert junit[0]["with"]["report_paths"] == "reports/ci/junit.xml"
    assert any(START_SUT in s.get("run", "") for s in steps)
    assert any("--junit reports/ci/junit.xml" in s.get("run", "") for s in steps)
    for step in steps:  # what the test replaces by the installed harness must be what it says
        if "uses" in step and step is not upload[0] and step is not junit[0]:
            assert step["uses"].split("@")[0] in ("actions/checkout", "actions/setup-python", "actions/cache")


def github_expression(expr: str, context: dict[str, dict[str, str]]) -> str:
    scope, _, key = expr.strip().partition(".")
    assert scope in context and key in context[scope], f"docs/ci.md: unresolved GitHub expression ${{{{ {expr} }}}}"
    return context[scope][key]


def expand(text: str, context: dict[str, dict[str, str]]) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: github_expression(m.group(1), context), text)


def run_github(tmp: Path, defect: str | None) -> tuple[int | None, str]:
    """The `run:` steps, each in `bash -e` as GitHub runs them; a failed step skips the rest but `if: always()`."""
    ws, env = workspace(tmp), job_env(tmp)
    (job,) = github_workflow()["jobs"].values()
    context = {"github": {"workspace": str(ws)}, "env": {}}
    sut_port = free_port()
    for key, value in job.get("env", {}).items():
        value = f"http://127.0.0.1:{sut_port}" if key == "SUT_URL" else expand(str(value), context)
        context["env"][key] = env[key] = value
    env["GITHUB_STEP_SUMMARY"] = str(tmp / "step-summary.md")
    shell, failed_code, outputs = Shell(ws, env), 0, []
    try:
        for step in job["steps"]:
            if "run" not in step or (failed_code and step.get("if") != "always()"):
                continue
            lines = expand(step["run"], context).splitlines()
            script = "\n".join(substitute(line, sut_command(sut_port, defect)) for line in lines) + "\n"
            code, out = shell.run(script, "--noprofile", "--norc", "-e")  # GitHub's default shell on Linux
            outputs.append(f"--- step {step.get('name', step['run'][:40])!r}: exit {code}\n{out}")
            failed_code = failed_code or code
            if code is None:
                break
    finally:
        shell.close()
    return failed_code, "\n".join(outputs)


# ----------------------------------------------------------------------------------------------- both jobs, both SUTs

RUNS = {("gitlab", None), ("github", DEFECT)}
"""Each job once, one against each SUT: the exit-code handling is the same lines in both samples, and two runs
more (each ~10 s of CPU) would buy the test suite nothing but time."""


@pytest.fixture(scope="module")
def job_runs(tmp_path_factory: pytest.TempPathFactory, insi_wsdl: Path, cisis_pack: Path) -> dict:
    """The jobs of RUNS, at once (each on its own ports and workspace): (code, output, workspace)."""
    runners = {"gitlab": run_gitlab, "github": run_github}
    tmps = {key: tmp_path_factory.mktemp(f"{key[0]}-{key[1] or 'reference'}") for key in RUNS}
    with ThreadPoolExecutor(min(len(RUNS), os.cpu_count() or 1)) as pool:  # a run is CPU-bound
        futures = {key: pool.submit(runners[key[0]], tmps[key], key[1]) for key in RUNS}
        return {key: (*future.result(), tmps[key]) for key, future in futures.items()}


@pytest.mark.parametrize(("ci", "defect"), sorted(RUNS, key=str), ids=["github-defective-sut", "gitlab-reference-sut"])
def test_job_runs(job_runs: dict, ci: str, defect: str | None) -> None:
    """The job passes against the reference SUT; it fails (exit 1) against the defect, its artefacts still there."""
    code, out, tmp = job_runs[(ci, defect)]
    assert code == (1 if defect else 0), out
    assert_artefacts(tmp / "workspace", out, FAILED_BY_DEFECT if defect else set())
    if ci == "github":
        text = (tmp / "step-summary.md").read_text("utf-8")
        assert "## Ségur" in text and ("5 réussis, 1 échoués" if defect else "6 réussis, 0 échoués") in text, text
