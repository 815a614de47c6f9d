"""Synthetic run material for the evidence tests: a small catalogue, exchanges, Allure results, a fake engine."""

from __future__ import annotations

import atexit
import base64
import copy
import io
import json
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from segur_harness.allure_read import read_allure
from segur_harness.catalogue import Catalogue, load_catalogue
from segur_harness.config import load_config
from segur_harness.evidence import write_evidence
from segur_harness.evidence_documents import run_documents, validate_documents
from segur_harness.evidence_replay import replay_material
from segur_harness.store import Exchange, Finding, Store
from segur_harness.summary import build_summary
from segur_harness.validation.model import FileResult, Layer, LayerResult, LayerStatus, Severity
from segur_harness.validation.model import Finding as RuleFinding

T0 = 1_796_128_000.0
CATALOGUE_TOML = '''
[[requirement]]
id = "INS/va1.41"
section_id = "INS"
section = "Identité nationale de santé"
nature = "EXIGENCE"
criticite = "MAJOR"
vague = "Vague 1"
enonce = "Le matricule INS est géré sur 15 caractères."
source = "ans-draft"
couloirs = ["DPI"]
  [[requirement.scenario]]
  id = "INS/va1.41.01"
  title = "Clé correcte acceptée"
    [[requirement.scenario.proof]]
    id = "INS/va1.41.01.01"
    text = "Requête INSi enregistrée par le mock."
    [[requirement.scenario.proof]]
    id = "INS/va1.41.01.02"
    text = "Réponse de l'adaptateur."
  [[requirement.scenario]]
  id = "INS/va1.41.02"
  title = "Clé erronée refusée"
    [[requirement.scenario.proof]]
    id = "INS/va1.41.02.01"
    text = "Réponse de l'adaptateur : refus."

[[requirement]]
id = "DOC.01"
section_id = "DOC"
section = "Documents de santé"
nature = "EXIGENCE"
criticite = "CRITICAL"
enonce = "Le logiciel produit un CDA R2 N1 avec le PDF en base64."
source = "ans-draft"
  [[requirement.scenario]]
  id = "DOC.01.01"
  title = "Document N1 produit"
    [[requirement.scenario.proof]]
    id = "DOC.01.01.01"
    text = "Document produit et son rapport de validation."

[[requirement]]
id = "MSS/CONF.01"
section_id = "MSS"
section = "Messagerie Sécurisée de Santé"
nature = "EXIGENCE"
criticite = "MINOR"
enonce = "TLS 1.2 au moins vers l'interface LPS de l'opérateur MSSanté."
source = "ans-draft"
  [[requirement.scenario]]
  id = "MSS/CONF.01.01"
  title = "Envoi en TLS 1.2"
    [[requirement.scenario.proof]]
    id = "MSS/CONF.01.01.01"
    text = "Session SMTP enregistrée par le mock."

[[requirement]]
id = "DMP/CONF.01"
section_id = "DMP"
section = "Dossier Médical Partagé"
nature = "EXIGENCE"
criticite = "MAJOR"
enonce = "TD0.2 avant l'alimentation."
source = "ans-draft"
  [[requirement.scenario]]
  id = "DMP/CONF.01.01"
  title = "TD0.2 puis ITI-41"
    [[requirement.scenario.proof]]
    id = "DMP/CONF.01.01.01"
    text = "Requête TD0.2 enregistrée."
'''
PRODUCED = b"<ClinicalDocument xmlns='urn:hl7-org:v3'><id root='1.2.3'/></ClinicalDocument>"
RECEIVED = b"<ClinicalDocument xmlns='urn:hl7-org:v3'><id root='4.5.6'/></ClinicalDocument>"
SENT_BY_MAIL = b"<ClinicalDocument xmlns='urn:hl7-org:v3'><id root='7.8.9'/></ClinicalDocument>"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"


def catalogue(tmp: Path) -> Catalogue:
    folder = tmp / "catalogue"
    folder.mkdir(exist_ok=True)
    (folder / "catalogue.toml").write_text('[catalogue]\nversion = "test.1"\n', encoding="utf-8")
    (folder / "sections.toml").write_text(CATALOGUE_TOML, encoding="utf-8")
    loaded = load_catalogue(folder)
    assert not loaded.problems, loaded.problems
    return loaded


def _ex(service: str, operation: str, scenario: str | None, request: bytes, response: bytes, n: int) -> Exchange:
    return Exchange(service=service, operation=operation, started_at=T0 + n, ended_at=T0 + n + 0.25,
                    request_body=request, response_body=response, status=200, scenario_id=scenario,
                    findings=[Finding("info", "X-1", "vu")])  # fmt: skip


@dataclass(frozen=True)
class Live:
    """Requests the real INSi and DMP mocks judged and recorded (in process, on their own store and test PKI)."""

    insi_ok: Exchange
    insi_refused: Exchange
    insi_unscoped: Exchange
    td02: Exchange
    iti41: Exchange
    fed_cda: bytes
    settings: dict[str, Any]
    ca_pem: bytes
    mss_ok: Exchange
    mss_defect: Exchange
    psc_authorize: Exchange
    psc_token: Exchange
    psc_token_without_pkce: Exchange


def _recorded(app: Any, store: Store, path: str, body: bytes, content_type: str, scenario: str | None) -> Exchange:
    store.set_scenario(app.name.removeprefix("mock-"), scenario)
    before = store.exchanges()
    app.test_client().post(path, data=body, headers={"Content-Type": content_type})
    return store.exchanges(since_id=before[-1].id if before else 0)[-1]


def iti41_mtom(pki_dir: Path) -> tuple[str, bytes, bytes]:
    """(Content-Type, body, CDA) of an ITI-41 feed of a CI-SIS CDA, MTOM, with a VIHF signed by DMP-CACHET."""
    from tests.mocks import dmp_support as dmp
    from tests.mocks import dmp_xds_support as xds

    entry = xds.new_entry(1)
    body = xds.iti41([entry]).replace(
        "</xdsb:ProvideAndRegisterDocumentSetRequest>",
        f'<xdsb:Document id="Document01"><xop:Include xmlns:xop="{dmp.XOP}" href="cid:doc1@test"/></xdsb:Document>'
        "</xdsb:ProvideAndRegisterDocumentSetRequest>")  # fmt: skip
    envelope = dmp.soap(body, dmp.ITI41_ACTION, dmp.signed_vihf(pki_dir))
    content_type, feed = dmp.mtom(envelope, [("doc1@test", "text/xml", entry.cda)])
    return content_type, feed, entry.cda


@cache
def live() -> Live:
    """Recorded once per test session: INSi accepted and refused requests, DMP TD0.2 and an MTOM ITI-41."""
    from segur_harness.mocks.dmp.service import DmpService
    from segur_harness.mocks.framework import create_mock_app
    from segur_harness.mocks.insi.service import InsiService
    from segur_harness.pki import ensure_pki
    from tests.mocks import dmp_support as dmp
    from tests.mocks import insi_mock_support as insi

    folder = Path(tempfile.mkdtemp(prefix="evidence-live-"))
    atexit.register(shutil.rmtree, folder, True)  # recorded once per test session, removed after it
    pki = ensure_pki(folder / "pki")
    cfg = copy.deepcopy(load_config({}))
    cfg["paths"]["store"] = str(folder / "exchanges.sqlite")
    cfg["mocks"]["dmp"].update({"pki_dir": str(pki.directory), "cda_validation": "off"})
    store = Store(folder / "exchanges.sqlite")
    limit = int(cfg["mocks"]["max_body_bytes"])
    insi_app = create_mock_app(InsiService(cfg), store, max_body_bytes=limit)
    dmp_app = create_mock_app(DmpService(cfg), store, max_body_bytes=limit)
    ok = insi.traits_request("DUPONT", "JEAN", "M", "1980-01-01")
    refused = insi.traits_request("DUPONT", "JEAN", "M", "1980-01-01", env=insi.Envelope(idam="IDAM-INCONNU"))
    feed_type, feed, fed = iti41_mtom(pki.directory)
    psc = _psc_exchanges(cfg, store)
    return Live(
        insi_ok=_recorded(insi_app, store, "/lps", ok, insi.CT, "INS/va1.41.01"),
        insi_refused=_recorded(insi_app, store, "/lps", refused, insi.CT, "INS/va1.41.02"),
        insi_unscoped=_recorded(insi_app, store, "/lps", ok, insi.CT, None),
        td02=_recorded(dmp_app, store, "/patients", dmp.soap(dmp.td02(), dmp.TD02_ACTION,
                                                             dmp.signed_vihf(pki.directory)), dmp.CT, "DMP/CONF.01.01"),
        iti41=_recorded(dmp_app, store, "/repository", feed, feed_type, "DMP/CONF.01.01"),
        fed_cda=fed, settings=replay_material(cfg)[0], ca_pem=pki.ca_cert.read_bytes(),
        mss_ok=mss_recorded(xdm_message(SENT_BY_MAIL), 8), mss_defect=mss_recorded(xdm_message(
            SENT_BY_MAIL, subject="Compte rendu", message_id="m2-sans-domaine"), 9), **psc,
    )  # fmt: skip


def mss_recorded(raw: bytes, n: int, rcpt: str = "confrere@test.mssante.fr") -> Exchange:
    """An SMTP-MESSAGE as the MSSanté mock's handle_DATA records it: the content checks of mocks/mss/content.py
    (no validation service: harness rules in process, as in a run without SEGUR_VALIDATOR_URL)."""
    from segur_harness.mocks.mss.content import check_message

    findings = [Finding("info", "MSS-MESSAGE", f"Message de sut@test.mssante.fr pour 1 destinataire(s), {len(raw)} "
                                               "octets"), *check_message(raw, [rcpt], None)]  # fmt: skip
    return Exchange(service="mss-smtp", operation="SMTP-MESSAGE", scenario_id="MSS/CONF.01.01", method="DATA",
                    started_at=T0 + n, ended_at=T0 + n + 0.25, request_body=raw, response_body=b"250 2.0.0 Ok",
                    status=250, findings=findings, request_headers={
                        "mail_from": "sut@test.mssante.fr", "rcpt_to": rcpt, "auth_identity": "sut@test.mssante.fr",
                        "auth_mechanism": "XOAUTH2", "queue_id": f"Q{n}", "tls_version": "TLSv1.2"})  # fmt: skip


def _psc_exchanges(cfg: dict[str, Any], store: Store) -> dict[str, Exchange]:
    """Through the real PSC mock: an authorization with PKCE, its token request, and a token request of another
    code without its code_verifier."""
    from urllib.parse import parse_qs, urlencode, urlsplit

    from segur_harness.mocks.framework import create_mock_app
    from segur_harness.mocks.psc.service import PscService
    from tests.mocks import psc_support as psc

    app = create_mock_app(PscService(cfg), store, max_body_bytes=int(cfg["mocks"]["max_body_bytes"]))
    client = app.test_client()
    store.set_scenario("psc", "MSS/CONF.01.01")
    out: dict[str, Exchange] = {}
    for name, with_verifier in (("psc_token", True), ("psc_token_without_pkce", False)):
        verifier, challenge = psc.pkce()
        before = max((e.id for e in store.exchanges()), default=0)
        answer = client.get("/auth?" + urlencode(psc.authorize_params(challenge)))
        code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
        out.setdefault("psc_authorize", store.exchanges(since_id=before)[-1])
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": psc.REDIRECT,
                "client_id": psc.CLIENT_ID, "client_secret": psc.CLIENT_SECRET,
                **({"code_verifier": verifier} if with_verifier else {})}  # fmt: skip
        before = max(e.id for e in store.exchanges())
        client.post("/token", data=form)
        out[name] = store.exchanges(since_id=before)[-1]
    return out


def xdm_message(cda: bytes, subject: str = "XDM/1.0/DDM+CR", message_id: str = "<m1@test.mssante.fr>") -> bytes:
    """An MSSanté message carrying `cda` in an IHE_XDM.ZIP (INDEX.HTM, README.TXT, SUBSET01 METADATA.XML)."""
    from email.message import EmailMessage

    metadata = (f'<lcm:SubmitObjectsRequest xmlns:lcm="{LCM}" xmlns:rim="{RIM}"><rim:RegistryObjectList>'
                '<rim:ExtrinsicObject id="Document01" mimeType="text/xml"><rim:Slot name="URI"><rim:ValueList>'
                "<rim:Value>DOC0001.XML</rim:Value></rim:ValueList></rim:Slot></rim:ExtrinsicObject>"
                "</rim:RegistryObjectList></lcm:SubmitObjectsRequest>")  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("INDEX.HTM", "<html><body>IHE_XDM/SUBSET01</body></html>")
        archive.writestr("README.TXT", "Archive de test.\r\n")
        archive.writestr("IHE_XDM/SUBSET01/METADATA.XML", metadata)
        archive.writestr("IHE_XDM/SUBSET01/DOC0001.XML", cda)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "sut@test.mssante.fr", "confrere@test.mssante.fr", subject
    msg["Message-ID"] = message_id
    msg.set_content("Bonjour,\n")
    msg.add_attachment(buffer.getvalue(), maintype="application", subtype="zip", filename="IHE_XDM.ZIP")
    return msg.as_bytes()


def exchanges() -> list[Exchange]:
    """One exchange per kind of service the bundle must keep (INSi, DMP, MSSanté SMTP/IMAP, PSC, a document);
    INSi and DMP ones as their mocks recorded them, an ITI-41 and an MSSanté message carrying a CDA."""
    recorded = live()
    return [
        recorded.insi_ok,
        recorded.psc_token,
        _ex("mss-smtp", "message", "MSS/CONF.01.01", b"EHLO sut\r\nSTARTTLS\r\n", b"250 OK\r\n", 3),
        _ex("mss-imap", "session", "MSS/CONF.01.01", b"a1 LOGIN\r\n", b"a1 OK\r\n", 4),
        recorded.td02,
        _ex("sut", "document N1-PDF", "DOC.01.01", b'{"kind": "N1-PDF"}', PRODUCED, 6),
        recorded.insi_unscoped,
        recorded.insi_refused,
        recorded.iti41,
        recorded.mss_ok,
        recorded.mss_defect,
        recorded.psc_authorize,
        recorded.psc_token_without_pkce,
    ]


def records(statuses: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for n, (sid, status) in enumerate(statuses.items()):
        tag = "REQ_" + "".join(c if c.isalnum() else "_" for c in sid.rsplit(".", 1)[0])
        messages = {"failed": ["call: AssertionError: le SUT a accepté une clé erronée"],
                    "broken": ["broken: SUT adapter unreachable"], "skipped": ["skipped: no CI-SIS pack"]}
        out.append({"scenario_id": sid, "title": f"titre {sid}", "tags": [tag], "status": status,
                    "duration": 0.5 + n, "messages": messages.get(status, [])})  # fmt: skip
    return out


STATUSES = {"INS/va1.41.01": "passed", "INS/va1.41.02": "failed", "DOC.01.01": "passed",
            "MSS/CONF.01.01": "broken", "DMP/CONF.01.01": "skipped"}  # fmt: skip


def summary(cat: Catalogue, statuses: dict[str, str] | None = None) -> dict[str, Any]:
    return build_summary(records(statuses or STATUSES), cat, started_at=T0, ended_at=T0 + 60,
                         sut={"url": "http://sut", "info": {"product": "Produit", "version": "1.0"}},
                         selection={})  # fmt: skip


def allure_results(folder: Path) -> Path:
    """Allure results for INS/va1.41.01 (adapter calls) and CDA-carrying DOC.01.01 / received documents."""
    folder.mkdir(parents=True, exist_ok=True)

    def attach(payload: Any) -> str:
        name = f"{uuid.uuid4()}-attachment.json"
        (folder / name).write_text(json.dumps(payload), encoding="utf-8")
        return name

    def result(name: str, steps: list[dict[str, Any]], status: str = "passed") -> None:
        data = {"name": name, "status": status, "start": T0 * 1000, "stop": T0 * 1000 + 900, "steps": steps,
                "attachments": [{"name": "adapter POST /reset (HTTP 204)", "source": attach({"status": 204}),
                                 "type": "application/json"}]}  # fmt: skip
        (folder / f"{uuid.uuid4()}-result.json").write_text(json.dumps(data), encoding="utf-8")

    received = base64.b64encode(RECEIVED).decode()
    result("INS/va1.41.01 — Clé correcte acceptée", [
        {"name": "Quand l'opérateur recherche", "status": "passed", "start": T0 * 1000 + 10, "stop": T0 * 1000 + 20,
         "attachments": [
             {"name": "adapter POST /identities (HTTP 201)", "type": "application/json",
              "source": attach({"request": {"birth_name": "X"}, "status": 201, "response": {"id": "PAT-1"}})},
             {"name": "insi mock: 1 exchange(s) recorded", "type": "application/json", "source": attach([1])}]},
        {"name": "Alors le SUT reçoit un document", "status": "passed", "start": T0 * 1000 + 30,
         "stop": T0 * 1000 + 40, "attachments": [
             {"name": "adapter POST /received-documents (HTTP 200)", "type": "application/json",
              "source": attach({"request": {"cda_base64": received, "channel": "MSSANTE"}, "status": 200,
                                "response": {"outcome": "INTEGRATED"}})},
             {"name": "adapter POST /received-documents (HTTP 200)", "type": "application/json",
              "source": attach({"request": {"cda_base64": received, "channel": "DMP"}, "status": 200,
                                "response": {"outcome": "DUPLICATE"}})}]},
    ])  # fmt: skip
    result("INS/va1.41.02 — Clé erronée refusée", [
        {"name": "Alors le SUT refuse l'INS", "status": "failed", "start": T0 * 1000 + 50, "stop": T0 * 1000 + 60,
         "statusDetails": {"message": "le SUT a accepté une clé erronée"}, "attachments": []},
    ], status="failed")  # fmt: skip
    return folder


class FakeEngine:
    """The validation engine's interface: a document containing <bad/> has an error, the others are valid."""

    pack = object()

    def __init__(self, header_rules: str = "2025.11-1", pack_commit: str = "abc123", fail_on: bytes = b"<bad/>"):
        self._info = {"harness_version": "0.1.0", "harness_header_rules_version": header_rules,
                      "pack": "/pack", "pack_commit": pack_commit}  # fmt: skip
        self.fail_on = fail_on

    def info(self) -> dict[str, str]:
        return dict(self._info)

    def validate_document(self, data: bytes, name: str) -> FileResult:
        result = FileResult(name=name, layers=[LayerResult(Layer.HEADER, LayerStatus.RAN, rules_version={
            "harness_header_rules": self._info["harness_header_rules_version"]})])  # fmt: skip
        if self.fail_on in data:
            result.add(RuleFinding(Severity.ERROR, Layer.HEADER, "CISIS-HDR-001", "en-tête invalide"))
        return result


def build_bundle(tmp: Path, *, engine: FakeEngine | None = None, statuses: dict[str, str] | None = None,
                 signer: Any = None, without_ca: bool = False) -> Path:
    """A bundle from the material above, documents validated by `engine` (default FakeEngine()); `without_ca`
    leaves out the run's test CA certificate (a bundle of an older harness)."""
    cat = catalogue(tmp)
    allure = read_allure(allure_results(tmp / "allure-results"))
    exs = exchanges()
    validations = validate_documents(run_documents(exs, allure), engine or FakeEngine())
    metadata = {"harness_version": "0.1.0", "started_at": "2026-12-01T10:00:00.000+01:00",
                "validation_engine": validations.engine, "sut": {"info": {"product": "Produit"}}}  # fmt: skip
    target = tmp / "evidence.zip"
    recorded = live()
    write_evidence(target, metadata=metadata, summary=summary(cat, statuses), exchanges=exs, catalogue=cat,
                   allure=allure, validations=validations, signer=signer,
                   replay=(recorded.settings, None if without_ca else recorded.ca_pem))  # fmt: skip
    return target
