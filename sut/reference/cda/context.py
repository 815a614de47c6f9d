"""Everything a document builder needs: who, for whom, when, which version, what content."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model import Identity
from ..profile import Organisation, Professional


def new_oid() -> str:
    """A globally unique OID for a document or a set of versions (ITU-T X.667 UUID arc 2.25)."""
    return f"2.25.{uuid.uuid4().int}"


def hl7_time(moment: dt.datetime) -> str:
    """HL7 TS with seconds and UTC offset, e.g. 20261125143000+0100."""
    return moment.strftime("%Y%m%d%H%M%S%z")


@dataclass
class DocContext:
    """The facts one document is built from; `has` tells a builder whether a defect is switched on."""

    kind: str
    identity: Identity
    author: Professional
    organisation: Organisation
    content: dict[str, Any]
    document_oid: str
    set_oid: str
    version: int
    created: dt.datetime
    share_ins: bool
    replaces_oid: str | None = None
    has: Callable[[str], bool] = field(default=lambda _name: False)

    @property
    def time(self) -> str:
        return hl7_time(self.created)
