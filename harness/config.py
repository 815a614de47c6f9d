"""Harness configuration: one TOML of defaults, a user TOML, env overrides.

Every port, path and accepted value lives here so a user can change what ANS
changes without touching code, and so tests can move services to free ports.
"""

from __future__ import annotations

import copy
import importlib
import os
import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent
"""Root of the checkout (only meaningful when running from a checkout or an editable install)."""


def _subpackage_dir(name: str) -> Path:
    module = importlib.import_module(name)
    return Path(module.__file__).resolve().parent


def _named_or(env_name: str, default: Path) -> Path:
    """The path `env_name` names (read once, at import), else `default`."""
    named = os.environ.get(env_name)
    return Path(named).expanduser().resolve() if named else default


FIXTURES_DIR = _subpackage_dir("segur_harness.fixtures")
STEPS_DIR = _subpackage_dir("segur_harness.steps")
"""Data and step folders, wherever the distribution is installed (checkout, editable or wheel)."""

FEATURES_DIR = _named_or("SEGUR_FEATURES_DIR", _subpackage_dir("segur_harness.features"))
CATALOGUE_DIR = _named_or("SEGUR_CATALOGUE_DIR", FIXTURES_DIR / "catalogue")
SELFCHECK_RECORD = _named_or("SEGUR_SELFCHECK_RECORD", FIXTURES_DIR / "selfcheck" / "kills.json")
"""The scenarios, their requirement catalogue and the selfcheck's recorded matrix. Another catalogue
(benchmarks/bench_scale.py's scaled one, an editor's own scenarios) is named by these variables; the
harness's steps, mocks and other data stay the installed ones."""
CATALOGUE_OVERRIDES = ("SEGUR_FEATURES_DIR", "SEGUR_CATALOGUE_DIR")
"""Folder variables checked by check_named_locations: a named folder that is missing is refused."""

ENV_PREFIX = "SEGUR__"


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


class ConfigError(ValueError):
    """A configuration mistake; the message names the key (or file) and what was expected."""


_RANGES = {"port": (1, 65535), "workers": (1, 64), "lanes": (1, 64)}
"""Bounds of integer keys, by key name, wherever they appear."""


def _parse_scalar(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _coerce_env(raw: str, default: Any, where: str) -> Any:
    """An env value read as the type of its default (strings stay strings: `IDAM=12345` is not a number)."""
    if isinstance(default, str):
        return raw
    if isinstance(default, bool):
        if raw.strip().lower() in ("true", "1", "yes"):
            return True
        if raw.strip().lower() in ("false", "0", "no"):
            return False
        raise ConfigError(f"{where}: expected true or false, got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw.strip())
        except ValueError:
            bounds = _RANGES.get(where.rsplit("__", 1)[-1].lower())
            expected = f"an integer from {bounds[0]} to {bounds[1]}" if bounds else "an integer"
            raise ConfigError(f"{where}: expected {expected}, got {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw.strip())
        except ValueError:
            raise ConfigError(f"{where}: expected a number, got {raw!r}") from None
    value = _parse_scalar(raw)
    if isinstance(default, list) and not isinstance(value, list):
        raise ConfigError(f"{where}: expected a TOML list such as '[\"a\", \"b\"]', got {raw!r}")
    return value


def _env_overrides(environ: dict[str, str], defaults: dict[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX):
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__") if p]
        if not parts:
            raise ConfigError(f"{name}: expected SEGUR__SECTION__KEY")
        node, default = tree, defaults
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            default = default.get(part, {}) if isinstance(default, dict) else None
        known = default.get(parts[-1]) if isinstance(default, dict) else None
        node[parts[-1]] = _parse_scalar(raw) if known is None or isinstance(known, dict) else _coerce_env(
            raw, known, name)
    return tree


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    return {int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a section"}.get(
        type(value), type(value).__name__)


def _env_label(key: str) -> str:
    return ENV_PREFIX + key.upper().replace(".", "__")


def _file_label(origin: str) -> Callable[[str], str]:
    return lambda key: f"{origin}: {key}"


def _check(value: Any, default: Any, key: str, label: Callable[[str], str]) -> None:
    """`value` fits the shape of the defaults: known sections, same types, ports in range.

    `label(key)` names the setting the way the user wrote it (a variable, or file and key).
    """
    if isinstance(default, dict) or isinstance(value, dict):
        if not isinstance(default, dict):
            raise ConfigError(f"{label(key)}: expected {_type_name(default)}, got a section")
        if not isinstance(value, dict):
            raise ConfigError(f"{label(key)}: is a section ([{key}]), expected keys below it, got {value!r}")
        only_sections = all(isinstance(v, dict) for v in default.values())
        for sub, sub_value in value.items():
            sub_key = f"{key}.{sub}" if key else sub
            if sub in default:
                _check(sub_value, default[sub], sub_key, label)
            elif isinstance(sub_value, dict) or only_sections:
                known = ", ".join(k for k, v in default.items() if isinstance(v, dict)) or "none"
                raise ConfigError(f"{label(sub_key)}: unknown section [{sub_key}] (known sections here: {known})")
        return
    expected = type(default)
    fits = (isinstance(value, bool) == isinstance(default, bool)) and (
        isinstance(value, expected) or (expected is float and isinstance(value, int)))
    if not fits:
        raise ConfigError(f"{label(key)}: expected {_type_name(default)}, got {value!r}")
    bounds = _RANGES.get(key.rsplit(".", 1)[-1])
    if bounds and isinstance(value, int) and not bounds[0] <= value <= bounds[1]:
        raise ConfigError(f"{label(key)}: expected an integer from {bounds[0]} to {bounds[1]}, got {value}")


def _read_user_file(name: str) -> dict[str, Any]:
    path = Path(name).expanduser()
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"SEGUR_CONFIG={name}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"SEGUR_CONFIG={name}: is a folder, expected a TOML file") from None
    except OSError as exc:
        raise ConfigError(f"SEGUR_CONFIG={name}: cannot read it ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"SEGUR_CONFIG={name}: not valid TOML ({exc})") from None


def load_config(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Defaults, then the file named by SEGUR_CONFIG, then SEGUR__A__B env vars; ConfigError on a mistake."""
    env = dict(os.environ if environ is None else environ)
    with open(PACKAGE_DIR / "defaults.toml", "rb") as handle:
        defaults = tomllib.load(handle)
    cfg = defaults
    user_file = env.get("SEGUR_CONFIG")
    if user_file:
        user = _read_user_file(user_file)
        _check(user, defaults, "", _file_label(f"SEGUR_CONFIG={user_file}"))
        cfg = _merge(cfg, user)
    overrides = _env_overrides(env, defaults)
    _check(overrides, defaults, "", _env_label)
    return _merge(cfg, overrides)


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
    """The official reference material folder, or None when absent.

    A folder the user named (SEGUR_REFERENCE_DIR, then [paths] reference_dir) wins
    even when missing: never silently use another copy (named_location_problems says so).
    """
    cfg = cfg or config()
    named = os.environ.get("SEGUR_REFERENCE_DIR") or cfg["paths"].get("reference_dir")
    if named:
        return _existing(named)
    return _existing(CHECKOUT_DIR.parent / "shared" / "reference")


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


NAMED_LOCATIONS = (
    ("SEGUR_REFERENCE_DIR", "reference_dir"),
    ("SEGUR_CISIS_PACK", "cisis_pack"),
    ("SEGUR_INSI_WSDL_DIR", "insi_wsdl_dir"),
)
"""Reference-material locations a user may name: (environment variable, [paths] key)."""


def named_location_problems(cfg: dict[str, Any] | None = None, which: tuple[str, ...] | None = None) -> list[str]:
    """Each reference (or catalogue) location the user named (env or config) that does not exist, with where.

    `which`: only these environment variables' locations (default: all of NAMED_LOCATIONS and
    CATALOGUE_OVERRIDES).
    """
    cfg = cfg or config()
    problems = []
    for env_name, key in NAMED_LOCATIONS:
        if which is not None and env_name not in which:
            continue
        named, origin = os.environ.get(env_name), env_name
        if not named:
            named, origin = cfg["paths"].get(key), f"[paths] {key}"
        if named and not Path(named).expanduser().is_dir():
            problems.append(f"{origin}={named}: no such folder")
    for env_name in CATALOGUE_OVERRIDES:
        named = os.environ.get(env_name)
        if named and (which is None or env_name in which) and not Path(named).expanduser().is_dir():
            problems.append(f"{env_name}={named}: no such folder")
    return problems


def check_named_locations(cfg: dict[str, Any] | None = None) -> None:
    """ConfigError naming every reference location the user named that does not exist."""
    problems = named_location_problems(cfg)
    if problems:
        raise ConfigError("; ".join(problems) + " (fix or unset it)")


def store_path(cfg: dict[str, Any] | None = None) -> Path:
    """Where the exchange store lives (SEGUR_STORE wins)."""
    cfg = cfg or config()
    return Path(os.environ.get("SEGUR_STORE") or cfg["paths"]["store"]).expanduser().resolve()
