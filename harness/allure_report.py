"""The run's HTML report with Allure 3 (npm package `allure`, no Java).

After the scenarios: the Environment and Executor panels are written into
allure-results, then allurerc.json (French, tree by requirement, categories,
history of the output root, segur_harness.allure_config), then `allure
generate`, bounded in time. When Node.js/npm is missing or the registry cannot
be reached, the run still succeeds and says in one French line why there is no
HTML report; allure-results/ is always written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from segur_harness import __version__
from segur_harness.allure_config import REPORT_NAME, write_allurerc
from segur_harness.allure_environment import write_environment
from segur_harness.allure_install import allure_binary, cache_dir, run_bounded
from segur_harness.versions import rule_pack_versions

__all__ = ["cache_dir", "generate_html", "html_report"]

DEFAULT_GENERATE_TIMEOUT = 120.0
TRACKER = re.compile(
    r"\s*<script async src=\"https://www\.googletagmanager\.com/gtag/js[^\"]*\"></script>\s*"
    r"<script>\s*window\.dataLayer.*?</script>", re.DOTALL,
)
"""Allure 3's awesome page loads Google Analytics unconditionally (no option turns it off); a
report about health software opened by a reviewer must not call a third party."""


def strip_tracker(index: Path) -> bool:
    """Remove the analytics scripts from the generated page; False when a tracker is still there."""
    html = index.read_text(encoding="utf-8")
    cleaned = TRACKER.sub("", html, count=1)
    if cleaned != html:
        index.write_text(cleaned, encoding="utf-8")
    return "googletagmanager" not in cleaned


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "sans message"


def generate_html(results_dir: Path, output_dir: Path, cfg: dict[str, Any], name: str = REPORT_NAME,
                  out: Path | None = None) -> tuple[bool, str]:  # fmt: skip
    """Generate the HTML report from `results_dir`; (generated, one line for the user)."""
    if not cfg["reports"].get("html", True):
        return False, "rapport HTML désactivé par la configuration (reports.html = false)"
    binary, reason = allure_binary(cfg)
    if binary is None:
        return False, reason
    out = out or results_dir.parent
    rc = write_allurerc(out, output_dir, name)
    timeout = float(cfg["reports"].get("allure_generate_timeout_seconds", DEFAULT_GENERATE_TIMEOUT))
    done = run_bounded([str(binary), "generate", str(results_dir), "--config", str(rc), "--output", str(output_dir)],
                       timeout, cwd=out)  # fmt: skip
    if done.timed_out:
        return False, f"allure generate inachevé après {timeout:.0f} s : rapport HTML non généré"
    if done.returncode != 0 or not (output_dir / "index.html").exists():
        return False, f"allure generate a échoué ({_last_line(done.stderr or done.stdout)}) : rapport HTML non généré"
    clean = strip_tracker(output_dir / "index.html")
    warning = "" if clean else " ; attention : la page contient encore un traceur d'audience d'Allure"
    return True, f"rapport HTML : {output_dir / 'index.html'} (généré en {done.seconds:.1f} s){warning}"


def html_report(out: Path, cfg: dict[str, Any], *, sut: dict[str, Any], catalogue_version: str,
                selection: dict[str, Any], started: float, ended: float) -> tuple[bool, str]:  # fmt: skip
    """The whole report step of `segur-harness run`: environment, executor, configuration, generation."""
    results = out / "allure-results"
    facts = {"harness_version": __version__, "sut": sut, "catalogue_version": catalogue_version,
             "rule_packs": rule_pack_versions(), "selection": selection, "started_at": started, "ended_at": ended}
    try:
        write_environment(results, out, facts)
    except OSError as exc:
        return False, f"allure-results inaccessible ({exc.strerror or exc}) : rapport HTML non généré"
    return generate_html(results, out / "allure-report", cfg, REPORT_NAME, out=out)
