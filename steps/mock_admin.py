"""Client of one mock's admin API (mocks/framework/admin.py): reset, scenario tag, exchanges, behaviours.

Any failure of an admin call (mock down, timeout, error status, garbage) is the
harness's trouble, never the SUT's: it raises HarnessError (the scenario is broken).
"""

from __future__ import annotations

from typing import Any

import requests

from segur_harness.errors import HarnessError, request_problem

from .evidence import attach_json


class MockAdmin:
    """Remote control of one mock; `since_id` hides exchanges older than the current scenario."""

    def __init__(self, name: str, url: str, admin_url: str, timeout: float = 30.0) -> None:
        self.name = name
        self.url = url
        self.admin = admin_url.rstrip("/")
        self.timeout = timeout
        self.since_id = 0

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = self.admin + path
        try:
            response = requests.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise HarnessError(f"API d'administration du simulateur {self.name} {method} {url} : "
                               f"{request_problem(exc, self.timeout)}") from None
        if not response.ok:
            raise HarnessError(f"API d'administration du simulateur {self.name} {method} {url} : "
                               f"HTTP {response.status_code} {response.text[:300]!r}")
        try:
            return response.json() if response.content else None
        except ValueError:
            raise HarnessError(f"API d'administration du simulateur {self.name} {method} {url} : "
                               f"réponse qui n'est pas du JSON : {response.text[:200]!r}") from None

    def reset(self) -> None:
        self._call("POST", "/reset")

    def start_scenario(self, scenario_id: str | None) -> None:
        """Tag later exchanges with `scenario_id` and remember where this run of it starts."""
        self._call("PUT", "/scenario", json={"scenario_id": scenario_id})
        previous = self._call("GET", "/exchanges", params={"scenario_id": scenario_id or "", "bodies": "0"})
        self.since_id = max((e["id"] for e in previous or []), default=0)

    def exchanges(self, scenario_id: str | None) -> list[dict[str, Any]]:
        """This scenario's exchanges (with bodies), oldest first.

        Not attached to the report here (a step may look several times): every
        exchange is attached once after the scenario (steps/allure_exchanges.py).
        """
        params = {"since_id": str(self.since_id)}
        if scenario_id is not None:
            params["scenario_id"] = scenario_id
        return self._call("GET", "/exchanges", params=params)

    def add_behaviour(self, kind: str, params: dict[str, Any], times: int | None = None,
                      operation: str | None = None) -> None:
        body = {"kind": kind, "params": params, "times": times, "operation": operation}
        attach_json(f"{self.name} mock: behaviour {kind} injected", body)
        self._call("POST", "/behaviours", json=body)

    def deliver(self, mailbox: str, raw: bytes) -> dict[str, Any]:
        """Put message `raw` in `mailbox` (the MSSanté IMAP mock's maildir), as a colleague's LPS would."""
        attach_json(f"{self.name} mock: message delivered to {mailbox}", {"mailbox": mailbox, "size": len(raw)})
        return self._call("POST", f"/mailboxes/{mailbox}/messages", data=raw,
                          headers={"Content-Type": "message/rfc822"})

    def mailbox(self, mailbox: str) -> list[dict[str, Any]]:
        """The messages of `mailbox` on the MSSanté IMAP mock, with their IMAP flags (seen or not)."""
        found = self._call("GET", f"/mailboxes/{mailbox}/messages")
        attach_json(f"{self.name} mock: mailbox {mailbox}", found)
        return found
