"""Ségur conformance harness: runner, catalogue, reports and shared rules.

The distribution maps the repository's top-level folders into one namespace:
harness/ -> segur_harness, mocks/ -> segur_harness.mocks, sut/ -> segur_harness.sut,
steps/ -> segur_harness.steps, features/ and fixtures/ as package data.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("segur-harness")
except PackageNotFoundError:  # running from a checkout without install
    __version__ = "0.0.0+checkout"
