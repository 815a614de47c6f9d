"""DocumentEntry, SubmissionSet and Association as the registry stores them.

Generic enough to re-serialise the ebRIM objects a client submitted (every
slot, classification and external identifier kept), with the few attributes
the registry searches on lifted out as fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .protocol import DMP_CONFIDENTIALITY_SYSTEM, SCHEME


@dataclass
class Classification:
    """A rim:Classification: a coded attribute (nodeRepresentation + codingScheme) or an author (slots only)."""

    scheme: str
    node: str = ""
    name: str = ""
    slots: dict[str, list[str]] = field(default_factory=dict)

    @property
    def coding_scheme(self) -> str:
        return (self.slots.get("codingScheme") or [""])[0]


@dataclass
class RegistryObject:
    """Common part of the stored ebRIM objects."""

    entry_uuid: str
    status: str
    name: str = ""
    slots: dict[str, list[str]] = field(default_factory=dict)
    classifications: list[Classification] = field(default_factory=list)
    identifiers: dict[str, str] = field(default_factory=dict)  # identificationScheme -> value

    def slot(self, name: str) -> str | None:
        values = self.slots.get(name)
        return values[0] if values else None

    def codes(self, attribute: str) -> list[tuple[str, str]]:
        """(code, codingScheme) of every classification of one attribute (e.g. confidentialityCode)."""
        scheme = SCHEME[attribute]
        return [(c.node, c.coding_scheme) for c in self.classifications if c.scheme == scheme]

    def authors(self, attribute: str = "author") -> list[Classification]:
        return [c for c in self.classifications if c.scheme == SCHEME[attribute]]

    def to_json(self) -> str:
        """The object as JSON; nested dataclasses by their fields (what asdict gives, without its deep copy)."""
        return json.dumps(self, default=vars, ensure_ascii=False)


@dataclass
class DocumentEntry(RegistryObject):
    """An XDS DocumentEntry (rim:ExtrinsicObject); `version` counts ITI-57 metadata updates of one `lid`."""

    lid: str = ""
    mime_type: str = "text/xml"
    version: int = 1
    unique_id: str = ""
    patient_id: str = ""
    submission_set: str = ""

    @property
    def confidentiality(self) -> list[str]:
        return [code for code, _ in self.codes("confidentialityCode")]

    @property
    def dmp_confidentiality(self) -> set[str]:
        return {code for code, system in self.codes("confidentialityCode") if system == DMP_CONFIDENTIALITY_SYSTEM}

    @property
    def author_institutions(self) -> list[str]:
        """authorInstitution XON values of every author (the structure that wrote the document)."""
        return [v for a in self.authors() for v in a.slots.get("authorInstitution", [])]

    @classmethod
    def from_json(cls, text: str) -> DocumentEntry:
        return cls(**_revive(json.loads(text)))


@dataclass
class SubmissionSet(RegistryObject):
    """An XDS SubmissionSet (rim:RegistryPackage classified as one)."""

    unique_id: str = ""
    patient_id: str = ""
    source_id: str = ""

    @classmethod
    def from_json(cls, text: str) -> SubmissionSet:
        return cls(**_revive(json.loads(text)))


@dataclass
class Association:
    """A rim:Association (HasMember, RPLC, UpdateAvailabilityStatus)."""

    entry_uuid: str
    type: str
    source: str
    target: str
    status: str
    slots: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> str:
        """The object as JSON; nested dataclasses by their fields (what asdict gives, without its deep copy)."""
        return json.dumps(self, default=vars, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Association:
        return cls(**json.loads(text))


def _revive(data: dict[str, Any]) -> dict[str, Any]:
    data["classifications"] = [Classification(**c) for c in data.get("classifications", [])]
    return data
