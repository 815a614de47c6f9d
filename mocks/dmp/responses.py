"""Answers of the XDS transactions: RegistryResponse, AdhocQueryResponse, RetrieveDocumentSetResponse.

Errors are built from fixtures/dmp/xds_rules.toml (errorCode + French
codeContext), so the wording can change without touching code; stored
records are re-serialised as the ebRIM objects the client submitted.
"""

from __future__ import annotations

import tomllib
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from .protocol import (
    DOCUMENT_ENTRY_TYPE,
    NS_QUERY,
    NS_RIM,
    NS_RS,
    NS_XDSB,
    NS_XOP,
    RESPONSE_FAILURE,
    RESPONSE_SUCCESS,
    SEVERITY_ERROR,
    SEVERITY_WARNING,
    SUBMISSION_SET_CLASS,
)
from .records import Association, DocumentEntry, RegistryObject, SubmissionSet

RULES_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "dmp" / "xds_rules.toml"
PARTIAL_SUCCESS = "urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"
CLASSIFICATION_NODE = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification"


@cache
def xds_rules(path: Path = RULES_FILE) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


@dataclass
class XdsError:
    """One RegistryError: rule id (finding), XDS errorCode, French codeContext, severity, location."""

    rule: str
    code: str
    message: str
    severity: str = "error"  # error | warning | info
    location: str = ""


def xds_error(rule: str, location: str = "", **values: object) -> XdsError:
    spec = xds_rules()["rules"][rule]
    return XdsError(rule, spec.get("code", ""), spec["message"].format(**values), spec.get("severity", "error"),
                    location)


def _rs(tag: str) -> str:
    return f"{{{NS_RS}}}{tag}"


def _rim(tag: str) -> str:
    return f"{{{NS_RIM}}}{tag}"


def error_list(parent: etree._Element, errors: list[XdsError]) -> None:
    if not errors:
        return
    limit = int(xds_rules()["limits"]["max_errors_in_response"])
    listing = etree.SubElement(parent, _rs("RegistryErrorList"),
                               highestSeverity=SEVERITY_ERROR if any(e.severity == "error" for e in errors)
                               else SEVERITY_WARNING)
    for error in errors[:limit]:
        etree.SubElement(listing, _rs("RegistryError"), errorCode=error.code or "XDSRegistryError",
                         codeContext=error.message,
                         severity=SEVERITY_ERROR if error.severity == "error" else SEVERITY_WARNING,
                         location=error.location)


def registry_response(errors: list[XdsError] | None = None) -> etree._Element:
    """rs:RegistryResponse: Success without blocking errors, else Failure with the RegistryErrorList."""
    errors = errors or []
    failed = any(e.severity == "error" for e in errors)
    root = etree.Element(_rs("RegistryResponse"), nsmap={"rs": NS_RS},
                         status=RESPONSE_FAILURE if failed else RESPONSE_SUCCESS)
    error_list(root, errors)
    return root


def _slot(parent: etree._Element, name: str, values: list[str]) -> None:
    slot = etree.SubElement(parent, _rim("Slot"), name=name)
    value_list = etree.SubElement(slot, _rim("ValueList"))
    for value in values:
        etree.SubElement(value_list, _rim("Value")).text = value


def _name(parent: etree._Element, text: str) -> None:
    if text:
        name = etree.SubElement(parent, _rim("Name"))
        etree.SubElement(name, _rim("LocalizedString"), value=text,
                         **{"{http://www.w3.org/XML/1998/namespace}lang": "fr-FR"}, charset="UTF-8")


def _child_id(owner: str, suffix: str) -> str:
    """A stable urn:uuid for a stored object's Classification / ExternalIdentifier (ebRIM ids are UUIDs)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, owner + '#' + suffix)}"


def _common(element: etree._Element, obj: RegistryObject, identifier_names: dict[str, str]) -> None:
    for name, values in obj.slots.items():
        _slot(element, name, values)
    _name(element, obj.name)
    for number, cl in enumerate(obj.classifications):
        attrs = {"id": _child_id(obj.entry_uuid, f"cl{number}"), "classificationScheme": cl.scheme,
                 "classifiedObject": obj.entry_uuid, "nodeRepresentation": cl.node,
                 "objectType": CLASSIFICATION_NODE}
        child = etree.SubElement(element, _rim("Classification"), **attrs)
        for name, values in cl.slots.items():
            _slot(child, name, values)
        _name(child, cl.name)
    for number, (scheme, value) in enumerate(obj.identifiers.items()):
        ext = etree.SubElement(element, _rim("ExternalIdentifier"), id=_child_id(obj.entry_uuid, f"ei{number}"),
                               identificationScheme=scheme, registryObject=obj.entry_uuid, value=value,
                               objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:"
                                          "ExternalIdentifier")
        _name(ext, identifier_names.get(scheme, ""))


IDENTIFIER_NAMES = {
    "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427": "XDSDocumentEntry.patientId",
    "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab": "XDSDocumentEntry.uniqueId",
    "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446": "XDSSubmissionSet.patientId",
    "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8": "XDSSubmissionSet.uniqueId",
    "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832": "XDSSubmissionSet.sourceId",
}


def extrinsic_object(entry: DocumentEntry) -> etree._Element:
    element = etree.Element(_rim("ExtrinsicObject"), id=entry.entry_uuid, lid=entry.lid or entry.entry_uuid,
                            mimeType=entry.mime_type, objectType=DOCUMENT_ENTRY_TYPE, status=entry.status)
    _common(element, entry, IDENTIFIER_NAMES)
    # ebRIM order: Slot*, Name?, Description?, VersionInfo?, Classification*, ExternalIdentifier*.
    version = etree.Element(_rim("VersionInfo"), versionName=str(entry.version))
    following = next((c for c in element if c.tag in (_rim("Classification"), _rim("ExternalIdentifier"))), None)
    if following is not None:
        following.addprevious(version)
    else:
        element.append(version)
    return element


def registry_package(sset: SubmissionSet) -> etree._Element:
    element = etree.Element(_rim("RegistryPackage"), id=sset.entry_uuid, lid=sset.entry_uuid, status=sset.status,
                            objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage")
    _common(element, sset, IDENTIFIER_NAMES)
    etree.SubElement(element, _rim("Classification"), id=_child_id(sset.entry_uuid, "ss"),
                     classificationNode=SUBMISSION_SET_CLASS, classifiedObject=sset.entry_uuid,
                     objectType=CLASSIFICATION_NODE)
    return element


def association(assoc: Association) -> etree._Element:
    element = etree.Element(_rim("Association"), id=assoc.entry_uuid, associationType=assoc.type,
                            sourceObject=assoc.source, targetObject=assoc.target, status=assoc.status,
                            objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association")
    for name, values in assoc.slots.items():
        _slot(element, name, values)
    return element


def query_response(objects: list[DocumentEntry | SubmissionSet | Association], return_type: str,
                   errors: list[XdsError] | None = None) -> etree._Element:
    """query:AdhocQueryResponse with a RegistryObjectList of LeafClass objects or ObjectRefs."""
    errors = errors or []
    failed = any(e.severity == "error" for e in errors)
    root = etree.Element(f"{{{NS_QUERY}}}AdhocQueryResponse", nsmap={"query": NS_QUERY, "rim": NS_RIM, "rs": NS_RS},
                         status=RESPONSE_FAILURE if failed else RESPONSE_SUCCESS)
    error_list(root, errors)
    listing = etree.SubElement(root, _rim("RegistryObjectList"))
    if failed:
        return root
    for obj in objects:
        if return_type == "ObjectRef":
            etree.SubElement(listing, _rim("ObjectRef"), id=obj.entry_uuid)
        elif isinstance(obj, DocumentEntry):
            listing.append(extrinsic_object(obj))
        elif isinstance(obj, SubmissionSet):
            listing.append(registry_package(obj))
        else:
            listing.append(association(obj))
    return root


def retrieve_response(found: list[tuple[str, DocumentEntry, str]], errors: list[XdsError]) -> etree._Element:
    """xdsb:RetrieveDocumentSetResponse; `found` = (repository id, entry, attachment cid) per document."""
    root = etree.Element(f"{{{NS_XDSB}}}RetrieveDocumentSetResponse",
                         nsmap={"xdsb": NS_XDSB, "rs": NS_RS, "xop": NS_XOP})
    blocking = [e for e in errors if e.severity == "error"]
    status = RESPONSE_SUCCESS if not blocking else (PARTIAL_SUCCESS if found else RESPONSE_FAILURE)
    response = etree.SubElement(root, _rs("RegistryResponse"), status=status)
    error_list(response, errors)
    for repository, entry, cid in found:
        item = etree.SubElement(root, f"{{{NS_XDSB}}}DocumentResponse")
        etree.SubElement(item, f"{{{NS_XDSB}}}RepositoryUniqueId").text = repository
        etree.SubElement(item, f"{{{NS_XDSB}}}DocumentUniqueId").text = entry.unique_id
        etree.SubElement(item, f"{{{NS_XDSB}}}mimeType").text = entry.mime_type
        document = etree.SubElement(item, f"{{{NS_XDSB}}}Document")
        etree.SubElement(document, f"{{{NS_XOP}}}Include", href=f"cid:{cid}")
    return root
