"""Client of one mock's admin API (mocks/framework/admin.py): reset, scenario tag, exchanges, behaviours."""

from __future__ import annotations

from typing import Any

import requests

from .evidence import attach_json


class MockAdmin:
    """Remote control of one mock; `since_id` hides exchanges older than the current scenario."""

    def __init__(self, name: str, url: str, admin_url: str, timeout: float = 30.0) -> None:
        self.name = name
        self.url = url
        self.admin = admin_url.rstrip("/")
        self.timeout = timeout
        self.since_id = 0

    def _check(self, response: requests.Response) -> Any:
        if not response.ok:
            raise AssertionError(f"{self.name} mock admin {response.request.method} {response.url}: "
                                 f"HTTP {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def reset(self) -> None:
        self._check(requests.post(self.admin + "/reset", timeout=self.timeout))

    def start_scenario(self, scenario_id: str | None) -> None:
        """Tag later exchanges with `scenario_id` and remember where this run of it starts."""
        self._check(requests.put(self.admin + "/scenario", json={"scenario_id": scenario_id}, timeout=self.timeout))
        previous = self._check(requests.get(self.admin + "/exchanges", timeout=self.timeout,
                                            params={"scenario_id": scenario_id or "", "bodies": "0"}))
        self.since_id = max((e["id"] for e in previous or []), default=0)

    def exchanges(self, scenario_id: str | None) -> list[dict[str, Any]]:
        """This scenario's exchanges (with bodies), oldest first."""
        params = {"since_id": str(self.since_id)}
        if scenario_id is not None:
            params["scenario_id"] = scenario_id
        found = self._check(requests.get(self.admin + "/exchanges", params=params, timeout=self.timeout))
        attach_json(f"{self.name} mock: {len(found)} exchange(s) recorded", found)
        return found

    def add_behaviour(self, kind: str, params: dict[str, Any], times: int | None = None,
                      operation: str | None = None) -> None:
        body = {"kind": kind, "params": params, "times": times, "operation": operation}
        attach_json(f"{self.name} mock: behaviour {kind} injected", body)
        self._check(requests.post(self.admin + "/behaviours", json=body, timeout=self.timeout))
