"""A stock SOAP client (zeep) loads the official WSDL and calls both operations on the mock.

zeep fetches the WS-Addressing schema the WSDL imports by URL: a Transport
serves that URL from the local copy and refuses every other remote address,
so the test never touches the network.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
import requests
from insi_mock_support import IDAM, LPS_NAME

zeep = pytest.importorskip("zeep")
from zeep.transports import Transport  # noqa: E402
from zeep.wsa import WsAddressingPlugin  # noqa: E402

from segur_harness.config import reference_dir  # noqa: E402

WS_ADDR_URL = "http://www.w3.org/2006/03/addressing/ws-addr.xsd"


class OfflineTransport(Transport):
    """Serves the ws-addr.xsd URL from disk; any other remote load is an error."""

    def __init__(self, ws_addr: Path, allowed_prefix: str) -> None:
        super().__init__(session=requests.Session())
        self.ws_addr = ws_addr
        self.allowed_prefix = allowed_prefix

    def load(self, url: str) -> bytes:
        if url == WS_ADDR_URL:
            return self.ws_addr.read_bytes()
        if url.startswith(("http://", "https://")):
            raise AssertionError(f"zeep tried to fetch {url} from the network")
        return super().load(url)

    def post(self, address, message, headers):
        assert address.startswith(self.allowed_prefix), f"refusing to post to {address}"
        return super().post(address, message, headers)


@pytest.fixture
def insi_client(live, insi_wsdl, reference):
    ws_addr = reference / "w3c" / "ws-addr.xsd"
    if not ws_addr.is_file():
        pytest.skip(f"{ws_addr} absent")
    assert reference == reference_dir()
    transport = OfflineTransport(ws_addr, live)
    client = zeep.Client(str(insi_wsdl / "DESIR_ICIR_EXP_1.5.0.wsdl"), transport=transport,
                         plugins=[WsAddressingPlugin()])
    service = client.create_service("{http://www.cnamts.fr/webservice}ICIRServiceBinding", f"{live}/lps")
    return client, service


def soap_headers(client) -> list:
    now = dt.datetime.now(dt.UTC)
    lps = client.get_element("{urn:siram:lps:ctxlps}ContexteLPS")(
        Id=str(uuid.uuid4()), Temps=now, Emetteur="medecin@example.org",
        LPS={"IDAM": {"_value_1": IDAM, "R": "4"}, "Version": "1.0.0", "Instance": str(uuid.uuid4()),
             "Nom": LPS_NAME},
        Nature="CTXLPS", Version="01_00")
    bam = client.get_element("{urn:siram:bam:ctxbam}ContexteBAM")(
        Id=str(uuid.uuid4()), Temps=now, Emetteur="medecin@example.org", COUVERTURE={}, Version="01_02")
    return [lps, bam]


def test_zeep_calls_both_operations(insi_client, store):
    client, service = insi_client
    traits = service.rechercherInsAvecTraitsIdentite(
        NomNaissance="ECETINSI", Prenom=["PIERRE-ALAIN"], Sexe="M", DateNaissance="2009-07-14",
        _soapheaders=soap_headers(client))
    assert traits.CR.CodeCR == "00"
    assert traits.INDIVIDU.INSACTIF.IdIndividu.NumIdentifiant == "1090763220834"
    assert len(traits.INDIVIDU.INSHISTO) == 2
    vitale = service.rechercherInsAvecCarteVitale(
        MatriculeOD={"NumIdentifiant": "297022A020778", "Cle": "78"}, DateNaissance="1997-02-26",
        RangNaissance="1", _soapheaders=soap_headers(client))
    assert vitale.CR.CodeCR == "00"
    assert vitale.INDIVIDU.TIQ.NomNaissance == "ADRTROIS"
    exchanges = store.exchanges(service="insi")
    assert [e.operation for e in exchanges] == ["rechercherInsAvecTraitsIdentite", "rechercherInsAvecCarteVitale"]
    assert all(not e.errors for e in exchanges), [e.findings for e in exchanges]


def test_zeep_sees_siram_fault(insi_client):
    client, service = insi_client
    headers = soap_headers(client)
    headers[0].LPS.IDAM._value_1 = "INCONNU"
    with pytest.raises(zeep.exceptions.Fault) as caught:
        service.rechercherInsAvecTraitsIdentite(NomNaissance="ADRTROIS", Prenom=["DOMINIQUE"], Sexe="F",
                                                DateNaissance="1997-02-26", _soapheaders=headers)
    assert "n'est pas autorisé" in caught.value.message
