"""Names fixed by the IHE ITI TF, HL7v3 and the DMPi guide: namespaces, paths, actions, UUIDs.

Kept in one place so parsing, validation and answers cannot disagree on a
name; docs/dmp.md is the table these come from.
"""

from __future__ import annotations

from dataclasses import dataclass

from segur_harness.ins.oids import oid_table

SERVICE_NAME = "dmp"
UNKNOWN_OPERATION = "unknown"

NS_HL7 = "urn:hl7-org:v3"
NS_XDSB = "urn:ihe:iti:xds-b:2007"
NS_LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
NS_RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
NS_RS = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"
NS_QUERY = "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"
NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
NS_WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
NS_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_XOP = "http://www.w3.org/2004/08/xop/include"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"

PATIENTS_PATH = "/patients"
REGISTRY_PATH = "/registry"
REPOSITORY_PATH = "/repository"


@dataclass(frozen=True)
class Transaction:
    """One DMP transaction: its name in reports, the path it is served on, its actions and body element."""

    name: str  # "TD0.2", "ITI-41", ... (the exchange's operation in the store)
    path: str
    action: str
    response_action: str
    body_tag: str


TD02 = Transaction("TD0.2", PATIENTS_PATH, "urn:hl7-org:v3:PRPA_IN201307UV02",
                   "urn:hl7-org:v3:PRPA_IN201308UV02", f"{{{NS_HL7}}}PRPA_IN201307UV02")
TD11 = Transaction("TD1.1", PATIENTS_PATH, "urn:hl7-org:v3:PRPA_IN201311UV02",
                   "urn:hl7-org:v3:MCCI_IN000002UV01", f"{{{NS_HL7}}}PRPA_IN201311UV02")
TD12 = Transaction("TD1.2", PATIENTS_PATH, "urn:hl7-org:v3:PRPA_IN201314UV02",
                   "urn:hl7-org:v3:MCCI_IN000002UV01", f"{{{NS_HL7}}}PRPA_IN201314UV02")
"""TD1.2 reactivation and TD1.3 closure share the revise interaction (reasonCode REAC / FERM)."""
ITI18 = Transaction("ITI-18", REGISTRY_PATH, "urn:ihe:iti:2007:RegistryStoredQuery",
                    "urn:ihe:iti:2007:RegistryStoredQueryResponse", f"{{{NS_QUERY}}}AdhocQueryRequest")
ITI57 = Transaction("ITI-57", REGISTRY_PATH, "urn:ihe:iti:2010:UpdateDocumentSet",
                    "urn:ihe:iti:2010:UpdateDocumentSetResponse", f"{{{NS_LCM}}}SubmitObjectsRequest")
ITI41 = Transaction("ITI-41", REPOSITORY_PATH, "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b",
                    "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse",
                    f"{{{NS_XDSB}}}ProvideAndRegisterDocumentSetRequest")
ITI43 = Transaction("ITI-43", REPOSITORY_PATH, "urn:ihe:iti:2007:RetrieveDocumentSet",
                    "urn:ihe:iti:2007:RetrieveDocumentSetResponse", f"{{{NS_XDSB}}}RetrieveDocumentSetRequest")

TRANSACTIONS: tuple[Transaction, ...] = (TD02, TD11, TD12, ITI18, ITI57, ITI41, ITI43)
BY_ACTION: dict[str, Transaction] = {t.action: t for t in TRANSACTIONS}
BY_PATH: dict[str, tuple[Transaction, ...]] = {
    path: tuple(t for t in TRANSACTIONS if t.path == path) for path in (PATIENTS_PATH, REGISTRY_PATH, REPOSITORY_PATH)
}

# ebRIM / XDS identifiers (IHE ITI TF-3 §4.2)
DOCUMENT_ENTRY_TYPE = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
SUBMISSION_SET_CLASS = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
RPLC = "urn:ihe:iti:2007:AssociationType:RPLC"
UPDATE_AVAILABILITY = "urn:ihe:iti:2010:AssociationType:UpdateAvailabilityStatus"
STATUS_APPROVED = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"
STATUS_DEPRECATED = "urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated"
STATUS_DELETED = "urn:asip:ci-sis:2010:StatusType:Deleted"
STATUS_ARCHIVED = "urn:asip:ci-sis:2010:StatusType:Archived"
RESPONSE_SUCCESS = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"
RESPONSE_FAILURE = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"
SEVERITY_ERROR = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"
SEVERITY_WARNING = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Warning"

SCHEME = {
    "classCode": "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
    "confidentialityCode": "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
    "formatCode": "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
    "healthcareFacilityTypeCode": "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
    "practiceSettingCode": "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
    "typeCode": "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
    "eventCodeList": "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4",
    "author": "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d",
    "contentTypeCode": "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500",
    "submissionSetAuthor": "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d",
}
"""Classification schemes of DocumentEntry and SubmissionSet attributes."""
IDENTIFIER = {
    "entryPatientId": "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427",
    "entryUniqueId": "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
    "setPatientId": "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446",
    "setUniqueId": "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8",
    "setSourceId": "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832",
}
"""ExternalIdentifier schemes."""
STORED_QUERY = {
    "FindDocuments": "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d",
    "FindSubmissionSets": "urn:uuid:f26abbcb-ac74-4422-8a30-edb644bbc1a9",
    "GetDocuments": "urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4",
    "GetAssociations": "urn:uuid:a7ae438b-4bc2-4642-93e9-be891f7bb155",
}

INS_OIDS = tuple(oid for oid, info in oid_table().items() if info.acceptable_ins)
"""INS-NIR, INS-NIA, INS-NIR test, INS-NIR demo: from the harness's INS rules (fixtures/ins/oids.toml)."""
DMP_CONFIDENTIALITY_SYSTEM = "1.2.250.1.213.1.1.4.13"
MASQUE_PS = "MASQUE_PS"
INVISIBLE_PATIENT = "INVISIBLE_PATIENT"
INVISIBLE_REPRESENTANTS_LEGAUX = "INVISIBLE_REPRESENTANTS_LEGAUX"
PROFESSION_SYSTEM = "1.2.250.1.71.1.2.7"
"""TRE_G15 Profession de santé: a VIHF role in it means the caller is a health professional."""
