"""INSi mock: identity search answers (CodeCR 00/01/02, INDIVIDU contents) over SOAP."""

from __future__ import annotations

import pytest
from insi_mock_support import CT, TRAITS, VITALE, Answer, Envelope, traits_request, vitale_request

HEADERS = {"Content-Type": CT}


def post(client, body: bytes, headers: dict[str, str] | None = None) -> Answer:
    response = client.post("/lps", data=body, headers=headers or HEADERS)
    return Answer(response.status_code, response.data)


# name, first name sent, sex, birth date, expected (matricule, key, OID)
PUBLIC_FOUND = [
    ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26", ("297022A020778", "78", "1.2.250.1.213.1.4.8")),
    ("ADRTROIS", "TOUSSAINT", "M", "1960-01-01", ("160012B020777", "13", "1.2.250.1.213.1.4.8")),
    ("ECETINSI", "PIERRE-ALAIN", "M", "2009-07-14", ("1090763220834", "89", "1.2.250.1.213.1.4.8")),
    ("PROVISOIRE", "MATRICULE", "M", "2009-07-01", ("1090763220888", "35", "1.2.250.1.213.1.4.9")),
    ("CORSE", "ANTHONY", "M", "1980-03-02", ("180032B020401", "23", "1.2.250.1.213.1.4.8")),
    ("HERMANN", "GATIEN", "M", "1981-03-24", ("1810363220456", "60", "1.2.250.1.213.1.4.8")),
    ("TCHITCHI", "CATARINA", "F", "1936-06-21", ("2360663220836", "56", "1.2.250.1.213.1.4.8")),
]


IDS = [f"{r[0]}-{r[1]}" for r in PUBLIC_FOUND]


@pytest.mark.parametrize("nom, prenom, sexe, date, expected", PUBLIC_FOUND, ids=IDS)
def test_public_identity_found(client, nom, prenom, sexe, date, expected):
    answer = post(client, traits_request(nom, prenom, sexe, date))
    assert answer.status == 200
    assert (answer.code_cr, answer.libelle_cr) == ("00", "OK")
    assert answer.matricule() == expected


def test_response_addressing_relates_to_request(client):
    env = Envelope(message_id="urn:uuid:11111111-2222-3333-4444-555555555555")
    answer = post(client, traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-02-26", env=env))
    assert answer.text(".//wsa:RelatesTo") == "urn:uuid:11111111-2222-3333-4444-555555555555"
    assert answer.text(".//wsa:Action") == "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentiteResponse"


def test_ecetinsi_has_two_historic_ins_and_reference_traits(client):
    answer = post(client, traits_request("ECETINSI", "PIERRE-ALAIN", "M", "2009-07-14"))
    histo = answer.root.findall(".//{http://www.cnamts.fr/INSiResultat}INSHISTO")
    numbers = [h.findtext(".//{http://www.cnamts.fr/INSiResultat}NumIdentifiant") for h in histo]
    assert numbers == ["2090763220834", "2090663220123"]
    assert answer.text(".//r:TIQ/r:ListePrenom") == "PIERRE-ALAIN MURIEL FLORIANT"
    assert answer.text(".//r:TIQ/r:Prenom") == "PIERRE-ALAIN"
    assert answer.text(".//r:TIQ/r:LieuNaissance") == "63220"


def test_provisoire_is_a_nia(client):
    answer = post(client, traits_request("PROVISOIRE", "MATRICULE", "M", "2009-07-01"))
    assert answer.text(".//r:INSACTIF/r:IdIndividu/r:TypeMatricule") == "NIA"


def test_full_first_name_list_also_matches(client):
    answer = post(client, traits_request("ECETINSI", "PIERRE-ALAIN MURIEL FLORIANT", "M", "2009-07-14"))
    assert answer.code_cr == "00"
    several = post(client, traits_request("ECETINSI", ["PIERRE-ALAIN", "MURIEL", "FLORIANT"], "M", "2009-07-14"))
    assert several.code_cr == "00"


def test_partial_first_name_list_is_not_found(client):
    assert post(client, traits_request("ECETINSI", "PIERRE-ALAIN MURIEL", "M", "2009-07-14")).code_cr == "01"


def test_accents_and_case_are_normalised(client):
    answer = post(client, traits_request("Écetinsi", "pierre-alain", "M", "2009-07-14"))
    assert answer.code_cr == "00"


@pytest.mark.parametrize("prenom", ["PIERRE", "PAUL", "JACQUES", "PIERRE PAUL JACQUES"])
def test_houilles_always_01(client, prenom):
    answer = post(client, traits_request("HOUILLES", prenom, "M", "1993-01-27"))
    assert answer.status == 200
    assert (answer.code_cr, answer.libelle_cr) == ("01", "Aucune identite trouvee")
    assert answer.find(".//r:INDIVIDU") is None


def test_tchitchi_with_local_first_name_ola_is_01_then_00(client):
    assert post(client, traits_request("TCHITCHI", "OLA", "F", "1936-06-21")).code_cr == "01"
    assert post(client, traits_request("TCHITCHI", "CATARINA BELLA", "F", "1936-06-21")).code_cr == "00"


@pytest.mark.parametrize("field, value", [("sexe", "M"), ("date", "1997-02-27"), ("lieu", "63220")])
def test_one_wrong_trait_gives_01(client, field, value):
    traits = {"nom": "ADRTROIS", "prenoms": "DOMINIQUE", "sexe": "F", "date": "1997-02-26", "lieu": None}
    traits[field] = value
    assert post(client, traits_request(**traits)).code_cr == "01"


def test_birth_place_when_given_must_match(client):
    assert post(client, traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-02-26", "2A020")).code_cr == "00"


def test_02_with_first_first_name_then_00_with_full_list(client):
    several = post(client, traits_request("DOUBLON", "MARIE", "F", "1985-05-12"))
    assert (several.code_cr, several.libelle_cr) == ("02", "Plusieurs identites trouvees")
    assert several.find(".//r:INDIVIDU") is None
    one = post(client, traits_request("DOUBLON", "MARIE CLAIRE", "F", "1985-05-12"))
    assert one.code_cr == "00"
    assert one.matricule()[0] == "2850563113101"


def test_02_resolved_by_birth_place(client):
    answer = post(client, traits_request("DOUBLON", "MARIE", "F", "1985-05-12", "69123"))
    assert answer.code_cr == "00"
    assert answer.matricule()[0] == "2850569123202"


def test_carte_vitale_own_card(client):
    answer = post(client, vitale_request(("297022A020778", "78"), "1997-02-26", "1"))
    assert answer.status == 200
    assert answer.code_cr == "00"
    assert answer.matricule()[0] == "297022A020778"
    assert answer.text(".//wsa:Action") == "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitaleResponse"


def test_carte_vitale_child_on_parent_card(client):
    answer = post(client, vitale_request(("1780363220123", "71"), "2009-07-14", "1"))
    assert answer.matricule()[0] == "1090763220834"


def test_carte_vitale_twins_need_the_rank(client):
    assert post(client, vitale_request(("2780563220555", "09"), "2015-09-03")).code_cr == "02"
    answer = post(client, vitale_request(("2780563220555", "09"), "2015-09-03", "2"))
    assert answer.code_cr == "00"
    assert answer.text(".//r:TIQ/r:Prenom") == "LEO"


def test_carte_vitale_by_beneficiary_matricule(client):
    answer = post(client, vitale_request(None, "1980-03-02", individu=("180032B020401", "23")))
    assert answer.matricule()[0] == "180032B020401"


def test_carte_vitale_unknown_card_is_01(client):
    assert post(client, vitale_request(("1010175056001", None), "2001-01-01", "1")).code_cr == "01"


def test_operations_are_recorded_with_their_names(client, store):
    post(client, traits_request("ADRTROIS", "DOMINIQUE", "F", "1997-02-26"))
    post(client, vitale_request(("297022A020778", "78"), "1997-02-26", "1"))
    assert [e.operation for e in store.exchanges(service="insi")] == [TRAITS, VITALE]
