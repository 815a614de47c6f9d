"""INSi mock admin API: reset, scenario tagging, exchange listing, injected behaviours."""

from __future__ import annotations

import time

from insi_mock_support import CT, TRAITS, VITALE, Answer, traits_request, vitale_request

HEADERS = {"Content-Type": CT}
VALID = ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")


def post(client, body: bytes | None = None) -> Answer:
    response = client.post("/lps", data=body or traits_request(*VALID), headers=HEADERS)
    return Answer(response.status_code, response.data)


def test_health(client):
    assert client.get("/_admin/health").json == {"service": "insi", "status": "up"}


def test_scenario_tagging_and_filtering(client):
    client.put("/_admin/scenario", json={"scenario_id": "INS-2.04"})
    post(client)
    client.put("/_admin/scenario", json={"scenario_id": None})
    post(client)
    tagged = client.get("/_admin/exchanges?scenario_id=INS-2.04").json
    assert [e["scenario_id"] for e in tagged] == ["INS-2.04"]
    assert len(client.get("/_admin/exchanges").json) == 2


def test_exchange_listing_by_operation_and_without_bodies(client):
    post(client)
    post(client, vitale_request(("297022A020778", "78"), "1997-02-26", "1"))
    vitale = client.get(f"/_admin/exchanges?operation={VITALE}&bodies=0").json
    assert len(vitale) == 1 and "request_body" not in vitale[0]
    first_id = client.get(f"/_admin/exchanges?operation={TRAITS}").json[0]["id"]
    assert [e["operation"] for e in client.get(f"/_admin/exchanges?since_id={first_id}").json] == [VITALE]


def test_injected_fault_default_is_technical_error(client, store):
    client.post("/_admin/behaviours", json={"kind": "fault", "times": 1})
    answer = post(client)
    assert answer.status == 500
    assert answer.fault_code == "soap:Receiver"
    assert answer.subcode.endswith(":siram_40")
    assert answer.erreur_code == "insi_102"
    assert post(client).code_cr == "00", "times=1: the next call is normal again"
    assert "INSI-INJECTED" in [f.rule for f in store.exchanges(service="insi")[-2].findings]


def test_injected_fault_by_catalogue_code(client):
    client.post("/_admin/behaviours", json={"kind": "fault", "params": {"code": "siram_100"}, "operation": TRAITS})
    assert post(client).erreur_code == "desir_550"
    assert post(client, vitale_request(("297022A020778", "78"), "1997-02-26", "1")).code_cr == "00"


def test_injected_fault_unknown_code_falls_back_with_warning(client, store):
    client.post("/_admin/behaviours", json={"kind": "fault", "params": {"code": "nope"}})
    assert post(client).erreur_code == "insi_102"
    assert "INSI-INJECTED-CODE" in [f.rule for f in store.exchanges(service="insi")[-1].findings]


def test_outage_and_delay(client, store):
    client.post("/_admin/behaviours", json={"kind": "outage", "times": 1})
    assert client.post("/lps", data=traits_request(*VALID), headers=HEADERS).status_code == 503
    client.post("/_admin/behaviours", json={"kind": "delay", "params": {"seconds": 0.2}, "times": 1})
    started = time.monotonic()
    assert post(client).code_cr == "00"
    assert time.monotonic() - started >= 0.2
    assert [e.status for e in store.exchanges(service="insi")] == [503, 200]


def test_reset_clears_behaviours_and_scenario_not_exchanges(client):
    client.put("/_admin/scenario", json={"scenario_id": "S1"})
    client.post("/_admin/behaviours", json={"kind": "outage"})
    assert len(client.get("/_admin/behaviours").json) == 1
    client.post("/lps", data=traits_request(*VALID), headers=HEADERS)
    client.post("/_admin/reset")
    assert client.get("/_admin/behaviours").json == []
    assert post(client).code_cr == "00"
    exchanges = client.get("/_admin/exchanges").json
    assert [e["scenario_id"] for e in exchanges] == ["S1", None]
