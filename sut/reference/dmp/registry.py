"""Registry transactions: ITI-18 stored queries and reading their answer, ITI-57 updates, RegistryResponse status.

ITI-57 as the DMP uses it (docs/dmp.md): an UpdateAvailabilityStatus
association for delete / archive / approve, and a new DocumentEntry version
(same lid, PreviousVersion slot) to change the DMP confidentiality codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from . import ns
from .ebrs import rim, slot, slot_values
from .metadata import EntryRequest, association, document_entry, submission_set


@dataclass(frozen=True)
class RegistryError:
    code: str
    context: str
    location: str = ""

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "context": self.context}


@dataclass(frozen=True)
class RegistryStatus:
    """A RegistryResponse (or the status part of an AdhocQueryResponse / RetrieveDocumentSetResponse)."""

    success: bool
    errors: tuple[RegistryError, ...]


def read_status(element: etree._Element) -> RegistryStatus:
    """Status and RegistryErrors of `element` or of its rs:RegistryResponse child."""
    holder = element
    if etree.QName(element).localname != "RegistryResponse" and "status" not in element.attrib:
        holder = element.find(f"{{{ns.RS}}}RegistryResponse")
        if holder is None:
            raise ValueError("réponse sans statut (RegistryResponse attendu)")
    status = holder.get("status", "")
    errors = tuple(RegistryError(e.get("errorCode", ""), e.get("codeContext", ""), e.get("location", ""))
                   for e in holder.iter(f"{{{ns.RS}}}RegistryError")
                   if e.get("severity", ns.ERROR_SEVERITY) == ns.ERROR_SEVERITY)
    if status not in (ns.SUCCESS_STATUS, ns.FAILURE_STATUS, ns.PARTIAL_STATUS):
        raise ValueError(f"statut de réponse inconnu : {status!r}")
    return RegistryStatus(status == ns.SUCCESS_STATUS and not errors, errors)


def _query(query_id: str, params: dict[str, list[str]]) -> etree._Element:
    request = etree.Element(f"{{{ns.QUERY}}}AdhocQueryRequest", nsmap={"query": ns.QUERY, "rim": ns.RIM})
    etree.SubElement(request, f"{{{ns.QUERY}}}ResponseOption", returnComposedObjects="true", returnType="LeafClass")
    adhoc = rim(request, "AdhocQuery", id=query_id)
    for param, values in params.items():
        slot(adhoc, param, *values)
    return request


def _list(values: list[str]) -> str:
    return "(" + ",".join(f"'{v}'" for v in values) + ")"


def find_documents(patient_id: str, include_archived: bool = False) -> etree._Element:
    """FindDocuments for the patient, Approved entries (and Archived ones when asked)."""
    statuses = [ns.APPROVED] + ([ns.ARCHIVED] if include_archived else [])
    return _query(ns.FIND_DOCUMENTS, {"$XDSDocumentEntryPatientId": [f"'{patient_id}'"],
                                      "$XDSDocumentEntryStatus": [_list(statuses)]})


def get_documents(unique_ids: list[str]) -> etree._Element:
    """GetDocuments by uniqueId."""
    return _query(ns.GET_DOCUMENTS, {"$XDSDocumentEntryUniqueId": [_list(unique_ids)]})


@dataclass(frozen=True)
class FoundEntry:
    """One DocumentEntry of a query answer, as the SUT shows it."""

    entry_uuid: str
    unique_id: str
    type_code: str
    title: str
    status: str
    confidentiality: tuple[str, ...]
    creation_time: str
    patient_id: str
    repository_unique_id: str | None

    def to_json(self) -> dict[str, object]:
        return {"entry_uuid": self.entry_uuid, "unique_id": self.unique_id, "type_code": self.type_code,
                "title": self.title, "status": self.status, "confidentiality": list(self.confidentiality),
                "creation_time": self.creation_time}


def _external(entry: etree._Element, scheme: str) -> str:
    for node in entry.iterfind(f"{{{ns.RIM}}}ExternalIdentifier"):
        if node.get("identificationScheme") == scheme:
            return node.get("value", "")
    return ""


def _classified(entry: etree._Element, scheme: str) -> list[str]:
    return [c.get("nodeRepresentation", "") for c in entry.iterfind(f"{{{ns.RIM}}}Classification")
            if c.get("classificationScheme") == scheme]


def read_entries(response: etree._Element) -> list[FoundEntry]:
    """The DocumentEntries (ExtrinsicObjects) of a query:AdhocQueryResponse."""
    found = []
    for entry in response.iter(f"{{{ns.RIM}}}ExtrinsicObject"):
        title = entry.find(f"{{{ns.RIM}}}Name/{{{ns.RIM}}}LocalizedString")
        types = _classified(entry, ns.TYPE_CODE)
        found.append(FoundEntry(
            entry_uuid=entry.get("id", ""),
            unique_id=_external(entry, ns.DOC_UNIQUE_ID),
            type_code=types[0] if types else "",
            title=title.get("value", "") if title is not None else "",
            status=ns.STATUS_NAMES.get(entry.get("status", ""), entry.get("status", "").rpartition(":")[2].lower()),
            confidentiality=tuple(_classified(entry, ns.CONFIDENTIALITY_CODE)),
            creation_time=(slot_values(entry, "creationTime") or [""])[0],
            patient_id=_external(entry, ns.DOC_PATIENT_ID),
            repository_unique_id=(slot_values(entry, "repositoryUniqueId") or [None])[0],
        ))
    return found


def _update_request() -> tuple[etree._Element, etree._Element]:
    request = etree.Element(f"{{{ns.LCM}}}SubmitObjectsRequest", nsmap={"lcm": ns.LCM, "rim": ns.RIM})
    return request, rim(request, "RegistryObjectList")


def availability_update(req: EntryRequest, entry_uuid: str, original: str, new: str) -> etree._Element:
    """ITI-57 UpdateAvailabilityStatus of `entry_uuid` from status `original` to `new` (URNs)."""
    request, objects = _update_request()
    ss_id = submission_set(objects, req)
    association(objects, ns.UPDATE_AVAILABILITY, ss_id, entry_uuid, OriginalStatus=original, NewStatus=new)
    return request


def confidentiality_update(req: EntryRequest, previous_version: str) -> etree._Element:
    """ITI-57 new version of the DocumentEntry (same lid, new id) carrying `req.confidentiality`."""
    request, objects = _update_request()
    objects.append(document_entry(req))  # the registry assigns the new versionName
    ss_id = submission_set(objects, req)
    association(objects, ns.HAS_MEMBER, ss_id, req.entry_uuid, SubmissionSetStatus="Original",
                PreviousVersion=previous_version)
    return request

