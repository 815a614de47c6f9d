"""Each `dmp-*` defect of the reference SUT bends exactly the rule it names (against the local DMP stub)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import pytest
from lxml import etree

from segur_harness.sut.reference.defects import DEFECTS

from .dmp_helpers import INS, KEY, PATIENT_ID, Harness, harness
from .dmp_stub import StubState

RIM = "{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0}"
SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"
HL7 = "{urn:hl7-org:v3}"
TYPE_SCHEME = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
CONF_SCHEME = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
PATIENT_SCHEME = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
TD11 = "urn:hl7-org:v3:PRPA_IN201311UV02"
TD12 = "urn:hl7-org:v3:PRPA_IN201314UV02"


def _feed(h: Harness, status: str = "QUAL", **body: object) -> tuple[dict, dict]:
    ident = h.identity(status)
    doc = h.document(ident)
    return doc, h.post(f"/documents/{doc['id']}/dmp", body)


def _entry(state: StubState) -> etree._Element:
    return state.of("/repository")[0].find(".//rim:ExtrinsicObject")


def _slot(element: etree._Element, name: str) -> list[str]:
    return [v.text for s in element.iterfind(f"{RIM}Slot") if s.get("name") == name for v in s.iter(f"{RIM}Value")]


def _codes(entry: etree._Element, scheme: str) -> list[str]:
    return [c.get("nodeRepresentation") for c in entry.iterfind(f"{RIM}Classification")
            if c.get("classificationScheme") == scheme]


def _assertion(state: StubState, index: int = 0) -> etree._Element:
    return state.received[index].find("soap:Header/wsse:Security/saml:Assertion")


def _attribute(assertion: etree._Element, name: str) -> etree._Element:
    return next(a.find(f"{SAML}AttributeValue") for a in assertion.iter(f"{SAML}Attribute") if a.get("Name") == name)


def feeds_without_td02(h: Harness, state: StubState) -> None:
    _feed(h)
    assert [r.path for r in state.received] == ["/repository"]


def patient_id_format(h: Harness, state: StubState) -> None:
    _feed(h)
    patient = next(e.get("value") for e in _entry(state).iterfind(f"{RIM}ExternalIdentifier")
                   if e.get("identificationScheme") == PATIENT_SCHEME)
    assert patient == INS + KEY and "^^^" not in patient


def typecode_not_cda_code(h: Harness, state: StubState) -> None:
    doc, _ = _feed(h)
    cda = etree.fromstring(h.client.get(f"/adapter/v1/documents/{doc['id']}/cda").data)
    assert _codes(_entry(state), TYPE_SCHEME) != [cda.find(f"{HL7}code").get("code")]


def wrong_hash(h: Harness, state: StubState) -> None:
    doc, _ = _feed(h)
    cda = h.client.get(f"/adapter/v1/documents/{doc['id']}/cda").data
    entry = _entry(state)
    assert state.of("/repository")[0].attachments and list(state.of("/repository")[0].attachments.values()) == [cda]
    assert _slot(entry, "hash") != [hashlib.sha1(cda).hexdigest()] or _slot(entry, "size") != [str(len(cda))]  # noqa: S324


def unsigned_vihf(h: Harness, state: StubState) -> None:
    _feed(h)
    assertion = _assertion(state)
    assert assertion is not None and assertion.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is None


def expired_vihf(h: Harness, state: StubState) -> None:
    _feed(h)
    end = _assertion(state).find(f"{SAML}Conditions").get("NotOnOrAfter")
    assert dt.datetime.fromisoformat(end.replace("Z", "+00:00")) < dt.datetime.now(dt.UTC)


def vihf_other_patient(h: Harness, state: StubState) -> None:
    _feed(h)
    resource = _attribute(_assertion(state), "urn:oasis:names:tc:xacml:2.0:resource:resource-id").text
    assert resource != PATIENT_ID and resource.endswith("&ISO^NH")


def invisible_patient_with_masque_ps(h: Harness, state: StubState) -> None:
    _feed(h, confidentiality={"invisible_patient": True})
    assert _codes(_entry(state), CONF_SCHEME) == ["N", "MASQUE_PS", "INVISIBLE_PATIENT"]


def deleted_still_listed(h: Harness, state: StubState) -> None:
    doc, fed = _feed(h)
    assert h.post(f"/documents/{doc['id']}/dmp/status", {"status": "deleted"})["outcome"] == "SUCCESS"
    found = h.post(f"/identities/{doc['identity_id']}/dmp/search", {})
    assert [d["unique_id"] for d in found["documents"]] == [fed["unique_id"]]


def replace_without_rplc(h: Harness, state: StubState) -> None:
    doc, _ = _feed(h)
    second = h.post(f"/documents/{doc['id']}/replace", {})
    outcome = h.post(f"/documents/{second['id']}/dmp", {})
    assert outcome["outcome"] == "SUCCESS" and outcome["replaces_entry_uuid"] is None
    assert state.of("/repository")[1].find(".//rim:Association[@associationType="
                                           "'urn:ihe:iti:2007:AssociationType:RPLC']") is None


def ins_of_unqualified(h: Harness, state: StubState) -> None:
    _doc, outcome = _feed(h, status="RECUP")
    assert outcome["outcome"] == "SUCCESS" and [r.path for r in state.received] == ["/patients", "/repository"]


def no_trace(h: Harness, state: StubState) -> None:
    _feed(h)
    assert state.received and h.client.get("/adapter/v1/dmp-calls").get_json()["calls"] == []


def swallows_errors(h: Harness, state: StubState) -> None:
    state.fail_with = "XDSRegistryMetadataError"
    ident = h.identity()
    outcome = h.post(f"/identities/{ident}/dmp/search", {})
    assert outcome["outcome"] == "SUCCESS" and outcome["alert"] is False
    assert "XDSRegistryMetadataError" not in outcome["message"]


def bris_de_glace_as_normal(h: Harness, state: StubState) -> None:
    ident = h.identity()
    h.post(f"/identities/{ident}/dmp/search", {"mode": "bris_de_glace"})
    purpose = _attribute(_assertion(state, -1), "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse")[0]
    assert purpose.get("code") == "normal"


def no_td02_before_search(h: Harness, state: StubState) -> None:
    ident = h.identity()
    h.post(f"/identities/{ident}/dmp/search", {})
    h.post(f"/identities/{ident}/dmp/retrieve", {"unique_id": "1.2.3"})
    assert [r.path for r in state.received] == ["/registry", "/repository"]


def invisible_legal_as_invisible_patient(h: Harness, state: StubState) -> None:
    _feed(h, confidentiality={"invisible_representants_legaux": True})
    assert _codes(_entry(state), CONF_SCHEME) == ["N", "INVISIBLE_PATIENT"]


def _td1_reason(state: StubState) -> str | None:
    sent = [r for r in state.received if r.action in (TD11, TD12)]
    reason = sent[0].find(".//hl7:controlActProcess/hl7:reasonCode") if sent else None
    return reason.get("code") if reason is not None else None


def creates_without_td02(h: Harness, state: StubState) -> None:
    state.td02_code = "NF"
    h.post(f"/identities/{h.identity()}/dmp/create", {"consent": True})
    assert [r.action for r in state.received] == [TD11]


def creates_without_consent(h: Harness, state: StubState) -> None:
    state.td02_code = "NF"
    h.post(f"/identities/{h.identity()}/dmp/create", {"consent": False})
    assert TD11 in [r.action for r in state.received]


def reactivation_wrong_reason(h: Harness, state: StubState) -> None:
    state.dmp_statut = "FERME"
    h.post(f"/identities/{h.identity()}/dmp/reactivate", {})
    assert _td1_reason(state) == "FERM"


CHECKS: dict[str, Callable[[Harness, StubState], None]] = {
    "dmp-feeds-without-td02": feeds_without_td02,
    "dmp-patient-id-format": patient_id_format,
    "dmp-typecode-not-cda-code": typecode_not_cda_code,
    "dmp-wrong-hash": wrong_hash,
    "dmp-unsigned-vihf": unsigned_vihf,
    "dmp-expired-vihf": expired_vihf,
    "dmp-vihf-other-patient": vihf_other_patient,
    "dmp-invisible-patient-with-masque-ps": invisible_patient_with_masque_ps,
    "dmp-deleted-still-listed": deleted_still_listed,
    "dmp-replace-without-rplc": replace_without_rplc,
    "dmp-ins-of-unqualified": ins_of_unqualified,
    "dmp-no-trace": no_trace,
    "dmp-swallows-errors": swallows_errors,
    "dmp-bris-de-glace-as-normal": bris_de_glace_as_normal,
    "dmp-no-td02-before-search": no_td02_before_search,
    "dmp-invisible-legal-as-invisible-patient": invisible_legal_as_invisible_patient,
    "dmp-creates-without-td02": creates_without_td02,
    "dmp-creates-without-consent": creates_without_consent,
    "dmp-reactivation-wrong-reason": reactivation_wrong_reason,
}


def test_every_dmp_defect_has_a_check() -> None:
    """The dmp-psc-* defects need a PSC session and the DMP's PSC entry: test_dmp_psc.py checks them."""
    assert sorted(CHECKS) == sorted(name for name in DEFECTS if name.startswith("dmp-")
                                    and not name.startswith("dmp-psc-"))


@pytest.mark.parametrize("defect", sorted(CHECKS))
def test_defect_changes_what_it_names(stub, pki_dir, defect: str) -> None:
    url, state = stub
    CHECKS[defect](harness(url, defect, pki_dir=pki_dir), state)


@pytest.mark.parametrize("defect", sorted(CHECKS))
def test_the_same_check_fails_without_the_defect(stub, pki_dir, defect: str) -> None:
    url, state = stub
    with pytest.raises(AssertionError):
        CHECKS[defect](harness(url, None, pki_dir=pki_dir), state)
