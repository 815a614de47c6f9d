"""The DMP mock's admin views: a patient's DMP and what Mon Espace Santé shows the patient or a legal representative."""

from __future__ import annotations

from pathlib import Path

import pytest
from dmp_support import DOMINIQUE, PROVISOIRE, TD11_ACTION, UNKNOWN, make_dmp, post, signed_vihf, soap, td11
from dmp_xds_support import OID, feed, new_entry

from segur_harness.mocks.dmp.views import views

N = ("N", "2.16.840.1.113883.5.25")
DMP_CODES = "1.2.250.1.213.1.1.4.13"
FIXTURE = {"normal": "1.2.250.1.213.1.1.9.2.1001", "masque_ps": "1.2.250.1.213.1.1.9.2.1002",
           "archived": "1.2.250.1.213.1.1.9.2.1003", "deleted": "1.2.250.1.213.1.1.9.2.1004"}


@pytest.fixture
def dmp(tmp_path: Path, pki_dir: Path):
    app, _store, service = make_dmp(tmp_path, pki_dir, cda_validation="off")
    return app.test_client(), service


def seen(client, vue: str, ins: str = DOMINIQUE[0]) -> list[str]:
    reply = client.get(f"/_admin/patients/{ins}/documents", query_string={"vue": vue})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.get_json()["vue"] == vue
    return [d["unique_id"] for d in reply.get_json()["documents"]]


def fed_with(service, number: int, *codes: str) -> str:
    entry = new_entry(number, confidentiality=[N, *((c, DMP_CODES) for c in codes)])
    response, _ = feed(service.xds, [entry])
    assert "Success" in response.get("status"), response
    return entry.unique_id


def test_the_views_of_the_fixture_documents(dmp) -> None:
    client, _ = dmp
    for vue in ("patient", "representant-legal"):
        assert seen(client, vue) == [FIXTURE["normal"], FIXTURE["masque_ps"], FIXTURE["archived"]]
    assert seen(client, "professionnel") == [FIXTURE["normal"]]


def test_invisible_patient_hides_from_patient_and_legal_representatives_not_from_professionals(dmp) -> None:
    client, service = dmp
    unique = fed_with(service, 1, "INVISIBLE_PATIENT")
    assert unique not in seen(client, "patient")
    assert unique not in seen(client, "representant-legal")
    assert unique in seen(client, "professionnel")


def test_invisible_legal_representatives_hides_from_them_only(dmp) -> None:
    client, service = dmp
    unique = fed_with(service, 2, "INVISIBLE_REPRESENTANTS_LEGAUX")
    assert unique in seen(client, "patient")
    assert unique not in seen(client, "representant-legal")
    assert unique in seen(client, "professionnel")


def test_masque_ps_is_still_shown_to_the_patient(dmp) -> None:
    client, service = dmp
    unique = fed_with(service, 3, "MASQUE_PS")
    assert unique in seen(client, "patient") and unique in seen(client, "representant-legal")
    assert unique not in seen(client, "professionnel")


def test_the_views_follow_the_data_file() -> None:
    known = views()
    assert set(known) == {"patient", "representant-legal", "professionnel"}
    assert known["representant-legal"].hidden_by == {"INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX"}


def test_unknown_view_is_a_clear_400(dmp) -> None:
    client, _ = dmp
    reply = client.get(f"/_admin/patients/{DOMINIQUE[0]}/documents", query_string={"vue": "voisin"})
    assert reply.status_code == 400 and "patient" in reply.get_json()["error"]


def test_patient_state_absent_closed_then_created(dmp, pki_dir: Path) -> None:
    client, _ = dmp
    assert client.get(f"/_admin/patients/{PROVISOIRE[0]}").get_json()["dmp_status"] == "FERME"
    assert client.get(f"/_admin/patients/{UNKNOWN[0]}").get_json()["dmp_status"] == "ABSENT"
    answer = post(client, "/patients", soap(td11(UNKNOWN), TD11_ACTION, signed_vihf(pki_dir, patient=UNKNOWN)))
    assert answer.ack == "AA"
    state = client.get(f"/_admin/patients/{UNKNOWN[0]}", query_string={"oid": UNKNOWN[1]}).get_json()
    assert state["dmp_status"] == "OUVERT" and state["oid"] == OID
    assert state["authorisations"] == {"11750000016": "VALIDE"}
