"""The document kinds the reference SUT produces: type code, title, volet template, body builder.

Each kind module exposes `SPEC`; this registry is how the producer finds it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from .context import DocContext


@dataclass(frozen=True)
class KindSpec:
    """What distinguishes one kind of document in its header, and how its body is written."""

    kind: str
    code: str
    display: str
    title: str
    templates: tuple[tuple[str, str | None], ...]
    """templateIds after the HL7 France and CI-SIS ones: the volet's (root, @extension), or the N1 one."""
    body: Callable[[DocContext], etree._Element]
    """Returns the ClinicalDocument/component child: structuredBody or nonXMLBody."""
    service_event: Callable[[DocContext, etree._Element], None] | None = None
    """Fills documentationOf/serviceEvent (code, effectiveTime) when the volet says what it is."""
    encounter: Callable[[DocContext, etree._Element], None] | None = None
    """Fills componentOf/encompassingEncounter before its location (effectiveTime, responsibleParty);
    default: the encounter starts at the document's time."""
    header_slots: dict[str, Callable[[DocContext, etree._Element], None]] = field(default_factory=dict)
    """Extra header content by slot: 'participant', 'inFulfillmentOf', 'documentationOf', each appends to the root."""


def _specs() -> dict[str, KindSpec]:
    from . import cr_bio, cr_img, ldl_ses, n1_pdf, vac_note

    return {spec.kind: spec for spec in (ldl_ses.SPEC, cr_bio.SPEC, cr_img.SPEC, n1_pdf.SPEC, vac_note.SPEC)}


KINDS: dict[str, KindSpec] = {}


def kind_spec(kind: str) -> KindSpec | None:
    if not KINDS:
        KINDS.update(_specs())
    return KINDS.get(kind)


def kind_names() -> list[str]:
    if not KINDS:
        KINDS.update(_specs())
    return sorted(KINDS)
