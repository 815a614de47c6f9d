"""Runtime settings of the reference SUT (its "product configuration").

Values an editor would put in their product's settings screen: who we are for
INSi (IDAM authorisation number, software name and version) and where INSi is;
for the DMP, the homologation number, the structure and sector we act for, where
the DMP is and where the "certificat de cachet" signing the VIHF lives; for Pro
Santé Connect, the client registration at ANS; for MSSanté, where the SMTP and
IMAP servers are and the product's reference (X-MSS-NIL). Defaults come from the
`[sut]` section of the harness configuration so a user changes them in one
place; the adapter can move the service locations at run time.
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
DEFAULT_PSC_TIMEOUT_SECONDS = 5.0
"""How long the SUT waits for one Pro Santé Connect call."""
DEFAULT_MSS_TIMEOUT_SECONDS = 10.0
"""How long the SUT waits on one SMTP or IMAP exchange with the MSSanté operator."""


@dataclass(frozen=True)
class MailServer:
    """Where one MSSanté protocol endpoint is (from smtp://host:port or imap://host:port)."""

    host: str
    port: int

    def url(self, scheme: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


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
    """The harness test PKI: the VIHF signing certificate and the CA (ca.pem) MSSanté servers are checked against."""
    psc_url: str | None = None
    psc_timeout_seconds: float = DEFAULT_PSC_TIMEOUT_SECONDS
    psc_client_id: str = "segur-harness-sut"
    psc_client_secret: str = "secret-de-test-sut"
    psc_redirect_uri: str = "http://127.0.0.1:18090/psc/callback"
    """The redirect URI registered at PSC; headless logins never serve it (the code is read from the redirect)."""
    psc_post_logout_redirect_uri: str = "http://127.0.0.1:18090/psc/logged-out"
    mss_smtp: MailServer | None = None
    mss_imap: MailServer | None = None
    mss_timeout_seconds: float = DEFAULT_MSS_TIMEOUT_SECONDS
    mss_nil: str = "TEST-NIL-0001"
    """The product's reference sent as X-MSS-NIL (numéro d'identification du logiciel)."""
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

    def set_psc(self, url: str, timeout_seconds: float | None) -> None:
        """Point the SUT at another Pro Santé Connect issuer (adapter PUT /services)."""
        with self.lock:
            self.psc_url = url.rstrip("/")
            if timeout_seconds is not None:
                self.psc_timeout_seconds = timeout_seconds

    def set_mss(self, smtp: MailServer | None, imap: MailServer | None, timeout_seconds: float | None) -> None:
        """Point the SUT at another MSSanté operator (adapter PUT /services); None leaves an endpoint as it is."""
        with self.lock:
            self.mss_smtp = smtp or self.mss_smtp
            self.mss_imap = imap or self.mss_imap
            if timeout_seconds is not None:
                self.mss_timeout_seconds = timeout_seconds


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
        psc_timeout_seconds=float(section.get("psc_timeout_seconds", DEFAULT_PSC_TIMEOUT_SECONDS)),
        psc_client_id=str(section.get("psc_client_id", "segur-harness-sut")),
        psc_client_secret=str(section.get("psc_client_secret", "secret-de-test-sut")),
        psc_redirect_uri=str(section.get("psc_redirect_uri", "http://127.0.0.1:18090/psc/callback")),
        psc_post_logout_redirect_uri=str(section.get("psc_post_logout_redirect_uri",
                                                     "http://127.0.0.1:18090/psc/logged-out")),
        mss_timeout_seconds=float(section.get("mss_timeout_seconds", DEFAULT_MSS_TIMEOUT_SECONDS)),
        mss_nil=str(section.get("mss_nil", "TEST-NIL-0001")),
    )
