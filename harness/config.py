"""Harness configuration: one TOML of defaults, a user TOML, env overrides.

Every port, path and accepted value lives here so a user can change what ANS
changes without touching code, and so tests can move services to free ports.
"""

from __future__ import annotations

import copy
import importlib
import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent
"""Root of the checkout (only meaningful when running from a checkout or an editable install)."""


def _subpackage_dir(name: str) -> Path:
    module = importlib.import_module(name)
    return Path(module.__file__).resolve().parent


FIXTURES_DIR = _subpackage_dir("segur_harness.fixtures")
FEATURES_DIR = _subpackage_dir("segur_harness.features")
STEPS_DIR = _subpackage_dir("segur_harness.steps")
"""Data and step folders, wherever the distribution is installed (checkout, editable or wheel)."""

ENV_PREFIX = "SEGUR__"


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _parse_scalar(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__") if p]
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = _parse_scalar(raw)
    return tree


def load_config(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Defaults, then the file named by SEGUR_CONFIG, then SEGUR__A__B env vars."""
    env = dict(os.environ if environ is None else environ)
    with open(PACKAGE_DIR / "defaults.toml", "rb") as handle:
        cfg = tomllib.load(handle)
    user_file = env.get("SEGUR_CONFIG")
    if user_file:
        with open(user_file, "rb") as handle:
            cfg = _merge(cfg, tomllib.load(handle))
    return _merge(cfg, _env_overrides(env))


@cache
def config() -> dict[str, Any]:
    """The process-wide configuration (read once)."""
    return load_config()


def _existing(path: str | Path | None) -> Path | None:
    if not path:
        return None
    candidate = Path(path).expanduser()
    return candidate.resolve() if candidate.exists() else None


def reference_dir(cfg: dict[str, Any] | None = None) -> Path | None:
    """The official reference material folder, or None when absent."""
    cfg = cfg or config()
    return (
        _existing(os.environ.get("SEGUR_REFERENCE_DIR"))
        or _existing(cfg["paths"].get("reference_dir"))
        or _existing(CHECKOUT_DIR.parent / "shared" / "reference")
    )


def _reference_subdir(env_name: str, key: str, subdir: str, cfg: dict[str, Any] | None) -> Path | None:
    cfg = cfg or config()
    chosen = os.environ.get(env_name) or cfg["paths"].get(key)
    if chosen:  # a location the user named wins, even when it is missing: never silently use another one
        return _existing(chosen)
    ref = reference_dir(cfg)
    return _existing(ref / subdir) if ref else None


def cisis_pack_dir(explicit: str | Path | None = None, cfg: dict[str, Any] | None = None) -> Path | None:
    """The CI-SIS CDA pack: --pack, then SEGUR_CISIS_PACK, then config, then shared reference."""
    if explicit:
        return _existing(explicit)
    return _reference_subdir("SEGUR_CISIS_PACK", "cisis_pack", "cisis-testcontenucda-3.0", cfg)


def insi_wsdl_dir(cfg: dict[str, Any] | None = None) -> Path | None:
    """The official INSi WSDL package folder, or None when not available."""
    return _reference_subdir("SEGUR_INSI_WSDL_DIR", "insi_wsdl_dir", "insi-wsdl-1.5.0", cfg)


def store_path(cfg: dict[str, Any] | None = None) -> Path:
    """Where the exchange store lives (SEGUR_STORE wins)."""
    cfg = cfg or config()
    return Path(os.environ.get("SEGUR_STORE") or cfg["paths"]["store"]).expanduser().resolve()
