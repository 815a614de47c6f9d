"""The reference SUT's own INS rules, INSi answer parsing and workflow, without a network.

INSi answers are served with `responses` (canned HTTP replies, not a mock of
the service's logic) so each RNIV rule and each defect switch is checked alone.
"""

from __future__ import annotations

import pytest
import responses

from segur_harness.sut.reference.defects import DEFECTS, UnknownDefect, check_defect
from segur_harness.sut.reference.ins_rules import check_key, expected_key, matricule_kind
from segur_harness.sut.reference.insi_response import InsiFault, InsiResult, UnreadableAnswer, parse_answer
from segur_harness.sut.reference.model import Registry
from segur_harness.sut.reference.settings import SutSettings
from segur_harness.sut.reference.traits import ReturnedTraits, Traits, differences
from segur_harness.sut.reference.workflows import Workflows

INSI_URL = "http://insi.test/lps"
SOAP = ('<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope">'
        "<soap:Body>{}</soap:Body></soap:Envelope>")


def resultat(code: str, individu: str = "") -> str:
    return SOAP.format(f'<RESULTAT xmlns="http://www.cnamts.fr/INSiResultat"><CR><CodeCR>{code}</CodeCR>'
                       f"<LibelleCR>lib {code}</LibelleCR></CR>{individu}</RESULTAT>")


def individu(number: str, key: str, oid: str, first_names: str, histo: tuple[tuple[str, str], ...] = ()) -> str:
    def ins(tag: str, n: str, k: str) -> str:
        matricule = f"<IdIndividu><NumIdentifiant>{n}</NumIdentifiant><Cle>{k}</Cle></IdIndividu>"
        return f"<{tag}>{matricule}<OID>{oid}</OID></{tag}>"

    return ("<INDIVIDU>" + ins("INSACTIF", number, key) + "".join(ins("INSHISTO", n, k) for n, k in histo)
            + f"<TIQ><NomNaissance>TEST</NomNaissance><Prenom>{first_names.split()[0]}</Prenom>"
            f"<ListePrenom>{first_names}</ListePrenom><Sexe>M</Sexe><DateNaissance>2009-07-14</DateNaissance>"
            "<LieuNaissance>63220</LieuNaissance></TIQ></INDIVIDU>")


FAULT = SOAP.format(
    '<soap:Fault><soap:Code><soap:Value>soap:Receiver</soap:Value></soap:Code><soap:Reason>'
    '<soap:Text xml:lang="fr">Service inaccessible</soap:Text></soap:Reason><soap:Detail>'
    '<siram:Erreur xmlns:siram="urn:siram" code="insi_102" severite="fatale">erreur</siram:Erreur>'
    "</soap:Detail></soap:Fault>")


@pytest.mark.parametrize(("number", "key"), [("297022A020778", "78"), ("160012B020777", "13"),
                                            ("180032B020401", "23"), ("1090763220834", "89")])
def test_cnda_keys_are_accepted(number: str, key: str) -> None:
    assert check_key(number, key).ok


def test_hermann_gatien_key_is_refused_with_a_reason() -> None:
    result = check_key("1810363220456", "60")
    assert not result.ok and result.expected == "76" and "76" in result.reason


@pytest.mark.parametrize("number", ["297022A020778", "160012B020777", "180032B020401"])
def test_naive_corsica_variant_really_differs_on_corsica_only(number: str) -> None:
    assert expected_key(number, naive_corsica=True) != expected_key(number)
    assert expected_key("1090763220834", naive_corsica=True) == expected_key("1090763220834")


def test_malformed_matricules_are_refused() -> None:
    assert not check_key("12345", "11").ok
    assert not check_key("1090763220834", "8").ok


def test_nir_and_nia_are_told_by_oid() -> None:
    assert matricule_kind("1.2.250.1.213.1.4.9") == "NIA"
    assert matricule_kind("1.2.250.1.213.1.4.8") == "NIR"
    assert matricule_kind("1.2.250.1.213.1.4.10") == "NIR"
    assert matricule_kind("1.2.250.1.213.1.4.2") is None


def test_traits_comparison_allows_fewer_local_first_names_but_not_another_birth_place() -> None:
    local = Traits("Écetinsi", ["Pierre-Alain"], "M", "2009-07-14", "63220")
    returned = ReturnedTraits("ECETINSI", "PIERRE-ALAIN", ["PIERRE-ALAIN", "MURIEL"], "M", "2009-07-14", "63220")
    assert differences(local, returned) == []
    local.birth_place_cog = "75056"
    assert differences(local, returned) == ["birth_place_cog"]


def test_parse_answer_reads_results_faults_and_refuses_junk() -> None:
    parsed = parse_answer(resultat("00", individu("1090763220834", "89", "1.2.250.1.213.1.4.8", "A B",
                                                  (("2090763220834", "39"),))).encode())
    assert isinstance(parsed, InsiResult) and parsed.active.number == "1090763220834"
    assert [h.number for h in parsed.historic] == ["2090763220834"] and parsed.traits.first_names == ["A", "B"]
    fault = parse_answer(FAULT.encode())
    assert isinstance(fault, InsiFault) and fault.reason == "Service inaccessible" and fault.error_code == "insi_102"
    with pytest.raises(UnreadableAnswer):
        parse_answer(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")


def test_defect_names_are_checked() -> None:
    assert check_defect(None) is None and check_defect("key-not-checked") == "key-not-checked"
    with pytest.raises(UnknownDefect):
        check_defect("no-such-defect")
    assert all(description.strip() for description in DEFECTS.values())


def _workflows(defect: str | None = None) -> tuple[Workflows, Registry]:
    registry = Registry()
    settings = SutSettings(idam="I", lps_name="N", lps_version="1", insi_url=INSI_URL, insi_timeout_seconds=1,
                           defect=defect)
    return Workflows(registry, settings), registry


def _identity(registry: Registry, first_names: list[str]):
    return registry.add(Traits("TEST", first_names, "M", "2009-07-14"), "u")


@responses.activate
@pytest.mark.parametrize(("defect", "calls", "outcome"), [(None, 2, "FOUND"), ("no-retry-on-02", 1, "AMBIGUOUS")])
def test_02_is_retried_with_every_first_name(defect: str | None, calls: int, outcome: str) -> None:
    responses.post(INSI_URL, body=resultat("02"))
    responses.post(INSI_URL, body=resultat("00", individu("1090763220834", "89", "1.2.250.1.213.1.4.8", "A B")))
    workflows, registry = _workflows(defect)
    result = workflows.search_by_traits(_identity(registry, ["A", "B"]), "u")
    assert (len(responses.calls), result.outcome) == (calls, outcome)
    assert b"<recsans:Prenom>B</recsans:Prenom>" in responses.calls[-1].request.body or calls == 1


@responses.activate
@pytest.mark.parametrize(("defect", "status", "alert"), [(None, "PROV", True), ("swallows-faults", "PROV", False)])
def test_a_fault_changes_nothing_and_is_told_unless_swallowed(defect: str | None, status: str, alert: bool) -> None:
    responses.post(INSI_URL, body=FAULT, status=500)
    workflows, registry = _workflows(defect)
    result = workflows.search_by_traits(_identity(registry, ["A"]), "u")
    assert result.identity.status == status and result.alert is alert
    assert ("Service inaccessible" in result.message) is alert
    assert [t.result for t in registry.traces] == ["FAULT"]


@responses.activate
@pytest.mark.parametrize(("defect", "number"), [(None, "1090763220834"), ("uses-historic-ins", "2090763220834")])
def test_insactif_is_taken_unless_the_historic_defect_is_on(defect: str | None, number: str) -> None:
    responses.post(INSI_URL, body=resultat("00", individu("1090763220834", "89", "1.2.250.1.213.1.4.8", "A",
                                                          (("2090763220834", "39"),))))
    workflows, registry = _workflows(defect)
    result = workflows.search_by_traits(_identity(registry, ["A"]), "u")
    assert result.identity.ins.number == number and result.identity.status == "RECUP"


@responses.activate
def test_status_follows_rniv_and_only_qual_shares_the_ins() -> None:
    responses.post(INSI_URL, body=resultat("00", individu("1090763220834", "89", "1.2.250.1.213.1.4.8", "A")))
    workflows, registry = _workflows()
    identity = _identity(registry, ["A"])
    workflows.search_by_traits(identity, "u")
    assert identity.status == "RECUP" and workflows.export(identity)["ins"] is None
    workflows.record_document(identity, "PERMIS_CONDUIRE", None, "u")
    assert identity.status == "RECUP"
    workflows.record_document(identity, "CNI", None, "u")
    assert identity.status == "QUAL" and workflows.export(identity)["ins"]["matricule"] == "1090763220834"
