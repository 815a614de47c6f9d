"""HTML report with Allure 3 (npm package `allure`, no Java).

Installed once into the harness cache at a pinned version; when Node.js or
npm is missing, or the registry cannot be reached, the run still succeeds and
says why there is no HTML report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any


def cache_dir(cfg: dict[str, Any]) -> Path:
    return Path(os.environ.get("SEGUR_CACHE_DIR") or cfg["reports"]["cache_dir"]).expanduser()


def _allure_bin(cfg: dict[str, Any]) -> tuple[Path | None, str]:
    """The allure CLI, installing it when needed; (None, reason) when impossible."""
    if not shutil.which("node") or not shutil.which("npm"):
        return None, "Node.js/npm not found: HTML report skipped (allure-results are still written)"
    package = cfg["reports"]["allure_npm_package"]
    prefix = cache_dir(cfg) / ("npm-" + package.replace("@", "_").replace("/", "_"))
    binary = prefix / "node_modules" / ".bin" / "allure"
    if binary.exists():
        return binary, ""
    prefix.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error", package],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return None, f"npm install {package} timed out: HTML report skipped"
    if done.returncode != 0 or not binary.exists():
        return None, f"npm install {package} failed: HTML report skipped ({done.stderr.strip()[-300:]})"
    return binary, ""


def generate_html(results_dir: Path, output_dir: Path, cfg: dict[str, Any], name: str) -> tuple[bool, str]:
    """Generate the HTML report; returns (generated, message for the user)."""
    if not cfg["reports"].get("html", True):
        return False, "HTML report disabled in configuration"
    binary, reason = _allure_bin(cfg)
    if binary is None:
        return False, reason
    try:
        done = subprocess.run(
            [str(binary), "generate", str(results_dir), "--output", str(output_dir), "--name", name],
            capture_output=True, text=True, timeout=300, cwd=results_dir.parent,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return False, "allure generate timed out: HTML report skipped"
    if done.returncode != 0 or not (output_dir / "index.html").exists():
        return False, f"allure generate failed: {(done.stderr or done.stdout).strip()[-300:]}"
    return True, f"HTML report: {output_dir / 'index.html'}"
