"""How a requirement ID becomes a Gherkin tag (and a pytest marker) and back.

Tags cannot hold '/' or '.', so `INS/va1.41` is written `@REQ_INS_va1_41`;
the catalogue maps tags back to requirement IDs with the same function.
"""

from __future__ import annotations

import re

TAG_PREFIX = "REQ_"
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def requirement_tag(req_id: str) -> str:
    """`REQ_` + the requirement ID with every non-alphanumeric character replaced by `_`."""
    return TAG_PREFIX + _NOT_ALNUM.sub("_", req_id)
