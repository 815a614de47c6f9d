"""DMP mock transport: SOAP 1.2, WS-Addressing, routing per path, answers, admin API, recording."""

from __future__ import annotations

from pathlib import Path

import pytest
from dmp_support import (
    DOMINIQUE,
    ITI18_ACTION,
    PAT_TROIS,
    TD02_ACTION,
    TD12_ACTION,
    WSA,
    make_dmp,
    pid,
    post,
    signed_vihf,
    soap,
    td02,
    td12,
)


@pytest.fixture
def dmp(tmp_path: Path, pki_dir: Path):
    app, store, service = make_dmp(tmp_path, pki_dir)
    return app.test_client(), store, service


def test_td02_answer_carries_ws_addressing(dmp, pki_dir: Path) -> None:
    client, store, _ = dmp
    request = soap(td02(), TD02_ACTION, signed_vihf(pki_dir),
                   message_id="urn:uuid:11111111-2222-3333-4444-555555555555")
    answer = post(client, "/patients", request)
    assert answer.status == 200
    assert answer.text("s:Header/wsa:Action") == "urn:hl7-org:v3:PRPA_IN201308UV02"
    assert answer.text("s:Header/wsa:RelatesTo") == "urn:uuid:11111111-2222-3333-4444-555555555555"
    assert (answer.text("s:Header/wsa:MessageID") or "").startswith("urn:uuid:")
    assert answer.ack == "AA" and answer.query_code == "OK"
    [exchange] = store.exchanges()
    assert exchange.operation == "TD0.2" and exchange.message_id == "urn:uuid:11111111-2222-3333-4444-555555555555"
    assert not exchange.errors


@pytest.mark.parametrize("action", ["urn:hl7-org:v3:PRPA_IN201305UV02", ITI18_ACTION,
                                    "urn:ihe:iti:2007:RetrieveDocumentSet"])
def test_action_not_served_on_patients_is_action_not_supported(dmp, pki_dir: Path, action: str) -> None:
    client, store, _ = dmp
    answer = post(client, "/patients", soap(td02(), action, signed_vihf(pki_dir)))
    assert answer.status == 400
    assert answer.fault_code == "soap:Sender"
    assert answer.subcode == (WSA, "ActionNotSupported")
    assert "/patients" in answer.reason
    assert store.exchanges()[0].errors[0].rule == "DMP-WSA-ACTION"


def test_patients_action_on_registry_is_action_not_supported(dmp, pki_dir: Path) -> None:
    client, _, _ = dmp
    answer = post(client, "/registry", soap(td02(), TD02_ACTION, signed_vihf(pki_dir)))
    assert answer.status == 400 and answer.subcode == (WSA, "ActionNotSupported")


def test_unknown_path_is_action_not_supported_and_recorded(dmp, pki_dir: Path) -> None:
    client, store, _ = dmp
    answer = post(client, "/inconnu", soap(td02(), TD02_ACTION, signed_vihf(pki_dir)))
    assert answer.status in (400, 404)
    assert answer.subcode == (WSA, "ActionNotSupported")
    assert "/patients" in answer.reason
    assert len(store.exchanges()) == 1


def test_action_must_match_body(dmp, pki_dir: Path) -> None:
    client, _, _ = dmp
    answer = post(client, "/patients", soap(td12(DOMINIQUE, "FERM"), TD02_ACTION, signed_vihf(pki_dir)))
    assert answer.status == 400 and answer.subcode == (WSA, "ActionMismatch")


def test_content_type_action_must_match_wsa_action(dmp, pki_dir: Path) -> None:
    client, _, _ = dmp
    answer = post(client, "/patients", soap(td02(), TD02_ACTION, signed_vihf(pki_dir)),
                  f'application/soap+xml; charset=utf-8; action="{TD12_ACTION}"')
    assert answer.status == 400 and answer.subcode == (WSA, "ActionMismatch")


@pytest.mark.parametrize("missing", ["action", "message_id"])
def test_addressing_headers_are_required(dmp, pki_dir: Path, missing: str) -> None:
    client, _, _ = dmp
    kwargs = {"message_id": None} if missing == "message_id" else {}
    action = None if missing == "action" else TD02_ACTION
    answer = post(client, "/patients", soap(td02(), action, signed_vihf(pki_dir), **kwargs))
    assert answer.status == 400 and answer.subcode == (WSA, "MessageAddressingHeaderRequired")


def test_content_type_must_be_soap12(dmp, pki_dir: Path) -> None:
    client, _, _ = dmp
    answer = post(client, "/patients", soap(td02(), TD02_ACTION, signed_vihf(pki_dir)), "text/xml; charset=utf-8")
    assert answer.status == 415 and answer.fault_code == "soap:Sender"
    assert "application/soap+xml" in answer.reason


def test_soap11_envelope_is_version_mismatch(dmp) -> None:
    client, _, _ = dmp
    body = (b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><x/></e:Body>'
            b"</e:Envelope>")
    answer = post(client, "/patients", body)
    assert answer.status == 400 and answer.fault_code == "soap:VersionMismatch"


def test_fault_reason_is_french(dmp) -> None:
    client, _, _ = dmp
    answer = post(client, "/patients", soap(td02(), TD02_ACTION, None))
    reason = answer.find(".//s:Fault/s:Reason/s:Text")
    assert reason.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert "VIHF" in reason.text


def test_sniff_operation_from_body_and_content_type(dmp, pki_dir: Path) -> None:
    client, store, service = dmp
    post(client, "/patients", soap(td02(), "urn:hl7-org:v3:PRPA_IN201305UV02", None),
         f'application/soap+xml; action="{TD02_ACTION}"')
    assert store.exchanges()[0].operation == "TD0.2"

    class Req:
        mimetype_params: dict = {}

    assert service.sniff_operation(Req(), soap(td02(), ITI18_ACTION, None)) == "ITI-18"
    assert service.sniff_operation(Req(), b"garbage") == "unknown"


def test_injected_fault_and_reset(dmp, pki_dir: Path) -> None:
    client, store, _ = dmp
    assert post(client, "/patients", soap(td12(DOMINIQUE, "FERM"), TD12_ACTION, signed_vihf(pki_dir))).ack == "AA"
    assert post(client, "/patients", soap(td02(), TD02_ACTION, signed_vihf(pki_dir))).attention()["DMP_STATUT"] == \
        "FERME"
    assert client.post("/_admin/reset").status_code == 200
    assert post(client, "/patients", soap(td02(), TD02_ACTION, signed_vihf(pki_dir))).attention()["DMP_STATUT"] == \
        "OUVERT"
    client.post("/_admin/behaviours", json={"kind": "fault", "operation": "TD0.2", "params": {"code": "technique"},
                                            "times": 1})
    answer = post(client, "/patients", soap(td02(), TD02_ACTION, signed_vihf(pki_dir)))
    assert answer.status == 500 and answer.fault_code == "soap:Receiver"
    assert post(client, "/patients", soap(td02(), TD02_ACTION, signed_vihf(pki_dir))).ack == "AA"
    client.post("/_admin/behaviours", json={"kind": "fault", "params": {"code": "InvalidSecurity"}, "times": 1})
    answer = post(client, "/patients", soap(td02(), TD02_ACTION, signed_vihf(pki_dir)))
    assert answer.status == 400 and answer.subcode[1] == "InvalidSecurity"
    assert len(store.exchanges()) == 6


def test_xds_unavailable_is_a_clear_fault(dmp, pki_dir: Path) -> None:
    client, store, service = dmp
    service.xds, service.xds_unavailable = None, "module XDS absent (test)"
    body = ('<query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"/>')
    answer = post(client, "/registry", soap(body, ITI18_ACTION, signed_vihf(pki_dir)))
    assert answer.status == 500 and answer.fault_code == "soap:Receiver"
    assert "Transaction non disponible" in answer.reason
    assert store.exchanges()[0].operation == "ITI-18"


def test_health_and_service_name(dmp) -> None:
    client, _, _ = dmp
    assert client.get("/_admin/health").get_json() == {"service": "dmp", "status": "up"}


def test_registry_builds_the_dmp_app(tmp_path: Path, pki_dir: Path) -> None:
    from dmp_support import dmp_config

    from segur_harness.mocks.registry import SERVICES, build_app

    assert "dmp" in SERVICES
    app = build_app("dmp", dmp_config(tmp_path, pki_dir))
    rules = {r.rule for r in app.url_map.iter_rules()}
    services = {"/patients", "/registry", "/repository"}
    expected = services | {"/psc" + path for path in services}  # the Pro Santé Connect entry too
    assert app.extensions["segur_mock_pipeline"].routes == expected \
        if "segur_mock_pipeline" in app.extensions else expected <= rules



def find_documents(patient: tuple[str, str]) -> str:
    """An ITI-18 FindDocuments request written from IHE ITI TF-2a §3.18."""
    return (
        '<query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" '
        'xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">'
        '<query:ResponseOption returnComposedObjects="true" returnType="LeafClass"/>'
        '<rim:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d">'
        '<rim:Slot name="$XDSDocumentEntryPatientId"><rim:ValueList>'
        f"<rim:Value>'{pid(patient).replace('&', '&amp;')}'"
        "</rim:Value></rim:ValueList></rim:Slot>"
        '<rim:Slot name="$XDSDocumentEntryStatus"><rim:ValueList>'
        "<rim:Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</rim:Value></rim:ValueList></rim:Slot>"
        "</rim:AdhocQuery></query:AdhocQueryRequest>"
    )


def test_stored_query_reaches_the_xds_side(dmp, pki_dir: Path) -> None:
    client, store, service = dmp
    if service.xds is None:
        pytest.skip(f"XDS transactions unavailable: {service.xds_unavailable}")
    answer = post(client, "/registry", soap(find_documents(DOMINIQUE), ITI18_ACTION, signed_vihf(pki_dir)))
    assert answer.status == 200, answer.reason
    assert answer.find(".//{urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0}AdhocQueryResponse") is not None
    assert answer.text("s:Header/wsa:Action") == "urn:ihe:iti:2007:RegistryStoredQueryResponse"
    assert store.exchanges()[-1].operation == "ITI-18"


def test_stored_query_for_another_patient_than_the_vihf(dmp, pki_dir: Path) -> None:
    client, _, service = dmp
    if service.xds is None:
        pytest.skip(f"XDS transactions unavailable: {service.xds_unavailable}")
    answer = post(client, "/registry", soap(find_documents(PAT_TROIS), ITI18_ACTION, signed_vihf(pki_dir)))
    assert answer.status == 400 and answer.subcode[1] == "InvalidSecurity" and "resource-id" in answer.reason


def test_xds_refuses_an_inactive_structure_with_a_fault(dmp, pki_dir: Path) -> None:
    client, _, service = dmp
    if service.xds is None:
        pytest.skip(f"XDS transactions unavailable: {service.xds_unavailable}")
    vihf = signed_vihf(pki_dir, changes={"Identifiant_Structure": ["11750000024"]})
    answer = post(client, "/registry", soap(find_documents(DOMINIQUE), ITI18_ACTION, vihf))
    assert answer.status == 400 and "Structure introuvable ou Inactive" in answer.reason


def test_repeated_addressing_header_and_must_understand(dmp, pki_dir: Path) -> None:
    client, _, _ = dmp
    twice = soap(td02(), TD02_ACTION, signed_vihf(pki_dir)).replace(
        b"<soap:Header>", f"<soap:Header><wsa:Action>{TD02_ACTION}</wsa:Action>".encode())
    answer = post(client, "/patients", twice)
    assert answer.status == 400 and answer.subcode == (WSA, "InvalidAddressingHeader")
    must = soap(td02(), TD02_ACTION, signed_vihf(pki_dir)).replace(
        b"<soap:Header>", b'<soap:Header><x:Inconnu xmlns:x="urn:x" soap:mustUnderstand="true"/>')
    answer = post(client, "/patients", must)
    assert answer.status == 400 and answer.fault_code == "soap:MustUnderstand"
    ignored = soap(td02(), TD02_ACTION, signed_vihf(pki_dir)).replace(
        b"<soap:Header>", b'<soap:Header><x:Inconnu xmlns:x="urn:x"/>')
    assert post(client, "/patients", ignored).ack == "AA"


def test_requests_that_wait_on_another_service_run_in_a_thread(tmp_path: Path, pki_dir: Path) -> None:
    """The PSC entry (userinfo) and an ITI-41 whose CDAs are validated may wait: not on the worker's loop."""
    _, _, service = make_dmp(tmp_path, pki_dir)
    service.cfg["mocks"]["dmp"]["cda_validation"] = "service"
    assert service.may_block("/psc/repository") and service.may_block("/psc/patients")
    assert service.may_block("/repository")
    assert not service.may_block("/patients") and not service.may_block("/registry")
    service.cfg["mocks"]["dmp"]["cda_validation"] = "off"
    assert not service.may_block("/repository") and service.may_block("/psc/registry")
