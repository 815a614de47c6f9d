"""A client of the validation service with the engine's `validate_document` signature."""

from __future__ import annotations

import requests

from segur_harness import keepalive
from segur_harness.validation.model import FileResult


class ValidationServiceError(RuntimeError):
    """The validation service could not be reached or answered something unusable."""


class RemoteEngine:
    """Validates through `segur_harness.validation.service` at `url` (one warm engine for the whole run).

    Calls go through harness/keepalive.py: a kept-alive connection per thread (the DMP mock validates from
    several threads), one retry when the service closed it meanwhile (validation reads, never writes).
    """

    def __init__(self, url: str, timeout: float = 300.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def info(self) -> dict[str, str]:
        return self._get_json("/health")["engine"]

    def validate_document(self, data: bytes, name: str, schematron: str | None = None) -> FileResult:
        """`schematron`: a name the service resolves like `validate --schematron` (None: routed)."""
        params = {"name": name, **({"schematron": schematron} if schematron else {})}
        try:
            response = keepalive.request("POST", self.url + "/validate", params=params, data=data,
                                         headers={"Content-Type": "application/octet-stream"}, timeout=self.timeout)
            response.raise_for_status()
            return FileResult.from_dict(response.json())
        except (requests.RequestException, ValueError, KeyError) as exc:
            raise ValidationServiceError(f"validation service {self.url}: {exc}") from None

    def _get_json(self, path: str) -> dict:
        try:
            response = keepalive.request("GET", self.url + path, timeout=30)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ValidationServiceError(f"validation service {self.url}: {exc}") from None
