"""Package discovery for the folder-to-namespace mapping declared in pyproject.toml.

setuptools cannot discover subpackages of several mapped roots by itself, so
this walks each root; everything else stays in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup

ROOTS = {
    "segur_harness": "harness",
    "segur_harness.mocks": "mocks",
    "segur_harness.sut": "sut",
    "segur_harness.steps": "steps",
    "segur_harness.features": "features",
    "segur_harness.fixtures": "fixtures",
}


def packages() -> list[str]:
    found = []
    for name, folder in ROOTS.items():
        root = Path(folder)
        for init in sorted(root.rglob("__init__.py")):
            rel = init.parent.relative_to(root).parts
            found.append(".".join((name, *rel)))
    return found


setup(packages=packages(), package_dir=ROOTS)
