"""ITI-57 Update Document Set: availability status (delete / archive / restore) and confidentiality versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from dmp_xds_support import (
    APPROVED,
    ARCHIVED,
    DELETED,
    DEPRECATED,
    FAILURE,
    HAS_MEMBER,
    ITI43_ACTION,
    ITI57_ACTION,
    NS,
    OTHER_PATIENT,
    SEEDED,
    SEEDED_UUID,
    SUCCESS,
    UPDATE,
    association,
    context,
    entry_uuid_of,
    error_codes,
    feed,
    find_documents,
    make_xds,
    new_entry,
    retrieve_body,
    sor,
    submission_set,
    unique_ids,
    vihf,
)
from lxml import etree

from segur_harness.mocks.dmp.xds import Xds

MASQUE = ("MASQUE_PS", "1.2.250.1.213.1.1.4.13")
INVISIBLE = ("INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13")
NORMAL = ("N", "2.16.840.1.113883.5.25")


@pytest.fixture
def xds(tmp_path: Path) -> Xds:
    return make_xds(tmp_path)


def _status_update(xds: Xds, target: str, original: str, new: str, patient: str | None = None) -> etree._Element:
    objects = submission_set(**({"patient": patient} if patient else {}), unique_id="1.2.250.1.999.9.1") + \
        association("upd", UPDATE, "SubmissionSet01", target, OriginalStatus=original, NewStatus=new) + \
        association("hm", HAS_MEMBER, "SubmissionSet01", "upd", SubmissionSetStatus="Original")
    return xds.update_document_set(context(sor(objects), ITI57_ACTION)).body


def _new_version(xds: Xds, number: int, lid: str, confidentiality: list[tuple[str, str]],
                 previous: str = "1") -> etree._Element:
    entry = new_entry(number, lid=lid, confidentiality=confidentiality)
    objects = entry.xml() + submission_set(unique_id=f"1.2.250.1.999.9.{number}") + \
        association("hm", HAS_MEMBER, "SubmissionSet01", "Document01", SubmissionSetStatus="Original",
                    PreviousVersion=previous)
    return xds.update_document_set(context(sor(objects), ITI57_ACTION)).body


def _fed(xds: Xds, number: int) -> str:
    assert feed(xds, [new_entry(number)])[0].get("status") == SUCCESS
    return entry_uuid_of(find_documents(xds), f"1.2.250.1.999.3.{number}")


def test_delete_then_find_documents_does_not_return_it(xds: Xds) -> None:
    target = _fed(xds, 1)
    response = _status_update(xds, target, APPROVED, DELETED)
    assert response.get("status") == SUCCESS, error_codes(response)
    assert "1.2.250.1.999.3.1" not in unique_ids(find_documents(xds, statuses=(APPROVED, ARCHIVED, DELETED)))
    retrieved = xds.retrieve(context(retrieve_body("1.2.250.1.999.3.1"), ITI43_ACTION)).body
    assert error_codes(retrieved) == ["XDSDocumentUniqueIdError"]
    again = _status_update(xds, target, DELETED, APPROVED)
    assert error_codes(again) == ["XDSMetadataUpdateError"], "a deletion is final"


def test_archive_and_restore(xds: Xds) -> None:
    target = _fed(xds, 2)
    assert _status_update(xds, target, APPROVED, ARCHIVED).get("status") == SUCCESS
    assert "1.2.250.1.999.3.2" not in unique_ids(find_documents(xds))
    assert "1.2.250.1.999.3.2" in unique_ids(find_documents(xds, statuses=(ARCHIVED,)))
    assert _status_update(xds, target, ARCHIVED, APPROVED).get("status") == SUCCESS
    assert "1.2.250.1.999.3.2" in unique_ids(find_documents(xds))


@pytest.mark.parametrize(
    ("target", "original", "new", "patient"),
    [
        ("urn:uuid:00000000-0000-0000-0000-000000000000", APPROVED, DELETED, None),  # unknown entry
        (SEEDED_UUID["archived"], APPROVED, DELETED, None),  # wrong OriginalStatus
        (SEEDED_UUID["normal"], APPROVED, "urn:asip:ci-sis:2010:StatusType:Perdu", None),  # not a DMP status
        (SEEDED_UUID["normal"], APPROVED, DELETED, OTHER_PATIENT),  # another patient's entry
        (SEEDED_UUID["deleted"], DELETED, APPROVED, None),  # deleted = gone
    ],
)
def test_status_update_errors(xds: Xds, target: str, original: str, new: str, patient: str | None) -> None:
    response = _status_update(xds, target, original, new, patient)
    assert response.get("status") == FAILURE
    assert error_codes(response) == ["XDSMetadataUpdateError"]
    assert SEEDED["normal"] in unique_ids(find_documents(xds)), "nothing changed"


def test_new_version_masks_the_document_from_professionals(xds: Xds) -> None:
    target = _fed(xds, 3)
    response = _new_version(xds, 3, target, [NORMAL, MASQUE])
    assert response.get("status") == SUCCESS, error_codes(response)
    other_structure = vihf(structure="11750000099")
    assert "1.2.250.1.999.3.3" not in unique_ids(find_documents(xds, who=other_structure))  # hidden from a PS
    assert "1.2.250.1.999.3.3" in unique_ids(find_documents(xds)), "its author's structure still sees it"
    visible = find_documents(xds, who=vihf(purpose="bris_de_glace"))
    assert unique_ids(visible).count("1.2.250.1.999.3.3") == 1
    eo = next(e for e in visible.iterfind(".//rim:ExtrinsicObject", NS) if e.get("lid") == target)
    assert eo.get("id") != target and eo.find("rim:VersionInfo", NS).get("versionName") == "2"
    old = find_documents(xds, statuses=(DEPRECATED,), who=vihf(purpose="bris_de_glace"))
    assert "1.2.250.1.999.3.3" in unique_ids(old)
    masked = xds.retrieve(context(retrieve_body("1.2.250.1.999.3.3"), ITI43_ACTION, who=vihf(purpose="centre_15")))
    assert len(masked.attachments) == 1, "the new version keeps the document bytes"
    unmasked = _new_version(xds, 3, target, [NORMAL], previous="2")
    assert unmasked.get("status") == SUCCESS, error_codes(unmasked)
    assert "1.2.250.1.999.3.3" in unique_ids(find_documents(xds, who=other_structure))


def test_new_version_errors(xds: Xds) -> None:
    target = _fed(xds, 4)
    assert error_codes(_new_version(xds, 4, target, [NORMAL, MASQUE, INVISIBLE])) == ["XDSMetadataUpdateError"]
    assert error_codes(_new_version(xds, 4, target, [NORMAL, MASQUE], previous="7")) == ["XDSMetadataUpdateError"]
    unknown = _new_version(xds, 5, "urn:uuid:00000000-0000-0000-0000-00000000ffff", [NORMAL, MASQUE])
    assert error_codes(unknown) == ["XDSMetadataUpdateError"]
    assert "1.2.250.1.999.3.4" in unique_ids(find_documents(xds)), "still the first, visible version"


def test_update_without_anything_to_do(xds: Xds) -> None:
    response = xds.update_document_set(context(sor(submission_set()), ITI57_ACTION)).body
    assert error_codes(response) == ["XDSMetadataUpdateError"]


def test_patient_ids_of_an_update(xds: Xds) -> None:
    objects = submission_set() + association("upd", UPDATE, "SubmissionSet01", SEEDED_UUID["normal"],
                                             OriginalStatus=APPROVED, NewStatus=DELETED)
    from dmp_xds_support import PATIENT

    assert xds.patient_ids_of_request(context(sor(objects), ITI57_ACTION)) == {PATIENT}


def test_update_associations_are_stored_with_registry_ids(xds: Xds) -> None:
    target = _fed(xds, 6)
    assert _status_update(xds, target, APPROVED, ARCHIVED).get("status") == SUCCESS
    from dmp_xds_support import ITI18_ACTION, adhoc

    body = adhoc("urn:uuid:a7ae438b-4bc2-4642-93e9-be891f7bb155", uuid=f"('{target}')")
    response = xds.stored_query(context(body, ITI18_ACTION)).body
    kinds = {a.get("associationType"): a for a in response.iterfind(".//rim:Association", NS)}
    update = kinds[UPDATE]
    assert update.get("id").startswith("urn:uuid:") and update.get("sourceObject").startswith("urn:uuid:")
    slots = {s.get("name"): s.findtext("rim:ValueList/rim:Value", namespaces=NS)
             for s in update.iterfind("rim:Slot", NS)}
    assert slots == {"OriginalStatus": APPROVED, "NewStatus": ARCHIVED}
