"""The Allure 3 command line (npm package `allure`), installed once into the harness cache.

Why not `npm install --prefix DIR`: `--prefix` moves npm's *global* prefix, and
npm looks up its global configuration file at `PREFIX/etc/npmrc`. The machine's
global npmrc (where a proxy's certificate authority is usually declared with
`cafile`) is then silently ignored, every request fails TLS and npm retries with
back-off for minutes. Here npm runs inside a folder holding a `package.json`,
which makes that folder the local prefix without touching the global one: the
machine's npmrc, the user's ~/.npmrc, `npm_config_*` variables and
NODE_EXTRA_CA_CERTS all apply as in the user's shell.

Every npm or node call is bounded (its whole process group is killed on
timeout); a failure becomes one French line saying what to fix. The run never
fails because of the HTML report.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PING_TIMEOUT_SECONDS = 30.0
VERSION_TIMEOUT_SECONDS = 30.0
READY_MARKER = ".segur-harness-ready"
MIN_NODE_MAJOR = 18

TLS_CODES = {
    "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID",
}  # fmt: skip
NETWORK_CODES = {"ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH"}


@dataclass(frozen=True)
class Outcome:
    """What a bounded command did: its exit code (None = killed on timeout) and its output."""

    returncode: int | None
    stdout: str
    stderr: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def run_bounded(command: list[str], timeout: float, *, cwd: Path | None = None,
                env: dict[str, str] | None = None) -> Outcome:  # fmt: skip
    """Run `command` for at most `timeout` seconds; on timeout its whole process group is killed."""
    started = time.monotonic()
    with subprocess.Popen(
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", errors="replace", start_new_session=True,
    ) as proc:  # fmt: skip
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            return Outcome(None, out or "", err or "", time.monotonic() - started)
        except BaseException:
            _kill_group(proc)
            raise
    return Outcome(proc.returncode, out or "", err or "", time.monotonic() - started)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=3)
            return
        except subprocess.TimeoutExpired:
            continue


def npm_error_code(output: str) -> str | None:
    """The `code` npm prints on failure (`npm error code X` in npm ≥ 10, `npm ERR! code X` before)."""
    match = re.search(r"^npm (?:error|ERR!) code (\S+)", output, re.MULTILINE)
    return match.group(1) if match else None


def npm_problem(output: str, what: str) -> str:
    """One French line: why `what` (an npm command) failed and what the user can do."""
    code = npm_error_code(output)
    if code in TLS_CODES:
        return (f"{what} : certificat TLS du registre npm refusé ({code}) ; si un proxy a sa propre autorité de "
                "certification, déclarez-la (cafile dans le npmrc de la machine, ou NODE_EXTRA_CA_CERTS)")
    if code in NETWORK_CODES:
        return f"{what} : registre npm injoignable ({code}) ; vérifiez registry et proxy dans npmrc"
    if code in ("E401", "E403"):
        return f"{what} : accès refusé par le registre npm ({code}) ; vérifiez les identifiants dans npmrc"
    if code in ("E404", "ETARGET"):
        return f"{what} : paquet introuvable dans le registre npm ({code}) ; vérifiez reports.allure_npm_package"
    if code in ("EACCES", "EPERM"):
        return f"{what} : droits insuffisants sur le cache ({code}) ; choisissez un autre SEGUR_CACHE_DIR"
    lines = [line for line in output.strip().splitlines() if line.strip() and "complete log" not in line]
    detail = lines[-1].strip()[:200] if lines else "sans message"
    return f"{what} a échoué ({code or 'erreur'} : {detail})"


def cache_dir(cfg: dict[str, Any]) -> Path:
    return Path(os.environ.get("SEGUR_CACHE_DIR") or cfg["reports"]["cache_dir"]).expanduser()


def install_dir(cfg: dict[str, Any]) -> Path:
    """Where this pinned Allure version lives: one folder per package spec, so a new pin installs beside."""
    package = cfg["reports"]["allure_npm_package"]
    return cache_dir(cfg) / ("allure-cli-" + re.sub(r"[^A-Za-z0-9.]+", "_", package).strip("_"))


def _binary(folder: Path) -> Path:
    return folder / "node_modules" / ".bin" / "allure"


def _split_spec(package: str) -> tuple[str, str]:
    """'allure@3.18.0' -> ('allure', '3.18.0'); '@scope/x@1' -> ('@scope/x', '1'); no version -> 'latest'."""
    name, sep, wanted = package.rpartition("@")
    if not sep or not name:  # 'allure' or '@scope/x'
        return package, "latest"
    return name, wanted


def node_problem() -> str | None:
    """Why Node.js/npm cannot build the report here, or None."""
    if not shutil.which("node") or not shutil.which("npm"):
        return ("Node.js/npm introuvable : rapport HTML non généré (allure-results/ est écrit ; installez "
                f"Node.js ≥ {MIN_NODE_MAJOR} et npm pour l'obtenir)")
    done = run_bounded(["node", "--version"], VERSION_TIMEOUT_SECONDS)
    match = re.match(r"v(\d+)", done.stdout.strip())
    if done.timed_out or not match:
        return "node --version ne répond pas : rapport HTML non généré"
    if int(match.group(1)) < MIN_NODE_MAJOR:
        return f"Node.js {done.stdout.strip()} trop ancien (Allure 3 : ≥ {MIN_NODE_MAJOR}) : rapport HTML non généré"
    return None


def allure_binary(cfg: dict[str, Any]) -> tuple[Path | None, str]:
    """The allure CLI, installing it when needed; (None, one French line) when it cannot be had."""
    problem = node_problem()
    if problem:
        return None, problem
    folder = install_dir(cfg)
    if (folder / READY_MARKER).exists() and _binary(folder).exists():
        return _binary(folder), ""
    return _install(cfg, folder)


def _install(cfg: dict[str, Any], folder: Path) -> tuple[Path | None, str]:
    package = cfg["reports"]["allure_npm_package"]
    timeout = float(cfg["reports"].get("npm_install_timeout_seconds", 300))
    staging = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    try:
        staging.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return None, f"cache {staging.parent} inutilisable ({exc.strerror or exc}) : rapport HTML non généré"
    try:
        name, wanted = _split_spec(package)
        manifest = {"name": "segur-harness-allure-cli", "private": True, "dependencies": {name: wanted}}
        (staging / "package.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        problem = _registry_problem(staging)
        if problem:
            return None, problem
        done = run_bounded(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], timeout, cwd=staging)
        if done.timed_out:
            return None, (f"npm install {package} inachevé après {timeout:.0f} s : rapport HTML non généré "
                          "(registre lent ? SEGUR__REPORTS__NPM_INSTALL_TIMEOUT_SECONDS pour attendre plus)")
        if done.returncode != 0 or not _binary(staging).exists():
            return None, npm_problem(done.stderr + done.stdout, f"npm install {package}") + " : rapport HTML non généré"
        check = run_bounded([str(_binary(staging)), "--version"], VERSION_TIMEOUT_SECONDS, cwd=staging)
        if check.returncode != 0:
            detail = (check.stderr or check.stdout).strip().splitlines()[-1:] or ["sans réponse"]
            return None, f"allure --version a échoué après l'installation ({detail[0][:200]}) : rapport HTML non généré"
        (staging / READY_MARKER).write_text(check.stdout.strip() + "\n", encoding="utf-8")
        _publish(staging, folder)
    except OSError as exc:
        return None, f"cache {folder.parent} inutilisable ({exc.strerror or exc}) : rapport HTML non généré"
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _binary(folder), ""


def _registry_problem(folder: Path) -> str | None:
    """A fast look at the registry (no retries), so that a TLS or network failure is one clear line in
    seconds instead of npm install retrying each request for minutes. A registry that merely does not
    implement ping (some private mirrors) is not a problem: the install is tried."""
    ping = run_bounded(["npm", "ping", "--fetch-retries=0"], PING_TIMEOUT_SECONDS, cwd=folder)
    if ping.timed_out:
        return f"npm ping sans réponse en {PING_TIMEOUT_SECONDS:.0f} s : registre injoignable, rapport HTML non généré"
    if ping.returncode != 0 and npm_error_code(ping.stderr + ping.stdout) in TLS_CODES | NETWORK_CODES:
        return npm_problem(ping.stderr + ping.stdout, "npm ping") + " : rapport HTML non généré"
    return None


def _publish(staging: Path, folder: Path) -> None:
    """Move a verified install into place; a concurrent run that got there first wins."""
    if folder.exists() and not (folder / READY_MARKER).exists():
        shutil.rmtree(folder, ignore_errors=True)  # a half-finished install from an older harness
    try:
        staging.rename(folder)
    except OSError:
        if not (folder / READY_MARKER).exists():
            raise
