"""The set of mocks and the reference SUT for one run: where they listen, how to start them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segur_harness.mocks.framework.serving import gunicorn_command, mock_app_spec
from segur_harness.mocks.mss.settings import IMAP_SERVICE as MSS_IMAP_SERVICE
from segur_harness.mocks.mss.settings import SERVICE as MSS_SERVICE
from segur_harness.mocks.mss.settings import admin_port, imap_admin_port, imap_wanted
from segur_harness.mocks.registry import TCP_SERVICES
from segur_harness.pki import ensure_mss_pki
from segur_harness.processes import ServiceProcess, ServiceStartError, port_is_free, python_command

MOCK_NAMES = ("insi", "dmp", "psc", "mss")
"""Mocks started for a run, in start order (each has a [mocks.<name>] config section)."""
TCP_ENDPOINT_NAMES = {"mss": MSS_SERVICE}
"""TCP mocks (mocks/framework/tcp.py): their name in `mocks serve` lines, SEGUR_MOCKS and the store."""


@dataclass(frozen=True)
class Endpoint:
    service: str
    url: str
    admin: str


def mock_endpoints(cfg: dict[str, Any]) -> list[Endpoint]:
    """One endpoint per mock (MOCK_NAMES order), then mss-imap when the MSS mock runs dovecot."""
    host = cfg["mocks"]["host"]
    out = []
    for name in MOCK_NAMES:
        section = cfg["mocks"][name]
        if name in TCP_SERVICES:
            out.append(Endpoint(TCP_ENDPOINT_NAMES[name], f"smtp://{host}:{section['port']}",
                                f"http://{host}:{admin_port(section)}/_admin"))
            continue
        base = f"http://{host}:{section['port']}"
        out.append(Endpoint(name, base + section.get("path", ""), base + "/_admin"))
    if mss_imap(cfg):
        section = cfg["mocks"]["mss"]
        out.append(Endpoint(MSS_IMAP_SERVICE, f"imap://{host}:{section['imap_port']}",
                            f"http://{host}:{imap_admin_port(section)}/_admin"))
    return out


def mss_imap(cfg: dict[str, Any]) -> bool:
    """Whether the MSS mock runs IMAP (dovecot) for this configuration: the same rule the mock applies."""
    return imap_wanted(cfg["mocks"]["mss"])


def _psc_introspection(cfg: dict[str, Any]) -> str:
    section = cfg["mocks"]["mss"]
    return section.get("introspection_url") or f"http://{cfg['mocks']['host']}:{cfg['mocks']['psc']['port']}/introspect"


def shared_env(cfg: dict[str, Any]) -> dict[str, str]:
    """Environment every child (mocks, reference SUT) gets: the test PKI they agree on, as an absolute path.

    The PKI (CA, server and client certificates, the DMP "certificat de cachet",
    the MSSanté RSA server and application certificates)
    is generated once and reused until close to expiry.
    """
    pki = ensure_mss_pki(Path(cfg["mocks"]["dmp"]["pki_dir"]).expanduser().resolve())
    return {"SEGUR__MOCKS__DMP__PKI_DIR": str(pki.directory)}


def taken_ports(cfg: dict[str, Any], *, with_sut: bool, with_validator: bool = True) -> list[str]:
    """Every configured port a run needs that is already taken, named with its setting (all at once)."""
    wanted = [(cfg["mocks"]["host"], int(cfg["mocks"][name]["port"]), f"the {name} mock",
               f"SEGUR__MOCKS__{name.upper()}__PORT") for name in MOCK_NAMES]
    wanted += [(cfg["mocks"]["host"], admin_port(cfg["mocks"][name]), f"the {name} mock admin API",
                f"SEGUR__MOCKS__{name.upper()}__ADMIN_PORT") for name in MOCK_NAMES if name in TCP_SERVICES]
    if mss_imap(cfg):
        section = cfg["mocks"]["mss"]
        wanted += [(cfg["mocks"]["host"], int(section["imap_port"]), "the mss mock IMAP server (dovecot)",
                    "SEGUR__MOCKS__MSS__IMAP_PORT"),
                   (cfg["mocks"]["host"], imap_admin_port(section), "the mss-imap admin API",
                    "SEGUR__MOCKS__MSS__IMAP_ADMIN_PORT")]
    if with_validator:
        wanted.append((cfg["validator"]["host"], int(cfg["validator"]["port"]), "the validation service",
                       "SEGUR__VALIDATOR__PORT"))
    if with_sut:
        wanted.append((cfg["sut"]["host"], int(cfg["sut"]["port"]), "the reference SUT", "SEGUR__SUT__PORT"))
    return [f"port {port} for {what} (set {setting})" for host, port, what, setting in wanted
            if not port_is_free(host, port)]


def mocks_env_json(endpoints: list[Endpoint]) -> str:
    """The SEGUR_MOCKS value the steps read."""
    return json.dumps({e.service: {"url": e.url, "admin": e.admin} for e in endpoints})


def _ports_env(cfg: dict[str, Any]) -> dict[str, str]:
    """SEGUR__MOCKS__<NAME>__PORT of every mock of `cfg`, for the children that read the configuration."""
    return {f"SEGUR__MOCKS__{name.upper()}__PORT": str(cfg["mocks"][name]["port"]) for name in MOCK_NAMES}


def mock_processes(cfg: dict[str, Any], store: Path, log_dir: Path, workers: int | None = None) -> list[ServiceProcess]:
    """One process per mock, sharing the SQLite store: gunicorn for HTTP mocks, `python -m` for TCP ones.

    The gunicorn command line (worker model, limits) is mocks/framework/serving.py's.
    """
    host = cfg["mocks"]["host"]
    workers = workers or int(cfg["mocks"].get("workers", 1))
    procs = []
    for name, endpoint in zip(MOCK_NAMES, mock_endpoints(cfg)[: len(MOCK_NAMES)], strict=True):
        port = cfg["mocks"][name]["port"]
        if not port_is_free(host, port):
            raise ServiceStartError(
                f"port {port} for the {name} mock is taken; stop what uses it or set "
                f"SEGUR__MOCKS__{name.upper()}__PORT"
            )
        if name in TCP_SERVICES:
            section = cfg["mocks"][name]
            command = python_command("-m", TCP_SERVICES[name], "--port", str(port), "--admin-port",
                                     str(admin_port(section)), "--introspection-url", _psc_introspection(cfg))
            if name == "mss":
                command += ["--imap", "on", "--imap-port", str(section["imap_port"]), "--imap-admin-port",
                            str(imap_admin_port(section))] if mss_imap(cfg) else ["--imap", "off"]
            procs.append(ServiceProcess(name=f"{name} mock", command=command, health_url=endpoint.admin + "/health",
                                        log_path=log_dir / f"mock-{name}.log", env={"SEGUR_STORE": str(store)}))
            continue
        command = gunicorn_command(mock_app_spec(endpoint.service), host, int(port), workers)
        procs.append(
            ServiceProcess(
                name=f"{endpoint.service} mock",
                command=command,
                health_url=endpoint.admin + "/health",
                log_path=log_dir / f"mock-{endpoint.service}.log",
                # the child reads its own settings: it must see the ports this run's mocks serve on (a selfcheck
                # lane moves them), or values derived from them (the PSC issuer, the DMP's PSC userinfo URL)
                # would name another lane's mock
                env={"SEGUR_STORE": str(store), **_ports_env(cfg)},
            )
        )
    return procs


def reference_sut_process(cfg: dict[str, Any], log_dir: Path, defect: str | None = None) -> tuple[ServiceProcess, str]:
    """The bundled reference SUT (optionally with a named defect) and its adapter URL."""
    host, port = cfg["sut"]["host"], int(cfg["sut"]["port"])
    if not port_is_free(host, port):
        raise ServiceStartError(f"port {port} for the reference SUT is taken; set SEGUR__SUT__PORT")
    url = f"http://{host}:{port}"
    args = ["-m", "segur_harness.sut.reference", "--host", host, "--port", str(port)]
    if defect:
        args += ["--defect", defect]
    name = f"reference SUT ({defect})" if defect else "reference SUT"
    suffix = f"-{defect}" if defect else ""
    proc = ServiceProcess(name, python_command(*args), url + "/adapter/v1/info", log_dir / f"sut{suffix}.log")
    return proc, url


def validator_process(cfg: dict[str, Any], log_dir: Path) -> tuple[ServiceProcess, str]:
    """The CDA validation service (segur_harness.validation.service) and its base URL."""
    host, port = cfg["validator"]["host"], int(cfg["validator"]["port"])
    if not port_is_free(host, port):
        raise ServiceStartError(f"port {port} for the validation service is taken; set SEGUR__VALIDATOR__PORT")
    url = f"http://{host}:{port}"
    command = python_command("-m", "segur_harness.validation.service", "--host", host, "--port", str(port))
    return ServiceProcess("validation service", command, url + "/health", log_dir / "validator.log"), url
