"""Fixtures of the reference SUT tests.

`schema_check` is a small JSON Schema checker for the subset the adapter
contract uses ($ref, allOf, oneOf, type, required, properties, items, enum,
pattern, minItems, minLength): the harness ships no JSON Schema library.
The PSC and MSSanté client tests run the real mocks through tests/mocks'
support modules (mss_support, psc_support), put on sys.path here.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

MOCK_SUPPORT = str(Path(__file__).resolve().parent.parent / "mocks")
if MOCK_SUPPORT not in sys.path:  # --import-mode=importlib: test folders are not on sys.path
    sys.path.insert(0, MOCK_SUPPORT)

_TYPES = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
    "integer": int, "number": (int, float),
}  # fmt: skip


def _is(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def check(value: Any, schema: dict[str, Any], spec: dict[str, Any], path: str = "$") -> list[str]:
    """Every violation of `schema` by `value` (empty when it conforms)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return check(value, spec["components"]["schemas"][name], spec, path)
    errors: list[str] = []
    for sub in schema.get("allOf", []):
        errors += check(value, sub, spec, path)
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not check(value, s, spec, path)]
        if len(matching) != 1:
            errors.append(f"{path}: matches {len(matching)} of the oneOf alternatives")
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_is(value, n) for n in names):
            return [*errors, f"{path}: {type(value).__name__} is not {'/'.join(names)}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        for index, item in enumerate(value):
            errors += check(item, schema.get("items", {}), spec, f"{path}[{index}]")
    if isinstance(value, dict):
        errors += [f"{path}: missing {key!r}" for key in schema.get("required", []) if key not in value]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                errors += check(value[key], sub, spec, f"{path}.{key}")
    return errors


@pytest.fixture(scope="session")
def mss(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The PSC mock and the MSSanté SMTP mock on free ports, shared by the PSC and MSSanté client tests.

    Tests count what the mocks recorded before and after their own action, never from zero.
    """
    from mss_support import running

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SEGUR_VALIDATOR_URL", raising=False)  # the mock's content checks in process
        with running(tmp_path_factory.mktemp("mss")) as served:
            yield served


@pytest.fixture(scope="session")
def schema_check() -> Callable[..., list[str]]:
    """`check(value, schema, spec)`: JSON Schema subset checker for the adapter contract."""
    return check


# -- fixtures of the DMP client tests (test_dmp_client, test_dmp_defects, test_dmp_dossier) --------------------------

@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test PKI folder of one test module (the reference SUT's VIHF signing certificate)."""
    return str(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def stub() -> Iterator[tuple[str, Any]]:
    """A DMP stub on loopback for one test, and the state of what it received (tests/sut/dmp_stub.py)."""
    from tests.sut.dmp_stub import running_stub

    with running_stub() as running:
        yield running
