"""Runtime settings of the reference SUT (its "product configuration").

Values an editor would put in their product's settings screen: who we are for
INSi (IDAM authorisation number, software name and version) and where INSi is;
for the DMP, the homologation number, the structure and sector we act for, where
the DMP is and where the "certificat de cachet" signing the VIHF lives.
Defaults come from the `[sut]` section of the harness configuration so a user
changes them in one place; the adapter can move the INSi URL at run time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from segur_harness.config import config

DEFAULT_INSI_TIMEOUT_SECONDS = 5.0
"""How long the SUT waits for INSi before telling the user the service is unavailable."""
DEFAULT_DMP_TIMEOUT_SECONDS = 10.0
"""How long the SUT waits for one DMP call (a feed carries a whole document)."""
DEFAULT_PKI_DIR = "reports/pki"


@dataclass
class SutSettings:
    """Identity of the software for INSi, INSi location, and the active defect."""

    idam: str
    lps_name: str
    lps_version: str
    instance: str = "reference-sut-1"
    insi_url: str | None = None
    insi_timeout_seconds: float = DEFAULT_INSI_TIMEOUT_SECONDS
    defect: str | None = None
    dmp_url: str | None = None
    dmp_timeout_seconds: float = DEFAULT_DMP_TIMEOUT_SECONDS
    dmp_homologation: str = "TEST-DMP-HOMOL-0001"
    dmp_structure_id: str = "11750000016"
    dmp_secteur: str = "SA01"
    vihf_pki_dir: str = DEFAULT_PKI_DIR
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def has(self, defect: str) -> bool:
        """True when the named defect variant is switched on."""
        return self.defect == defect

    def set_insi(self, url: str, timeout_seconds: float | None) -> None:
        """Point the SUT at another INSi endpoint (adapter PUT /services)."""
        with self.lock:
            self.insi_url = url
            if timeout_seconds is not None:
                self.insi_timeout_seconds = timeout_seconds

    def set_dmp(self, url: str, timeout_seconds: float | None) -> None:
        """Point the SUT at another DMP (adapter PUT /services); `url` is the base the three paths hang from."""
        with self.lock:
            self.dmp_url = url.rstrip("/")
            if timeout_seconds is not None:
                self.dmp_timeout_seconds = timeout_seconds


def settings_from_config(
    *, insi_url: str | None = None, defect: str | None = None, timeout_seconds: float | None = None
) -> SutSettings:
    """Settings from the harness configuration `[sut]` section plus command-line overrides."""
    cfg = config()
    section = cfg.get("sut", {})
    dmp_mock = cfg.get("mocks", {}).get("dmp", {})
    return SutSettings(
        idam=str(section.get("idam", "TEST-IDAM-0001")),
        lps_name=str(section.get("lps_name", "SEGUR-HARNESS-SUT")),
        lps_version=str(section.get("lps_version", "1.0.0")),
        insi_url=insi_url,
        insi_timeout_seconds=timeout_seconds
        or float(section.get("insi_timeout_seconds", DEFAULT_INSI_TIMEOUT_SECONDS)),
        defect=defect,
        dmp_timeout_seconds=float(section.get("dmp_timeout_seconds", DEFAULT_DMP_TIMEOUT_SECONDS)),
        dmp_homologation=str(section.get("dmp_homologation", "TEST-DMP-HOMOL-0001")),
        dmp_structure_id=str(section.get("dmp_structure_id", "11750000016")),
        dmp_secteur=str(section.get("dmp_secteur", "SA01")),
        vihf_pki_dir=str(section.get("vihf_pki_dir") or dmp_mock.get("pki_dir") or DEFAULT_PKI_DIR),
    )
