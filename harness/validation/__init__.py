"""CDA R2 validation the way ANS checks it: XSD, CI-SIS header/INS rules, volet schematrons, value sets.

    from segur_harness.validation import get_engine
    report = get_engine().validate_path("doc.xml")
    report.valid, report.partial, report.to_json()

See docs/validation.md for layers, rule IDs, the JSON format and the cache.
"""

from segur_harness.validation.engine import Engine, get_engine
from segur_harness.validation.model import (
    FileResult,
    Finding,
    Layer,
    LayerResult,
    LayerStatus,
    Report,
    Severity,
)
from segur_harness.validation.pack import PackError

__all__ = [
    "Engine",
    "FileResult",
    "Finding",
    "Layer",
    "LayerResult",
    "LayerStatus",
    "PackError",
    "Report",
    "Severity",
    "get_engine",
]
