"""ITI-18 stored queries and ITI-43 retrieve: what was fed comes back, visibility rules, real error codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from dmp_xds_support import (
    APPROVED,
    ARCHIVED,
    DELETED,
    FAILURE,
    ITI18_ACTION,
    ITI43_ACTION,
    NS,
    PATIENT,
    REPOSITORY,
    SEEDED,
    SEEDED_UUID,
    SUCCESS,
    adhoc,
    context,
    error_codes,
    feed,
    find_documents,
    new_entry,
    retrieve_body,
    unique_ids,
    vihf,
)
from lxml import etree

from segur_harness.mocks.dmp.xds import Xds

GET_DOCUMENTS = "urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4"
GET_ASSOCIATIONS = "urn:uuid:a7ae438b-4bc2-4642-93e9-be891f7bb155"
FIND_SETS = "urn:uuid:f26abbcb-ac74-4422-8a30-edb644bbc1a9"


@pytest.fixture
def xds(tmp_path: Path) -> Xds:
    from dmp_xds_support import make_xds

    return make_xds(tmp_path)


def _query(xds: Xds, body: str, who=None) -> etree._Element:  # noqa: ANN001
    return xds.stored_query(context(body, ITI18_ACTION, who=who)).body


def test_find_documents_returns_what_was_fed_as_full_leaf_class(xds: Xds) -> None:
    entry = new_entry(1, title="Compte rendu de test")
    assert feed(xds, [entry])[0].get("status") == SUCCESS
    response = find_documents(xds)
    assert response.get("status") == SUCCESS
    assert set(unique_ids(response)) == {SEEDED["normal"], "1.2.250.1.999.3.1"}
    eo = next(e for e in response.iterfind(".//rim:ExtrinsicObject", NS)
              if "1.2.250.1.999.3.1" in [x.get("value") for x in e.iterfind("rim:ExternalIdentifier", NS)])
    assert eo.get("id").startswith("urn:uuid:") and eo.get("status") == APPROVED
    assert eo.find("rim:Name/rim:LocalizedString", NS).get("value") == "Compte rendu de test"
    slots = {s.get("name"): s.findtext("rim:ValueList/rim:Value", namespaces=NS) for s in eo.iterfind("rim:Slot", NS)}
    assert slots["size"] == str(len(entry.cda)) and slots["creationTime"] == "20261102093000"
    schemes = {c.get("classificationScheme") for c in eo.iterfind("rim:Classification", NS)}
    assert "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983" in schemes  # typeCode
    refs = find_documents(xds, return_type="ObjectRef")
    assert len(refs.findall(".//rim:ObjectRef", NS)) == 2 and not refs.findall(".//rim:ExtrinsicObject", NS)


def test_visibility_of_archived_deleted_and_masked(xds: Xds) -> None:
    assert unique_ids(find_documents(xds)) == [SEEDED["normal"]]
    assert set(unique_ids(find_documents(xds, statuses=(APPROVED, ARCHIVED)))) == {SEEDED["normal"],
                                                                                    SEEDED["archived"]}
    assert SEEDED["deleted"] not in unique_ids(find_documents(xds, statuses=(APPROVED, ARCHIVED, DELETED)))
    for purpose in ("bris_de_glace", "centre_15"):
        assert SEEDED["masque_ps"] in unique_ids(find_documents(xds, who=vihf(purpose=purpose)))
    assert SEEDED["masque_ps"] in unique_ids(find_documents(xds, who=vihf(structure="11750000040")))
    assert SEEDED["masque_ps"] in unique_ids(find_documents(xds, who=vihf(professional=False)))


def test_invisible_patient_is_hidden_from_the_patient(xds: Xds) -> None:
    hidden = new_entry(2, confidentiality=[("N", "2.16.840.1.113883.5.25"),
                                           ("INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13")])
    assert feed(xds, [hidden])[0].get("status") == SUCCESS
    assert "1.2.250.1.999.3.2" in unique_ids(find_documents(xds))
    assert "1.2.250.1.999.3.2" not in unique_ids(find_documents(xds, who=vihf(professional=False)))


def test_code_and_time_filters(xds: Xds) -> None:
    assert feed(xds, [new_entry(3)])[0].get("status") == SUCCESS
    type_slot = ('<rim:Slot name="$XDSDocumentEntryTypeCode"><rim:ValueList>'
                 "<rim:Value>('11488-4^^2.16.840.1.113883.6.1')</rim:Value></rim:ValueList></rim:Slot>")
    assert len(unique_ids(find_documents(xds, extra=type_slot))) == 2
    other_type = type_slot.replace("11488-4", "11490-0")
    assert unique_ids(find_documents(xds, extra=other_type)) == []
    since = ('<rim:Slot name="$XDSDocumentEntryCreationTimeFrom"><rim:ValueList><rim:Value>20261101</rim:Value>'
             "</rim:ValueList></rim:Slot>")
    assert unique_ids(find_documents(xds, extra=since)) == ["1.2.250.1.999.3.3"]


def test_get_documents_and_associations(xds: Xds) -> None:
    response = _query(xds, adhoc(GET_DOCUMENTS, XDSDocumentEntryUniqueId=f"('{SEEDED['archived']}')"))
    assert unique_ids(response) == [SEEDED["archived"]]
    response = _query(xds, adhoc(GET_DOCUMENTS, XDSDocumentEntryEntryUUID=f"('{SEEDED_UUID['deleted']}')"))
    assert response.get("status") == SUCCESS and unique_ids(response) == []
    response = _query(xds, adhoc(GET_DOCUMENTS, XDSDocumentEntryEntryUUID=f"('{SEEDED_UUID['masque_ps']}')"))
    assert unique_ids(response) == []
    response = _query(xds, adhoc(GET_ASSOCIATIONS, uuid=f"('{SEEDED_UUID['normal']}')"))
    assoc = response.findall(".//rim:Association", NS)
    assert len(assoc) == 1 and assoc[0].get("targetObject") == SEEDED_UUID["normal"]
    assert assoc[0].get("associationType") == "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"


def test_find_submission_sets(xds: Xds) -> None:
    assert feed(xds, [new_entry(4)])[0].get("status") == SUCCESS
    response = _query(xds, adhoc(FIND_SETS, XDSSubmissionSetPatientId=f"'{PATIENT}'",
                                 XDSSubmissionSetStatus=f"('{APPROVED}')"))
    assert response.get("status") == SUCCESS
    assert len(response.findall(".//rim:RegistryPackage", NS)) == 5  # 4 seeded + the fed one


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (adhoc("urn:uuid:00000000-0000-0000-0000-000000000000"), "XDSUnknownStoredQuery"),
        (adhoc("urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d", XDSDocumentEntryStatus=f"('{APPROVED}')"),
         "XDSStoredQueryParamNumber"),
        (adhoc("urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d", XDSDocumentEntryPatientId=f"'{PATIENT}'"),
         "XDSStoredQueryParamNumber"),
        (adhoc(GET_DOCUMENTS), "XDSStoredQueryParamNumber"),
        (adhoc("urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d", XDSDocumentEntryPatientId=f"('{PATIENT}','x')",
               XDSDocumentEntryStatus=f"('{APPROVED}')"), "XDSStoredQueryParamNumber"),
        (adhoc(GET_DOCUMENTS, XDSDocumentEntryUniqueId="('a')", XDSDocumentEntryEntryUUID="('b')"),
         "XDSStoredQueryParamNumber"),
        (adhoc(GET_DOCUMENTS, XDSDocumentEntryUniqueId="('a"), "XDSRegistryError"),
        (adhoc(GET_DOCUMENTS, return_type="Everything", XDSDocumentEntryUniqueId="('a')"), "XDSRegistryError"),
    ],
)
def test_query_errors(xds: Xds, body: str, code: str) -> None:
    response = _query(xds, body)
    assert response.get("status") == FAILURE
    assert error_codes(response) == [code]


def test_query_of_a_patient_without_dmp(xds: Xds) -> None:
    xds.patient_status = lambda ins, oid: "ABSENT"
    assert error_codes(find_documents(xds)) == ["XDSUnknownPatientId"]


def test_retrieve_returns_the_exact_bytes(xds: Xds) -> None:
    entry = new_entry(5)
    assert feed(xds, [entry])[0].get("status") == SUCCESS
    answer = xds.retrieve(context(retrieve_body("1.2.250.1.999.3.5"), ITI43_ACTION))
    response = answer.body
    assert response.find("rs:RegistryResponse", NS).get("status") == SUCCESS
    item = response.find("xdsb:DocumentResponse", NS)
    assert item.findtext("xdsb:RepositoryUniqueId", namespaces=NS) == REPOSITORY
    assert item.findtext("xdsb:DocumentUniqueId", namespaces=NS) == "1.2.250.1.999.3.5"
    assert item.findtext("xdsb:mimeType", namespaces=NS) == "text/xml"
    href = item.find("xdsb:Document/xop:Include", NS).get("href")
    assert href.startswith("cid:")
    assert answer.attachments[href[4:]] == ("text/xml", entry.cda)


def test_retrieve_errors(xds: Xds) -> None:
    response = xds.retrieve(context(retrieve_body("1.2.3.4.5.6"), ITI43_ACTION)).body
    assert response.find("rs:RegistryResponse", NS).get("status") == FAILURE
    assert error_codes(response) == ["XDSDocumentUniqueIdError"]
    for hidden in (SEEDED["deleted"], SEEDED["masque_ps"]):
        assert error_codes(xds.retrieve(context(retrieve_body(hidden), ITI43_ACTION)).body) == \
            ["XDSDocumentUniqueIdError"]
    other_repo = xds.retrieve(context(retrieve_body(SEEDED["normal"], repository="1.2.3"), ITI43_ACTION)).body
    assert error_codes(other_repo) == ["XDSUnknownRepositoryId"]
    partial = xds.retrieve(context(retrieve_body(SEEDED["normal"], "1.2.3.4.5.6"), ITI43_ACTION))
    assert partial.body.find("rs:RegistryResponse", NS).get("status") == \
        "urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"
    assert len(partial.attachments) == 1
    masked = xds.retrieve(context(retrieve_body(SEEDED["masque_ps"]), ITI43_ACTION, who=vihf(purpose="bris_de_glace")))
    assert len(masked.attachments) == 1


def test_patient_ids_of_request(xds: Xds) -> None:
    assert xds.patient_ids_of_request(context(retrieve_body(SEEDED["normal"]), ITI43_ACTION)) == {PATIENT}
    query = context(adhoc(GET_DOCUMENTS, XDSDocumentEntryEntryUUID=f"('{SEEDED_UUID['archived']}')"), ITI18_ACTION)
    assert xds.patient_ids_of_request(query) == {PATIENT}
    from dmp_xds_support import ITI41_ACTION, iti41

    assert xds.patient_ids_of_request(context(iti41([new_entry(6)]), ITI41_ACTION)) == {PATIENT}
    find = context(adhoc("urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d", XDSDocumentEntryPatientId=f"'{PATIENT}'",
                         XDSDocumentEntryStatus=f"('{APPROVED}')"), ITI18_ACTION)
    assert xds.patient_ids_of_request(find) == {PATIENT}


def test_reset_restores_the_fixture_state(xds: Xds) -> None:
    assert feed(xds, [new_entry(7)])[0].get("status") == SUCCESS
    xds.reset()
    assert unique_ids(find_documents(xds)) == [SEEDED["normal"]]
