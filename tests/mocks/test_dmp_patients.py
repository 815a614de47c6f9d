"""/patients: TD0.2 test d'existence, TD1.1 create, TD1.2 reactivate / close, and the shared patient state."""

from __future__ import annotations

from pathlib import Path

import pytest
from dmp_support import (
    DOMINIQUE,
    PAT_TROIS,
    PROVISOIRE,
    TD02_ACTION,
    TD11_ACTION,
    TD12_ACTION,
    TOUSSAINT,
    UNKNOWN,
    make_dmp,
    post,
    signed_vihf,
    soap,
    td02,
    td11,
    td12,
)

from segur_harness.mocks.dmp.data import DmpDataError, load_patients, load_structures
from segur_harness.mocks.dmp.patients_state import PatientState

HAND_WRITTEN_TD02 = """<PRPA_IN201307UV02 xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0">
  <id root="2.25.299518904337880959076241620201932965147"/>
  <creationTime value="20261201103000"/>
  <interactionId root="2.16.840.1.113883.1.6" extension="PRPA_IN201307UV02"/>
  <processingCode code="P"/>
  <processingModeCode code="T"/>
  <acceptAckCode code="AL"/>
  <receiver typeCode="RCV">
    <device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.250.1.213.4.1.1.1"/></device>
  </receiver>
  <sender typeCode="SND">
    <device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.250.1.71.4.2.2" extension="1750000016"/></device>
  </sender>
  <controlActProcess classCode="CACT" moodCode="EVN">
    <code code="PRPA_TE201307UV02" codeSystem="2.16.840.1.113883.1.6"/>
    <reasonCode code="TEST_EXST" codeSystem="1.2.250.1.213.1.1.4.11"/>
    <queryByParameter>
      <queryId root="2.25.1" extension="TD02-0001"/>
      <statusCode code="new"/>
      <responsePriorityCode code="I"/>
      <parameterList>
        <patientIdentifier>
          <value root="1.2.250.1.213.1.4.10" extension="279035121518989"/>
          <semanticsText>Patient.id</semanticsText>
        </patientIdentifier>
      </parameterList>
    </queryByParameter>
  </controlActProcess>
</PRPA_IN201307UV02>"""


@pytest.fixture
def dmp(tmp_path: Path, pki_dir: Path):
    app, store, service = make_dmp(tmp_path, pki_dir)
    return app.test_client(), store, service


def call(dmp, pki_dir: Path, body: str, action: str, patient=DOMINIQUE, **vihf):
    client, _, _ = dmp
    return post(client, "/patients", soap(body, action, signed_vihf(pki_dir, patient=patient, **vihf)))


def detail(answer) -> str:
    return answer.text(".//h:acknowledgement/h:acknowledgementDetail/h:text") or ""


def test_hand_written_td02_gets_aa_ok(dmp, pki_dir: Path) -> None:
    answer = call(dmp, pki_dir, HAND_WRITTEN_TD02, TD02_ACTION, patient=PAT_TROIS)
    assert answer.status == 200
    assert answer.find(".//h:PRPA_IN201308UV02") is not None
    assert answer.ack == "AA" and answer.query_code == "OK"
    assert answer.attr(".//h:acknowledgement/h:targetMessage/h:id", "root") == \
        "2.25.299518904337880959076241620201932965147"
    patient = answer.find(".//h:subject/h:registrationEvent/h:subject1/h:patient")
    assert patient.find("h:id", {"h": "urn:hl7-org:v3"}).get("extension") == "279035121518989"
    assert answer.attention() == {"AUTORISATION": "VALIDE", "DMP_STATUT": "OUVERT", "OPPOSITION_BDG": "false"}
    assert answer.attr(".//h:interactionId", "extension") == "PRPA_IN201308UV02"


def test_unknown_ins_is_nf(dmp, pki_dir: Path) -> None:
    answer = call(dmp, pki_dir, td02(UNKNOWN), TD02_ACTION, patient=UNKNOWN)
    assert answer.ack == "AA" and answer.query_code == "NF"
    assert answer.find(".//h:registrationEvent") is None and answer.attention() == {}


def test_closed_dmp_and_opposition(dmp, pki_dir: Path) -> None:
    answer = call(dmp, pki_dir, td02(PROVISOIRE), TD02_ACTION, patient=PROVISOIRE)
    assert answer.query_code == "OK" and answer.attention()["DMP_STATUT"] == "FERME"
    assert answer.attr(".//h:subject1/h:patient/h:statusCode", "code") == "nullified"
    answer = call(dmp, pki_dir, td02(TOUSSAINT), TD02_ACTION, patient=TOUSSAINT)
    assert answer.attention()["OPPOSITION_BDG"] == "true"


def test_authorisation_of_an_unlisted_structure(tmp_path: Path, pki_dir: Path) -> None:
    patients = tmp_path / "patients.toml"
    patients.write_text('[[patient]]\nins = "297022A02077878"\noid = "1.2.250.1.213.1.4.8"\n'
                        'authorisations = { "11750000016" = "EXPIREE" }\n', encoding="utf-8")
    app, _, _ = make_dmp(tmp_path, pki_dir, patients_file=str(patients))
    answer = call((app.test_client(), None, None), pki_dir, td02(), TD02_ACTION)
    assert answer.attention()["AUTORISATION"] == "EXPIREE"
    samu = {"changes": {"Identifiant_Structure": ["11750000032"]}}
    answer = call((app.test_client(), None, None), pki_dir, td02(), TD02_ACTION, **samu)
    assert answer.attention()["AUTORISATION"] == "NON_EXISTANTE"


@pytest.mark.parametrize("structure", ["11750000024", "19999999999"])
def test_inactive_or_unknown_structure_is_ae(dmp, pki_dir: Path, structure: str) -> None:
    answer = call(dmp, pki_dir, td02(), TD02_ACTION, changes={"Identifiant_Structure": [structure]})
    assert answer.status == 200 and answer.ack == "AE"
    assert detail(answer) == "Structure introuvable ou Inactive"
    assert answer.query_code == "AE"


def test_professional_not_linked_to_structure_is_ae(dmp, pki_dir: Path) -> None:
    changes = {"Identifiant_Structure": ["11750000040"], "Secteur_Activite": ["SA05^1.2.250.1.71.4.2.4"]}
    answer = call(dmp, pki_dir, td02(), TD02_ACTION, changes=changes)
    assert answer.ack == "AE" and detail(answer) == "PS et Structure non liés"
    answer = call(dmp, pki_dir, td02(), TD02_ACTION, changes=changes, name_id="810000000028")
    assert answer.ack == "AA"


def test_bad_reason_code_is_ae(dmp, pki_dir: Path) -> None:
    answer = call(dmp, pki_dir, td02(reason="AUTRE"), TD02_ACTION)
    assert answer.ack == "AE" and "TEST_EXST" in detail(answer)


def test_missing_patient_identifier_is_ae(dmp, pki_dir: Path) -> None:
    body = td02().replace('<value root="1.2.250.1.213.1.4.8" extension="297022A02077878"/>', "")
    answer = call(dmp, pki_dir, body, TD02_ACTION)
    assert answer.ack == "AE" and "identifiant patient" in detail(answer)


def test_bad_matricule_in_request_and_vihf_is_refused(dmp, pki_dir: Path) -> None:
    """A malformed INS is refused by the VIHF check first (resource-id), before the HL7 body is read."""
    bad = ("29702", "1.2.250.1.213.1.4.8")
    answer = call(dmp, pki_dir, td02(bad), TD02_ACTION, patient=bad)
    assert answer.status == 400 and answer.subcode[1] == "InvalidSecurity"


def test_create_then_exists(dmp, pki_dir: Path) -> None:
    answer = call(dmp, pki_dir, td11(UNKNOWN), TD11_ACTION, patient=UNKNOWN)
    assert answer.find(".//h:MCCI_IN000002UV01") is not None and answer.ack == "AA"
    assert answer.text("s:Header/wsa:Action") == "urn:hl7-org:v3:MCCI_IN000002UV01"
    answer = call(dmp, pki_dir, td02(UNKNOWN), TD02_ACTION, patient=UNKNOWN)
    assert answer.query_code == "OK" and answer.attention()["AUTORISATION"] == "VALIDE"
    again = call(dmp, pki_dir, td11(UNKNOWN), TD11_ACTION, patient=UNKNOWN)
    assert again.ack == "AE" and "existe déjà" in detail(again)


def test_close_and_reactivate(dmp, pki_dir: Path) -> None:
    assert call(dmp, pki_dir, td12(DOMINIQUE, "FERM"), TD12_ACTION).ack == "AA"
    assert call(dmp, pki_dir, td02(), TD02_ACTION).attention()["DMP_STATUT"] == "FERME"
    closed_again = call(dmp, pki_dir, td12(DOMINIQUE, "FERM"), TD12_ACTION)
    assert closed_again.ack == "AE" and "fermé" in detail(closed_again)
    assert call(dmp, pki_dir, td12(DOMINIQUE, "REAC"), TD12_ACTION).ack == "AA"
    assert call(dmp, pki_dir, td02(), TD02_ACTION).attention()["DMP_STATUT"] == "OUVERT"
    assert call(dmp, pki_dir, td12(DOMINIQUE, "REAC"), TD12_ACTION).ack == "AE"
    assert call(dmp, pki_dir, td12(UNKNOWN, "FERM"), TD12_ACTION, patient=UNKNOWN).ack == "AE"
    assert call(dmp, pki_dir, td12(DOMINIQUE, "XXXX"), TD12_ACTION).ack == "AE"


def test_state_is_shared_and_reset(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    one, two = PatientState(store), PatientState(store)
    assert one.dmp_status(*DOMINIQUE) == "OUVERT" and one.dmp_status(*PROVISOIRE) == "FERME"
    assert one.dmp_status(*UNKNOWN) == "ABSENT"
    assert one.create(*UNKNOWN, "11750000016")
    assert two.dmp_status(*UNKNOWN) == "OUVERT" and two.authorisation(*UNKNOWN, "11750000016") == "VALIDE"
    assert two.set_status(*DOMINIQUE, "OUVERT", "FERME")
    assert PatientState(store).dmp_status(*DOMINIQUE) == "FERME"  # a new worker does not re-seed
    one.reset()
    assert two.dmp_status(*UNKNOWN) == "ABSENT" and two.dmp_status(*DOMINIQUE) == "OUVERT"
    assert two.opposition_bdg(*TOUSSAINT) and not two.opposition_bdg(*DOMINIQUE)


def test_fixture_patients_are_the_expected_ones() -> None:
    patients = {(p.ins, p.oid): p for p in load_patients()}
    for key in [("297022A02077878", "1.2.250.1.213.1.4.8"), ("160012B02077713", "1.2.250.1.213.1.4.8"),
                ("180032B02040123", "1.2.250.1.213.1.4.8"), ("109076322083489", "1.2.250.1.213.1.4.8"),
                ("236066322083656", "1.2.250.1.213.1.4.8"), ("285056311310132", "1.2.250.1.213.1.4.10"),
                ("285056912320251", "1.2.250.1.213.1.4.10"), ("279035121518989", "1.2.250.1.213.1.4.10")]:
        assert patients[key].status == "OUVERT" and patients[key].authorisations["11750000016"] == "VALIDE"
    assert patients[PROVISOIRE].status == "FERME"
    assert patients[TOUSSAINT].opposition_bdg
    structures = load_structures()
    assert structures.get("11750000016").active and not structures.get("11750000024").active
    assert structures.get("11750000032").samu


@pytest.mark.parametrize("content", [
    "[[patient]\n",
    '[[patient]]\nins = "123"\noid = "1.2.250.1.213.1.4.8"\n',
    '[[patient]]\nins = "297022A02077878"\noid = "1.2.3"\n',
    '[[patient]]\nins = "297022A02077878"\noid = "1.2.250.1.213.1.4.8"\ndmp = "PERDU"\n',
])
def test_bad_patients_file_is_refused_clearly(tmp_path: Path, content: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DmpDataError, match="p.toml|patients.toml"):
        load_patients(path)
