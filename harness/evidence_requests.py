"""`evidence verify --rerun` for the recorded requests: the INSi, DMP and PSC mocks and the MSSanté content checks
judge each one again and the result is compared with the findings recorded at the time (exchange.json).

Only the checks a replay can redo are compared: INSi's every check but the
client certificate (the TLS handshake is not in the bundle); DMP's transport
(content type, MTOM, SOAP, WS-Addressing, headers), its VIHF (signature,
validity at the recorded time, attributes, structure) and the ITI-41 metadata
checks that need no registry state. What depends on the DMP's state at that
moment (patient status, registry contents, oppositions) or on the CDA
validation service (the fed documents are judged as bundle documents) is left
out. A verdict (valid = no error finding) or an error / warning set that
differs is a difference; a check the replay could not run although the run
did (no INSi XSD, no CI-SIS pack here) makes the rerun incomplete. The
MSSanté messages (evidence_mss.py) and PSC requests (evidence_psc.py) say
there what of theirs is compared; an SMTP or IMAP session's findings are
facts of the wire (TLS, STARTTLS, client certificate): kept, counted apart.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from typing import Any

from segur_harness import evidence_mss, evidence_psc
from segur_harness.evidence import member_json
from segur_harness.evidence_replay import CA_MEMBER, MSS_SERVICES, SETTINGS_KEY, Replayer, bearer
from segur_harness.store import Finding

TRANSPORT_PREFIXES = ("DMP-HTTP-CT", "DMP-MTOM", "DMP-SOAP-", "DMP-WSA-", "DMP-HDR-")
VIHF_PREFIXES = ("DMP-VIHF-", "DMP-STRUCTURE")
DMP_METADATA_RULES = frozenset(f"DMP-XDS-{n:03d}" for n in (*range(1, 9), *range(10, 21), *range(24, 28), 29, 35))
"""ITI-41 rules of the static metadata checks (mocks/dmp/metadata.py): the others read the registry."""
DMP_STATEFUL = frozenset({"DMP-MTOM-REPONSE", "DMP-VIHF-BDG"})
"""About the answer, or the patient's opposition at that moment."""
REGISTRY_READS = ("ITI-18", "ITI-43", "ITI-57")
"""Transactions whose patient (for the VIHF resource-id check) is read from the registry."""
INSI_LEFT_OUT = ("INSI-TLS", "INSI-HTTP", "INSI-INJECTED", "INSI-FAULT-CATALOGUE", "INJECTED", "MOCK-")
COULD_NOT_RUN = {"INSI-XSD-INDISPONIBLE": "XSD INSi officielles absentes",
                 "DMP-VIHF-JDV-INDISPONIBLE": "jeux de valeurs du pack CI-SIS absents (VIHF)",
                 "DMP-XDS-006": "jeux de valeurs du pack CI-SIS absents (métadonnées XDS)"}  # fmt: skip
"""Findings saying a check did not run: present in the replay but not in the run = not judged like the run."""


@dataclass
class RequestRerun:
    checked: int = 0
    by_service: dict[str, int] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Sessions whose recorded findings stand (facts of the wire, not in the bundle)."""


SERVICES = ("insi", "dmp", "psc", *MSS_SERVICES)


def in_scope(service: str, operation: str, rule: str, signatures: bool) -> bool:
    """True when the replay redoes the check behind `rule` (see the module docstring)."""
    if service == "insi":
        return not rule.startswith(INSI_LEFT_OUT)
    if service == "psc":
        return evidence_psc.in_scope(rule)
    if service in MSS_SERVICES:
        return evidence_mss.in_scope(rule)
    if rule in DMP_STATEFUL:
        return False
    if rule.startswith(TRANSPORT_PREFIXES):
        return True
    if not signatures:
        return False  # without the run's CA nothing after the VIHF signature is judged
    if rule == "DMP-VIHF-RESOURCE":
        return operation not in REGISTRY_READS
    return rule.startswith(VIHF_PREFIXES) or rule in DMP_METADATA_RULES


def _rules(findings: list[Finding], severity: str, keep: Any) -> set[str]:
    return {f.rule for f in findings if f.severity == severity and keep(f.rule)}


def _findings(record: dict[str, Any]) -> list[Finding]:
    out = []
    for f in record.get("findings") or []:
        if isinstance(f, dict) and isinstance(f.get("rule"), str):
            out.append(Finding(str(f.get("severity", "")), f["rule"], str(f.get("message", ""))))
    return out


def compare(path: str, service: str, operation: str, recorded: list[Finding], fresh: list[Finding],
            signatures: bool) -> str | None:  # fmt: skip
    """One French line when the replay's verdict, errors or warnings differ from the recorded ones, else None."""

    def keep(rule: str) -> bool:
        return in_scope(service, operation, rule, signatures)

    old_errors, new_errors = _rules(recorded, "error", keep), _rules(fresh, "error", keep)
    old_warnings, new_warnings = _rules(recorded, "warning", keep), _rules(fresh, "warning", keep)
    if old_errors == new_errors and old_warnings == new_warnings:
        return None
    before, after = ("invalid" if old_errors else "valid"), ("invalid" if new_errors else "valid")
    detail = [f"verdict enregistré {before}, rejoué {after}"]
    for label, old, new in (("erreurs", old_errors, new_errors), ("avertissements", old_warnings, new_warnings)):
        if new - old:
            detail.append(f"{label} en plus : " + ", ".join(sorted(new - old)))
        if old - new:
            detail.append(f"{label} en moins : " + ", ".join(sorted(old - new)))
    return f"{path} : " + " ; ".join(detail)


def _exchanges(archive: zipfile.ZipFile) -> list[tuple[str, str | None]]:
    """(exchange folder, request member) of every recorded mock exchange."""
    names = archive.namelist()
    requests = {n.rsplit("/", 1)[0]: n for n in names if "/exchanges/" in n and n.rsplit("/", 1)[-1].startswith(
        "request.")}  # fmt: skip
    return [(folder, requests.get(folder)) for folder in sorted(
        n.rsplit("/", 1)[0] for n in names if "/exchanges/" in n and n.endswith("/exchange.json"))]




def _ca(archive: zipfile.ZipFile) -> bytes | None:
    try:
        return archive.read(CA_MEMBER)
    except (KeyError, zipfile.BadZipFile, OSError):
        return None


def rerun_requests(archive: zipfile.ZipFile, metadata: dict[str, Any], pack_dir: Any = None) -> RequestRerun:
    """Judge every recorded INSi, DMP, PSC and MSSanté request of the bundle again and compare (module docstring)."""
    out = RequestRerun()
    targets = []
    for folder, request in _exchanges(archive):
        record = member_json(archive, f"{folder}/exchange.json")
        if record is not None and record.get("service") in SERVICES:
            targets.append((folder, request, record))
    if not targets:
        return out
    with Replayer(metadata.get(SETTINGS_KEY), _ca(archive), pack_dir) as replayer:
        out.warnings += replayer.warnings
        replayer.userinfo = _userinfo_answers(archive, targets)
        if not replayer.verifies_signatures and any(r.get("service") == "dmp" for _, _, r in targets):
            out.warnings.append(f"signature des VIHF non vérifiable : le bundle ne contient pas le certificat de "
                                f"l'autorité de test du run ({CA_MEMBER}) ; pour les requêtes DMP, seul le "
                                "transport (SOAP, MTOM, adressage) est rejugé")  # fmt: skip
        for folder, request, record in targets:
            _one(out, replayer, archive, folder, request, record)
    return out


def _one(out: RequestRerun, replayer: Replayer, archive: zipfile.ZipFile, folder: str, request: str | None,
         record: dict[str, Any]) -> None:  # fmt: skip
    try:
        body = archive.read(request) if request else b""
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        out.differences.append(f"{folder} : requête illisible dans l'archive, non rejugée")
        return
    service, operation = str(record.get("service")), str(record.get("operation") or "")
    try:
        judged = replayer.judge(record, body)
    except Exception as exc:  # noqa: BLE001 - a replay that breaks is the harness's problem, said, never fatal
        out.warnings.append(f"{folder} : rejeu impossible ({type(exc).__name__}: {exc})")
        out.incomplete.append(f"{folder} : rejeu en échec")
        return
    if judged.skipped:
        out.skipped.append(f"{folder} : {judged.skipped}")
        return
    if judged.kept:
        out.kept.append(f"{folder} : {judged.kept}")
        return
    recorded = _findings(record)
    before, after = {f.rule for f in recorded}, {f.rule for f in judged.findings}
    missing = [text for rule, text in COULD_NOT_RUN.items() if rule in after and rule not in before]
    if missing:
        out.incomplete.append(f"{folder} : {', '.join(missing)} ici")
        return
    out.checked += 1
    out.by_service[service] = out.by_service.get(service, 0) + 1
    if any(rule in before and rule not in after for rule in COULD_NOT_RUN):
        out.warnings.append(f"{folder} : le rejeu a fait des contrôles que le run n'avait pas pu faire "
                            f"({', '.join(sorted(r for r in COULD_NOT_RUN if r in before))} au run) : "
                            "ses constats ne sont pas comparés")  # fmt: skip
        return
    difference = compare(folder, service, operation, recorded, judged.findings, replayer.verifies_signatures)
    if difference:
        out.differences.append(difference)


def _userinfo_answers(archive: zipfile.ZipFile, targets: list[tuple[str, str | None, dict[str, Any]]]
                      ) -> dict[str, tuple[int, bytes]]:  # fmt: skip
    """(HTTP status, body) of every PSC userinfo answer of the bundle, by the access token it was asked about."""
    names = set(archive.namelist())
    out = {}
    for folder, _request, record in targets:
        token = bearer(dict(record.get("request_headers") or {}))
        if record.get("service") != "psc" or record.get("operation") != "userinfo" or not token:
            continue
        member = next((n for n in sorted(names) if n.startswith(f"{folder}/response.")), None)
        try:
            out[token] = (int(record.get("status") or 0), archive.read(member) if member else b"")
        except (KeyError, zipfile.BadZipFile, OSError, ValueError):
            continue
    return out
