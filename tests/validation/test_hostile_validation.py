"""The hostile-input campaign for `validate` (issue 11 item 5): seeded mutated CDAs through the validation service.

With the CI-SIS pack (schematrons and XSD really run; skipped, or failed under
CI=true, without it). Every answer is a verdict (HTTP 200 with a result, or
413 for an over-limit body), never a 500, a stack trace or a file's content;
each document is judged within a bound; the service still judges a valid
document the same way afterwards. Short version here (SEGUR_HOSTILE_COUNT,
default 200 / 4 documents); the full campaign is SEGUR_HOSTILE_COUNT=10000.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from segur_harness.validation import Engine
from segur_harness.validation.service import MAX_DOCUMENT_BYTES, create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mocks"))
from hostile_campaign import LEAKS, campaign  # noqa: E402

COUNT = int(os.environ.get("SEGUR_HOSTILE_COUNT", "200")) // 4
SEED = int(os.environ.get("SEGUR_HOSTILE_SEED", "20261201"))
VALID = Path(__file__).resolve().parents[2] / "fixtures" / "documents" / "received" / "cr-consultation-n1.xml"


def test_hostile_cdas_get_a_verdict(engine: Engine) -> None:
    client = create_app(engine).test_client()
    valid = VALID.read_bytes()
    baseline = client.post("/validate?name=valid.xml", data=valid).get_json()
    problems: dict[str, list[str]] = {}
    worst, started = 0.0, time.monotonic()
    for hostile in campaign(valid, "text/xml", COUNT, SEED, MAX_DOCUMENT_BYTES):
        one = time.monotonic()
        response = client.post("/validate?name=hostile.xml", data=hostile.body)
        worst = max(worst, time.monotonic() - one)
        found = []
        if response.status_code not in (200, 413):
            found.append(f"HTTP {response.status_code}")
        elif response.status_code == 200 and "findings" not in str(response.get_json()):
            found.append("no verdict")
        if any(leak in response.data for leak in LEAKS):
            found.append("leak")
        if found:
            problems.setdefault(hostile.shape, []).extend(found)
    elapsed = time.monotonic() - started
    again = client.post("/validate?name=valid.xml", data=valid).get_json()
    assert not problems, problems
    assert again == baseline, "the service judges the valid document differently after the campaign"
    assert worst < 30, f"one hostile document took {worst:.1f} s"
    print(f"validate: {COUNT} hostile CDAs in {elapsed:.1f} s (worst {worst * 1000:.0f} ms), 0 problems")
