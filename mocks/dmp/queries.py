"""ITI-18 Registry Stored Query: FindDocuments, FindSubmissionSets, GetDocuments, GetAssociations.

Parameters as IHE ITI TF-2a §3.18.4.1.2.3.7 writes them (quoted strings,
parenthesised lists, `code^^scheme` codes, numeric times) and the DMP's
visibility rules (docs/dmp.md): deleted never, archived / deprecated only
when the status asked includes them, MASQUE_PS hidden from professionals
outside bris de glace / centre 15 unless they are its author's structure,
INVISIBLE_PATIENT hidden from the patient (codes from fixtures/dmp/views.toml).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from .context import Vihf
from .protocol import NS_QUERY, NS_RIM, STATUS_DELETED, STORED_QUERY
from .records import Association, DocumentEntry, SubmissionSet
from .registry_store import Tx
from .responses import XdsError, xds_error, xds_rules
from .views import PATIENT, PROFESSIONAL, hidden_by

R = {"rim": NS_RIM, "query": NS_QUERY}
QUERY_NAMES = {v: k for k, v in STORED_QUERY.items()}
PRIVILEGED_PURPOSES = ("bris_de_glace", "centre_15")
ENTRY_CODE_PARAMS = {
    "$XDSDocumentEntryClassCode": "classCode",
    "$XDSDocumentEntryTypeCode": "typeCode",
    "$XDSDocumentEntryPracticeSettingCode": "practiceSettingCode",
    "$XDSDocumentEntryHealthcareFacilityTypeCode": "healthcareFacilityTypeCode",
    "$XDSDocumentEntryFormatCode": "formatCode",
    "$XDSDocumentEntryConfidentialityCode": "confidentialityCode",
    "$XDSDocumentEntryEventCodeList": "eventCodeList",
}
AND_PARAMS = ("$XDSDocumentEntryConfidentialityCode", "$XDSDocumentEntryEventCodeList")
ENTRY_TIME_PARAMS = {
    "$XDSDocumentEntryCreationTime": "creationTime",
    "$XDSDocumentEntryServiceStartTime": "serviceStartTime",
    "$XDSDocumentEntryServiceStopTime": "serviceStopTime",
}


class QueryError(Exception):
    def __init__(self, error: XdsError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass
class StoredQuery:
    """One AdhocQuery: its stored query id, returnType and parameters (each slot: its list of values)."""

    query_id: str
    return_type: str
    params: dict[str, list[list[str]]] = field(default_factory=dict)  # name -> one value list per slot

    @property
    def name(self) -> str:
        return QUERY_NAMES.get(self.query_id, self.query_id)

    def values(self, param: str) -> list[str]:
        return [v for group in self.params.get(param, []) for v in group]

    def single(self, param: str) -> str | None:
        values = self.values(param)
        return values[0] if values else None


def split_values(raw: str, param: str) -> list[str]:
    """`'a'`, `('a','b')`, `200412` or `(1,2)` -> the values (quotes removed); QueryError if unreadable."""
    text = raw.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    out: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif char == "," and not quoted:
            out.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if quoted:
        raise QueryError(xds_error("DMP-QRY-004", param=param, value=raw[:200]))
    out.append("".join(current).strip())
    return [v for v in out if v]


def parse_query(request: etree._Element) -> StoredQuery:
    query = request.find("rim:AdhocQuery", R)
    if query is None:
        raise QueryError(xds_error("DMP-QRY-001", query="(rim:AdhocQuery absent)"))
    option = request.find("query:ResponseOption", R)
    return_type = option.get("returnType", "ObjectRef") if option is not None else "ObjectRef"
    if return_type not in ("LeafClass", "ObjectRef"):
        raise QueryError(xds_error("DMP-QRY-005", value=return_type))
    stored = StoredQuery(query.get("id") or "", return_type)
    limit = int(xds_rules()["limits"]["max_query_values"])
    for slot in query.findall("rim:Slot", R):
        name = slot.get("name") or ""
        group: list[str] = []
        for value in slot.findall("rim:ValueList/rim:Value", R):
            group.extend(split_values(value.text or "", name))
            if len(group) > limit:
                raise QueryError(xds_error("DMP-QRY-006", param=name, count=len(group), max=limit))
        stored.params.setdefault(name, []).append(group)
    return stored


# --- visibility ----------------------------------------------------------------------------------------------


def is_author_structure(entry: DocumentEntry, structure_id: str) -> bool:
    """The caller's structure is an authorInstitution of the entry.

    XON.10 holds the national structure id (IDNST: "1" + FINESS, "3" + SIRET);
    the bare FINESS is accepted too, as some clients write it.
    """
    if not structure_id:
        return False
    wanted = {structure_id, structure_id[1:]} if structure_id[:1] in "123" and len(structure_id) > 9 else {structure_id}
    return any(wanted & set(value.split("^")) for value in entry.author_institutions)


def visible(entry: DocumentEntry, vihf: Vihf | None) -> bool:
    """May this caller see this entry at all (whatever the status asked)?"""
    if entry.status == STATUS_DELETED:
        return False
    if vihf is None:
        return True
    codes = entry.dmp_confidentiality
    if vihf.is_professional:
        if hidden_by(PROFESSIONAL) & codes and vihf.purpose not in PRIVILEGED_PURPOSES and \
                not is_author_structure(entry, vihf.structure_id):
            return False
    elif hidden_by(PATIENT) & codes:  # a caller without a health profession reads as the patient
        return False
    return True


# --- matching ------------------------------------------------------------------------------------------------


def _code_value(value: str) -> tuple[str, str]:
    code, _, scheme = value.partition("^^")
    return code, scheme


def _codes_match(entry: DocumentEntry, attribute: str, groups: list[list[str]], all_groups: bool) -> bool:
    """OR inside one slot; across slots AND for confidentiality / event codes, OR otherwise (ITI TF-2a 3.18)."""
    have = set(entry.codes(attribute))
    codes_only = {code for code, _ in have}

    def matches(value: str) -> bool:
        code, scheme = _code_value(value)
        return (code, scheme) in have if scheme else code in codes_only

    tests = [any(matches(v) for v in group) for group in groups if group]
    return all(tests) if all_groups else (any(tests) or not tests)


def _time_ok(value: str | None, low: str | None, high: str | None) -> bool:
    if low is None and high is None:
        return True
    if not value:
        return False
    if low is not None and value < low[: len(value)].ljust(len(value), "0"):
        return False
    return not (high is not None and value >= high[: len(value)].ljust(len(value), "0"))


def _require(query: StoredQuery, *params: str) -> None:
    for param in params:
        if not query.values(param):
            raise QueryError(xds_error("DMP-QRY-002", param=param, query=query.name))


def _single_valued(query: StoredQuery, param: str) -> None:
    if len(query.values(param)) > 1:
        raise QueryError(xds_error("DMP-QRY-003", query=query.name, params=f"{param} (une seule valeur)"))


def find_documents(query: StoredQuery, tx: Tx, vihf: Vihf | None) -> list[DocumentEntry]:
    _require(query, "$XDSDocumentEntryPatientId", "$XDSDocumentEntryStatus")
    _single_valued(query, "$XDSDocumentEntryPatientId")
    patient = query.single("$XDSDocumentEntryPatientId") or ""
    statuses = set(query.values("$XDSDocumentEntryStatus")) - {STATUS_DELETED}
    out = []
    for entry in tx.documents_of_patient(patient):
        if entry.status not in statuses or not visible(entry, vihf):
            continue
        if not all(_codes_match(entry, attribute, query.params[param], param in AND_PARAMS)
                   for param, attribute in ENTRY_CODE_PARAMS.items() if param in query.params):
            continue
        if not all(_time_ok(entry.slot(slot), query.single(prefix + "From"), query.single(prefix + "To"))
                   for prefix, slot in ENTRY_TIME_PARAMS.items()):
            continue
        authors = query.values("$XDSDocumentEntryAuthorPerson")
        if authors and not any(_like(p, v) for p in authors for a in entry.authors()
                               for v in a.slots.get("authorPerson", [])):
            continue
        out.append(entry)
    return out


def _like(pattern: str, value: str) -> bool:
    """SQL LIKE with % and _ (the only wildcards ITI-18 allows)."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value) is not None


def find_submission_sets(query: StoredQuery, tx: Tx) -> list[SubmissionSet]:
    _require(query, "$XDSSubmissionSetPatientId", "$XDSSubmissionSetStatus")
    _single_valued(query, "$XDSSubmissionSetPatientId")
    statuses = set(query.values("$XDSSubmissionSetStatus"))
    sources = set(query.values("$XDSSubmissionSetSourceId"))
    content = query.params.get("$XDSSubmissionSetContentType", [])
    out = []
    for sset in tx.submission_sets_of_patient(query.single("$XDSSubmissionSetPatientId") or ""):
        if sset.status not in statuses or (sources and sset.source_id not in sources):
            continue
        if not _time_ok(sset.slot("submissionTime"), query.single("$XDSSubmissionSetSubmissionTimeFrom"),
                        query.single("$XDSSubmissionSetSubmissionTimeTo")):
            continue
        if content and not any(_code_value(v) in set(sset.codes("contentTypeCode")) for g in content for v in g):
            continue
        out.append(sset)
    return out


def get_documents(query: StoredQuery, tx: Tx, vihf: Vihf | None) -> list[DocumentEntry]:
    uuids, unique_ids = query.values("$XDSDocumentEntryEntryUUID"), query.values("$XDSDocumentEntryUniqueId")
    if bool(uuids) == bool(unique_ids):
        raise QueryError(xds_error("DMP-QRY-003", query=query.name,
                                   params="$XDSDocumentEntryEntryUUID, $XDSDocumentEntryUniqueId"))
    found: list[DocumentEntry] = []
    for uid in uuids:
        entry = tx.document(uid)
        if entry is not None:
            found.append(entry)
    for unique_id in unique_ids:
        found.extend(tx.documents_by_unique_id(unique_id))
    return [e for e in found if visible(e, vihf)]


def get_associations(query: StoredQuery, tx: Tx, vihf: Vihf | None) -> list[Association]:
    _require(query, "$uuid")
    out = []
    for assoc in tx.associations_of(query.values("$uuid")):
        ends = [tx.document(assoc.source), tx.document(assoc.target)]
        if all(e is None or visible(e, vihf) for e in ends):
            out.append(assoc)
    return out


def run(query: StoredQuery, tx: Tx, vihf: Vihf | None) -> list[DocumentEntry | SubmissionSet | Association]:
    """The objects answering `query` (QueryError for a query the registry refuses)."""
    handlers = {
        "FindDocuments": lambda: find_documents(query, tx, vihf),
        "FindSubmissionSets": lambda: find_submission_sets(query, tx),
        "GetDocuments": lambda: get_documents(query, tx, vihf),
        "GetAssociations": lambda: get_associations(query, tx, vihf),
    }
    handler = handlers.get(query.name)
    if handler is None:
        raise QueryError(xds_error("DMP-QRY-001", query=query.query_id or "(vide)"))
    return list(handler())


def patient_ids(query: StoredQuery, tx: Tx) -> set[str]:
    """Patients a query concerns (for the transport's VIHF resource-id check)."""
    if query.name == "FindDocuments":
        return set(query.values("$XDSDocumentEntryPatientId"))
    if query.name == "FindSubmissionSets":
        return set(query.values("$XDSSubmissionSetPatientId"))
    if query.name == "GetDocuments":
        try:
            return {e.patient_id for e in get_documents(query, tx, None)}
        except QueryError:
            return set()
    if query.name == "GetAssociations":
        entries: Iterable[DocumentEntry | None] = (tx.document(u) for u in query.values("$uuid"))
        return {e.patient_id for e in entries if e is not None}
    return set()
