"""Interoperability proof: requests written by hand from the IHE ITI TF and the DMPi guide, not by any client code.

One patient's lifecycle through the whole mock (framework, transport, VIHF,
XDS, store): TD0.2, ITI-41 in MTOM, ITI-18 FindDocuments, ITI-43 in MTOM,
ITI-57 delete, ITI-18 again. Each gets the answer the specifications
document, and each exchange is recorded once.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from dmp_support import DOMINIQUE, Answer, make_dmp, mtom, post, signed_vihf, soap, td02
from dmp_xds_support import (
    HAS_MEMBER,
    ITI18_ACTION,
    ITI41_ACTION,
    ITI43_ACTION,
    ITI57_ACTION,
    NS,
    SUCCESS,
    UPDATE,
    association,
    entry_uuid_of,
    iti41,
    new_entry,
    retrieve_body,
    sor,
    submission_set,
)
from dmp_xds_support import adhoc as adhoc_query
from lxml import etree

TD02_ACTION = "urn:hl7-org:v3:PRPA_IN201307UV02"
FIND_DOCUMENTS = "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"
PATIENT = "'297022A02077878^^^&1.2.250.1.213.1.4.8&ISO^NH'"
APPROVED = "('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')"
UNIQUE = "1.2.250.1.999.3.41"


def _xop_include(cid: str) -> str:
    return f'<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:{cid}"/>'


def _find_documents() -> str:
    return adhoc_query(FIND_DOCUMENTS, XDSDocumentEntryPatientId=PATIENT, XDSDocumentEntryStatus=APPROVED)


def _registry_status(answer: Answer) -> str | None:
    response = answer.root.find(".//rs:RegistryResponse", NS)
    if response is None:
        response = answer.root.find(".//query:AdhocQueryResponse", NS)
    return response.get("status") if response is not None else None


def _unique_ids(answer: Answer) -> list[str]:
    return [x.get("value") for x in answer.root.iterfind(
        ".//rim:ExtrinsicObject/rim:ExternalIdentifier[@identificationScheme="
        "'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']", NS)]


def test_a_patient_lifecycle_written_by_hand(tmp_path: Path, pki_dir: Path) -> None:
    app, store, _service = make_dmp(tmp_path, pki_dir, cda_validation="off")
    client = app.test_client()
    vihf = signed_vihf(pki_dir, patient=DOMINIQUE)

    # TD0.2 test d'existence: AA, OK, the structure is authorised
    answer = post(client, "/patients", soap(td02(DOMINIQUE), TD02_ACTION, vihf))
    assert answer.status == 200 and answer.ack == "AA" and answer.query_code == "OK"
    assert answer.attention()["AUTORISATION"] == "VALIDE"

    # ITI-41 in MTOM: the CDA travels as a binary attachment referenced by xop:Include
    entry = new_entry(41)
    body = iti41([entry]).replace("</xdsb:ProvideAndRegisterDocumentSetRequest>",
                                  f'<xdsb:Document id="{entry.doc_id}">{_xop_include("cda-1@example.org")}'
                                  "</xdsb:Document></xdsb:ProvideAndRegisterDocumentSetRequest>")
    content_type, payload = mtom(soap(body, ITI41_ACTION, vihf), [("cda-1@example.org", "text/xml", entry.cda)])
    answer = post(client, "/repository", payload, content_type)
    assert answer.status == 200, answer.reason
    assert _registry_status(answer) == SUCCESS, etree.tostring(answer.root)[:2000]

    # ITI-18 FindDocuments returns what was fed (LeafClass)
    answer = post(client, "/registry", soap(_find_documents(), ITI18_ACTION, vihf))
    assert UNIQUE in _unique_ids(answer)
    entry_uuid = entry_uuid_of(answer.root, UNIQUE)

    # ITI-43 answers in MTOM, the document byte for byte
    response = client.post("/repository", data=soap(retrieve_body(UNIQUE), ITI43_ACTION, vihf),
                           headers={"Content-Type": "application/soap+xml; charset=utf-8"})
    assert response.status_code == 200
    assert response.mimetype == "multipart/related"
    message = email.message_from_bytes(b"Content-Type: " + response.headers["Content-Type"].encode() + b"\r\n\r\n"
                                       + response.data, policy=email.policy.HTTP)
    parts = list(message.iter_parts())
    assert parts[0].get_content_type() == "application/xop+xml"
    assert [p.get_payload(decode=True) for p in parts[1:]] == [entry.cda]

    # ITI-57 deletes it (UpdateAvailabilityStatus to the DMP's Deleted status)
    objects = submission_set(unique_id="1.2.250.1.999.9.57") + \
        association("upd", UPDATE, "SubmissionSet01", entry_uuid,
                    OriginalStatus="urn:oasis:names:tc:ebxml-regrep:StatusType:Approved",
                    NewStatus="urn:asip:ci-sis:2010:StatusType:Deleted") + \
        association("hm", HAS_MEMBER, "SubmissionSet01", "upd", SubmissionSetStatus="Original")
    answer = post(client, "/registry", soap(sor(objects), ITI57_ACTION, vihf))
    assert _registry_status(answer) == SUCCESS, etree.tostring(answer.root)[:2000]

    # ... and FindDocuments no longer returns it
    answer = post(client, "/registry", soap(_find_documents(), ITI18_ACTION, vihf))
    assert UNIQUE not in _unique_ids(answer)

    recorded = store.exchanges(service="dmp")
    assert [e.operation for e in recorded] == ["TD0.2", "ITI-41", "ITI-18", "ITI-43", "ITI-57", "ITI-18"]
    assert all(not e.errors for e in recorded), [(e.operation, [f.message for f in e.errors]) for e in recorded]
