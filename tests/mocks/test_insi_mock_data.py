"""INSi mock data files and matching rules, without HTTP."""

from __future__ import annotations

import pytest
from stdnum.fr import nir

from segur_harness.mocks.insi.data import InsiDataError
from segur_harness.mocks.insi.faults import Catalogue
from segur_harness.mocks.insi.identities import load_identities
from segur_harness.mocks.insi.matching import TraitsIndex, TraitsQuery, search_traits


@pytest.fixture(scope="module")
def identities():
    return {i.label: i for i in load_identities()}


def test_every_public_cnda_identity_is_in_the_fixture(identities):
    for label in ("ADRTROIS DOMINIQUE", "ADRTROIS TOUSSAINT", "ECETINSI PIERRE-ALAIN", "PROVISOIRE MATRICULE",
                  "CORSE ANTHONY", "HERMANN GATIEN", "TCHITCHI OLA", "HOUILLES PIERRE PAUL JACQUES"):
        assert label in identities


def test_keys_are_right_except_hermann(identities):
    for ident in identities.values():
        if ident.actif is None:
            continue
        correct = nir.calc_check_digits(ident.actif.matricule) == ident.actif.cle
        assert correct is (ident.label != "HERMANN GATIEN"), ident.label


def test_houilles_is_never_found(identities):
    query = TraitsQuery("HOUILLES", "PIERRE", "M", "1993-01-27")
    assert search_traits(query, identities.values()) == []


def test_catalogue_has_the_observed_real_codes():
    catalogue = Catalogue()
    assert catalogue.cr_labels == {"00": "OK", "01": "Aucune identite trouvee", "02": "Plusieurs identites trouvees"}
    assert catalogue.find("siram_40").code == "insi_102"
    assert catalogue.find("desir_550").name == "autorisation_inconnue"
    assert catalogue.find("absent") is None


def test_broken_identity_file_names_the_problem(tmp_path):
    bad = tmp_path / "ids.toml"
    bad.write_text('[[identity]]\nlabel = "X"\n', encoding="utf-8")
    with pytest.raises(InsiDataError, match="missing field"):
        load_identities(bad)
    bad.write_text("not = [toml", encoding="utf-8")
    with pytest.raises(InsiDataError, match="not valid TOML"):
        load_identities(bad)


def test_traits_index_finds_what_the_linear_search_finds(identities):
    """The folded index gives search_traits' answer, in its order, for traits varied from every identity."""
    people = list(identities.values())
    index = TraitsIndex(people)
    queries = []
    for ident in people:
        for nom in (ident.nom_naissance, ident.nom_naissance.lower(), f" {ident.nom_naissance}é", "AUTRE"):
            for prenoms in (ident.premier_prenom, ident.liste_prenoms, ident.liste_prenoms.lower(), "X"):
                for sexe in (ident.sexe, ident.sexe.lower(), "M" if ident.sexe == "F" else "F"):
                    for lieu in (None, "", ident.lieu_naissance, ident.lieu_naissance.lower(), "99999", "  "):
                        queries.append(TraitsQuery(nom, prenoms, sexe, ident.date_naissance, lieu))
        queries.append(TraitsQuery(ident.nom_naissance, ident.premier_prenom, ident.sexe, "2000-01-01"))
    found = 0
    for query in queries:
        expected = search_traits(query, people)
        assert index.search(query) == expected, query
        found += bool(expected)
    assert found > len(people)  # the variations reach matches as well as misses
