"""A recorded INSi or DMP request run again through the mock's own code, offline, for `evidence verify --rerun`.

The bundle keeps each request's raw bytes, its HTTP headers, the time it
arrived, and what the mocks were configured with (metadata.json
`mock_settings`) plus the run's test CA certificate (`pki/ca.pem`, public:
it verifies the VIHF signatures). The mock services are built from those, on
a throwaway store, and handle each request as they did during the run:
the same checks, not a copy of them. A DMP request is judged at its recorded
time (a VIHF's NotOnOrAfter and the signer's certificate have expired since).
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch

from segur_harness.store import Finding

CA_MEMBER = "pki/ca.pem"
SETTINGS_KEY = "mock_settings"
REPLAYED_SERVICES = ("insi", "dmp", "psc")
"""Mocks whose settings the bundle keeps; the MSSanté content checks take theirs from fixtures/mss (data_files)."""
FILE_KEYS = {"insi": ("identities_file", "errors_file", "ws_addressing_xsd"),
             "dmp": ("patients_file", "structures_file", "errors_file", "documents_file", "valuesets_file"),
             "psc": ("clients_file", "professionals_file", "errors_file")}
"""Settings naming a data file of the run: used when the file is here too, else the harness's own (a warning)."""
PSC_PREFIX = "/psc/"
MSS_SERVICES = ("mss-smtp", "mss-imap")
NOT_HANDLED_RULES = ("INSI-INJECTED", "DMP-INJECTED", "INSI-HTTP", "DMP-HTTP", "MOCK-CRASH")
"""A finding of these rules means the mock never judged the request: an injected answer, a transport refusal."""


def replay_material(cfg: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
    """What a bundle carries so its requests can be judged again: the INSi, DMP and PSC mock settings of the run and
    the run's test CA certificate (never a key)."""
    mocks = cfg.get("mocks", {})
    settings = {"max_body_bytes": mocks.get("max_body_bytes"),
                **{name: copy.deepcopy(mocks.get(name, {})) for name in REPLAYED_SERVICES}}  # fmt: skip
    pki_dir = (mocks.get("dmp") or {}).get("pki_dir")
    ca = Path(str(pki_dir)).expanduser().resolve() / "ca.pem" if pki_dir else None
    try:
        return settings, ca.read_bytes() if ca is not None and ca.is_file() else None
    except OSError:
        return settings, None


@dataclass
class Judgement:
    """The mock's findings on a replayed request; `skipped` says why it was not replayed instead."""

    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None
    kept: str | None = None
    """Why the recorded findings stand as they are (facts that only existed on the wire), instead of a replay."""


def recorded_time(record: dict[str, Any]) -> datetime:
    """The exchange's start (ISO 8601 in exchange.json, epoch seconds in format 1) as an aware UTC datetime."""
    value = record.get("started_at")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        return datetime.now(UTC)


def not_handled(record: dict[str, Any]) -> str | None:
    """Why the mock did not judge this request during the run (so there is nothing to compare), or None."""
    rules = {f.get("rule") for f in record.get("findings") or [] if isinstance(f, dict)}
    if rules & {"INSI-INJECTED", "DMP-INJECTED"} or any(
            f.get("rule") == "INJECTED" and "outage" in str(f.get("message")) for f in record.get("findings") or []):
        return "réponse injectée par le scénario : le simulateur n'a pas jugé la requête"
    if rules & set(NOT_HANDLED_RULES):
        return "refusée par le transport du simulateur avant toute analyse"
    return None


@contextmanager
def _environ(**values: str | None) -> Iterator[None]:
    """Environment variables set for the mocks' construction only (their store and pack come from there)."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _request(record: dict[str, Any], body: bytes) -> Any:
    from flask import Request
    from werkzeug.test import EnvironBuilder

    headers = {k: str(v) for k, v in (record.get("request_headers") or {}).items() if k.lower() != "content-length"}
    builder = EnvironBuilder(path=str(record.get("path") or "/"), method=str(record.get("method") or "POST"),
                             headers=headers, data=body)  # fmt: skip
    try:
        return builder.get_request(Request)
    finally:
        builder.close()


class _RecordedUserinfo:
    """`requests` as the DMP's PSC gateway sees it, answering userinfo with the PSC exchange of the bundle."""

    RequestException = Exception

    def __init__(self, status: int, body: bytes) -> None:
        self.status_code, self._body = status, body

    def get(self, *_args: object, **_kwargs: object) -> _RecordedUserinfo:
        return self

    def json(self) -> Any:
        import json

        return json.loads(self._body)


def bearer(headers: dict[str, Any]) -> str:
    """The access token of an `Authorization: Bearer` header, else ""."""
    value = str(next((v for k, v in headers.items() if k.lower() == "authorization"), ""))
    return value[7:].strip() if value[:7].lower() == "bearer " else ""


class Replayer:
    """The INSi, DMP and PSC mock services of a bundle's run and the MSSanté content checks, built once, judging
    recorded requests."""

    def __init__(self, settings: dict[str, Any] | None, ca_pem: bytes | None, pack_dir: Path | None = None) -> None:
        from segur_harness.config import load_config

        self.warnings: list[str] = []
        self._folder = tempfile.TemporaryDirectory(prefix="segur-evidence-rerun-")
        self.root = Path(self._folder.name)
        self.cfg = copy.deepcopy(load_config())
        if settings is None:
            self.warnings.append("le bundle ne dit pas les réglages des simulateurs du run (metadata.json "
                                 f"{SETTINGS_KEY}) : requêtes rejugées avec ceux de ce harness")  # fmt: skip
        self._merge(settings or {})
        self.ca_path: Path | None = None
        if ca_pem:
            self.ca_path = self.root / "run-ca.pem"
            self.ca_path.write_bytes(ca_pem)
        self.pack_dir = pack_dir
        self._services: dict[str, Any] = {}
        self.userinfo: dict[str, tuple[int, bytes]] = {}
        """PSC userinfo answers of the bundle by access token: what the DMP's PSC gateway was told."""

    def close(self) -> None:
        self._folder.cleanup()

    def __enter__(self) -> Replayer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _merge(self, settings: dict[str, Any]) -> None:
        mocks = self.cfg["mocks"]
        if isinstance(settings.get("max_body_bytes"), int):
            mocks["max_body_bytes"] = settings["max_body_bytes"]
        for service in REPLAYED_SERVICES:
            recorded = dict(settings.get(service) or {})
            for key in FILE_KEYS[service]:
                value = recorded.get(key)
                if value and not Path(str(value)).expanduser().is_file():
                    self.warnings.append(f"fichier {key} du run ({value}) absent ici : le simulateur {service} "
                                         "rejoue avec celui de ce harness")  # fmt: skip
                    recorded.pop(key)
            section = mocks.setdefault(service, {})
            for key, value in recorded.items():
                section[key] = {**section.get(key, {}), **value} if isinstance(value, dict) else value
        mocks["insi"]["tls"] = False  # the client certificate is not in the bundle: INSI-TLS-* are not judged
        mocks["dmp"].update({"pki_dir": str(self.root / "pki"), "cda_validation": "off"})
        self.cfg.setdefault("paths", {})["store"] = str(self.root / "replay.sqlite")

    def _service(self, name: str) -> Any:
        if name not in self._services:
            pack = str(self.pack_dir) if self.pack_dir else os.environ.get("SEGUR_CISIS_PACK")
            with _environ(SEGUR_STORE=str(self.root / "replay.sqlite"), SEGUR_CISIS_PACK=pack,
                          SEGUR_VALIDATOR_URL=None):  # fmt: skip
                self._services[name] = self._build(name)
        return self._services[name]

    def _build(self, name: str) -> Any:
        if name == "insi":
            from segur_harness.mocks.insi.service import InsiService

            return InsiService(self.cfg)
        if name == "psc":
            from segur_harness.evidence_psc import PscReplay

            return PscReplay(self.cfg, self.root)
        from segur_harness.mocks.dmp.service import DmpService
        from segur_harness.mocks.dmp.vihf import VihfVerifier

        service = DmpService(self.cfg)
        ca = self.ca_path or self.root / "ca-absente-du-bundle.pem"
        service.verifier = VihfVerifier(self.cfg["mocks"]["dmp"], service.structures, ca)
        return service

    @property
    def verifies_signatures(self) -> bool:
        return self.ca_path is not None

    def judge(self, record: dict[str, Any], body: bytes) -> Judgement:
        """The findings of the run's mock on this recorded request, now (DMP: at its recorded time)."""
        service = record.get("service")
        if service in MSS_SERVICES:
            return self._mss(record, body)
        if service not in REPLAYED_SERVICES:
            return Judgement(skipped=f"service {service} non rejoué")
        reason = not_handled(record)
        if reason:
            return Judgement(skipped=reason)
        if service == "psc":
            from segur_harness.evidence_psc import not_replayable

            reason = not_replayable(record, body)
            if reason:
                return Judgement(skipped=reason)
            return Judgement(findings=self._service("psc").judge(_request(record, body), record, body))
        request = _request(record, body)
        if service == "insi":
            return Judgement(findings=list(self._service("insi").handle(request, body).findings))
        if PSC_PREFIX in str(record.get("path") or ""):
            return self._dmp_psc(record, body, request)
        result = self._service("dmp").handle(request, body, now=recorded_time(record))
        return Judgement(findings=list(result.findings))

    def _mss(self, record: dict[str, Any], body: bytes) -> Judgement:
        from segur_harness.evidence_mss import MESSAGE, WIRE_ONLY, judge_message

        if record.get("service") == "mss-smtp" and record.get("operation") == MESSAGE:
            reason = not_handled(record)
            return Judgement(skipped=reason) if reason else Judgement(findings=judge_message(record, body))
        if "DELIVERY" in str(record.get("operation") or ""):
            return Judgement(skipped="dépôt dans une boîte fait par le harness, pas une requête du SUT")
        return Judgement(kept=WIRE_ONLY)

    def _dmp_psc(self, record: dict[str, Any], body: bytes, request: Any) -> Judgement:
        """The DMP's PSC entry with the userinfo answer PSC gave the gateway then, when the bundle has it."""
        from segur_harness.mocks.dmp import psc_gateway

        answer = self.userinfo.get(bearer(dict(record.get("request_headers") or {})))
        if answer is None:
            return Judgement(skipped="entrée Pro Santé Connect : le VIHF y est construit par la passerelle à partir "
                                     "du userinfo PSC, dont la réponse pour ce jeton n'est pas dans le bundle")
        with patch.object(psc_gateway, "requests", _RecordedUserinfo(*answer)):
            result = self._service("dmp").handle(request, body, now=recorded_time(record))
        return Judgement(findings=list(result.findings))
