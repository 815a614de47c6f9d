"""Helpers the Gherkin steps rely on: tag encoding, table parsing, reading recorded INSi exchanges."""

from __future__ import annotations

import pytest

from segur_harness.catalogue import requirement_tag
from segur_harness.errors import HarnessError
from segur_harness.steps.insi_wire import read_exchange
from segur_harness.steps.tables import feature_word, traits_payload, vitale_payload
from segur_harness.sut.reference.insi_request import Caller, TraitsQuery, traits_request

CALLER = Caller("TEST-IDAM-0001", "SEGUR-HARNESS-SUT", "1.0.0", "instance", "IDE.MARTIN")


@pytest.mark.parametrize(("req_id", "tag"), [("INS/va1.41", "REQ_INS_va1_41"), ("SC.MSS/CONF.01", "REQ_SC_MSS_CONF_01"),
                                             ("EX_3.1-1030", "REQ_EX_3_1_1030")])
def test_requirement_tag_encoding_matches_the_catalogue(req_id: str, tag: str) -> None:
    assert requirement_tag(req_id) == tag


def test_trait_tables_become_adapter_payloads() -> None:
    payload = traits_payload([["nom de naissance", "DOUBLON"], ["prénoms de naissance", "MARIE  CLAIRE"],
                              ["sexe", "F"], ["date de naissance", "12/05/1985"], ["lieu de naissance", ""]])
    assert payload == {"birth_name": "DOUBLON", "birth_first_names": ["MARIE", "CLAIRE"], "sex": "F",
                       "birth_date": "1985-05-12"}
    assert vitale_payload([["rang de naissance", "2"], ["date de naissance", "2015-09-03"]]) == {
        "birth_rank": "2", "birth_date": "2015-09-03"}
    with pytest.raises(ValueError, match="problème du banc de test : champ inconnu 'couleur des yeux'"):
        traits_payload([["couleur des yeux", "bleu"]])


def test_recorded_exchange_facts_are_read_from_the_raw_bodies() -> None:
    built = traits_request(TraitsQuery("DOUBLON", ["MARIE", "CLAIRE"], "F", "1985-05-12", "63113"), CALLER)
    fault = ('<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><soap:Fault>'
             "<soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code><soap:Reason>"
             '<soap:Text xml:lang="fr">Accès refusé</soap:Text></soap:Reason></soap:Fault></soap:Body></soap:Envelope>')
    raw = {"id": 7, "status": 400, "request_body": built.body.decode(), "response_body": fault,
           "findings": [{"severity": "error", "rule": "R", "message": "m"}, {"severity": "info", "rule": "I"}]}
    exchange = read_exchange(raw)
    assert exchange.operation == "rechercherInsAvecTraitsIdentite"
    assert exchange.message_id == built.message_id
    assert exchange.first_names == ["MARIE", "CLAIRE"] and exchange.birth_place == "63113"
    assert exchange.lps_context["IDAM"] == "TEST-IDAM-0001" and exchange.lps_context["Nom"] == "SEGUR-HARNESS-SUT"
    assert (exchange.result, exchange.fault_reason) == ("FAULT", "Accès refusé")
    assert [f["rule"] for f in exchange.errors] == ["R"]


def test_unreadable_request_bodies_are_reported_not_raised() -> None:
    exchange = read_exchange({"id": 1, "status": 503, "request_body": "", "response_body": "indisponible"})
    assert exchange.unreadable and exchange.operation is None and exchange.result == "HTTP 503"


def test_an_unknown_feature_wording_is_the_harness_s_problem() -> None:
    assert feature_word({"accepté": "OK"}, "accepté", "résultat") == "OK"
    with pytest.raises(HarnessError, match="problème du banc de test : résultat « refus » inconnu .*connus : accepté"):
        feature_word({"accepté": "OK"}, "refus", "résultat")
