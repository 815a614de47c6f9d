"""INSi mock test support: request builders and answer reader, independent of the mock's code."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from lxml import etree

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
RESULTAT = "http://www.cnamts.fr/INSiResultat"
SIRAM = "urn:siram"
IDAM = "TEST-IDAM-0001"
LPS_NAME = "SEGUR-HARNESS-SUT"
ACTION = "urn:ServiceIdentiteCertifiee:1.0.0:"
TRAITS = "rechercherInsAvecTraitsIdentite"
VITALE = "rechercherInsAvecCarteVitale"
CT = "application/soap+xml; charset=utf-8"


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class Envelope:
    """Knobs for one request; every default is a valid request."""

    idam: str | None = IDAM
    lps_name: str | None = LPS_NAME
    action: str | None = None  # default: matches the body
    message_id: str | None = field(default_factory=lambda: f"urn:uuid:{uuid.uuid4()}")
    with_lps: bool = True
    with_bam: bool = True
    security: str | None = None  # raw wsse:Security XML
    extra_headers: str = ""

    def headers(self, operation: str) -> str:
        parts = []
        if self.security:
            parts.append(self.security)
        if self.with_lps:
            lps = "<ctxlps:LPS>"
            if self.idam is not None:
                lps += f'<ctxlps:IDAM R="4">{esc(self.idam)}</ctxlps:IDAM>'
            lps += "<ctxlps:Version>1.0.0</ctxlps:Version>"
            lps += "<ctxlps:Instance>b3549edd-4ae9-472a-b26f-fd2fb4ef397f</ctxlps:Instance>"
            if self.lps_name is not None:
                lps += f"<ctxlps:Nom>{esc(self.lps_name)}</ctxlps:Nom>"
            lps += "</ctxlps:LPS>"
            parts.append(
                '<ctxlps:ContexteLPS xmlns:ctxlps="urn:siram:lps:ctxlps" Nature="CTXLPS" Version="01_00">'
                "<ctxlps:Id>1f7425e2-b913-415c-adaa-785ee1076a70</ctxlps:Id>"
                "<ctxlps:Temps>2024-07-05T13:58:27.452Z</ctxlps:Temps>"
                f"<ctxlps:Emetteur>medecin@example.org</ctxlps:Emetteur>{lps}</ctxlps:ContexteLPS>"
            )
        if self.message_id is not None:
            parts.append(f"<wsa:MessageID>{esc(self.message_id)}</wsa:MessageID>")
        action = ACTION + operation if self.action is None else self.action
        if action:
            parts.append(f"<wsa:Action>{esc(action)}</wsa:Action>")
        if self.with_bam:
            parts.append(
                '<ctxbam:ContexteBAM xmlns:ctxbam="urn:siram:bam:ctxbam" Version="01_02">'
                "<ctxbam:Id>c1a2ff23-fc05-4bd1-b500-1ec7d3178f1c</ctxbam:Id>"
                "<ctxbam:Temps>2024-07-05T13:58:27.452Z</ctxbam:Temps>"
                "<ctxbam:Emetteur>medecin@example.org</ctxbam:Emetteur>"
                "<ctxbam:COUVERTURE/></ctxbam:ContexteBAM>"
            )
        return "".join(parts) + self.extra_headers

    def wrap(self, operation: str, body: str) -> bytes:
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP12}" xmlns:wsa="{WSA}">'
            f"<soap:Header>{self.headers(operation)}</soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>"
        ).encode()


def recsans(nom: str | None, prenoms: str | list[str] | None, sexe: str | None, date: str | None,
            lieu: str | None = None, extra: str = "") -> str:
    """A RECSANSVITALE body; a list of first names gives one Prenom element each."""
    out = '<ns:RECSANSVITALE xmlns:ns="http://www.cnamts.fr/INSiRecSans">'
    if nom is not None:
        out += f"<ns:NomNaissance>{esc(nom)}</ns:NomNaissance>"
    if prenoms is not None:
        for p in [prenoms] if isinstance(prenoms, str) else prenoms:
            out += f"<ns:Prenom>{esc(p)}</ns:Prenom>"
    if sexe is not None:
        out += f"<ns:Sexe>{esc(sexe)}</ns:Sexe>"
    if date is not None:
        out += f"<ns:DateNaissance>{esc(date)}</ns:DateNaissance>"
    if lieu is not None:
        out += f"<ns:LieuNaissance>{esc(lieu)}</ns:LieuNaissance>"
    return out + extra + "</ns:RECSANSVITALE>"


def recvitale(od: tuple[str, str | None] | None, date: str | None, rang: str | None = None,
              individu: tuple[str, str | None] | None = None, nom: str | None = None) -> str:
    """A RECVITALE body in XSD order."""

    def matricule(tag: str, value: tuple[str, str | None]) -> str:
        num, cle = value
        inner = f"<v:NumIdentifiant>{num}</v:NumIdentifiant>" + (f"<v:Cle>{cle}</v:Cle>" if cle else "")
        return f"<v:{tag}>{inner}</v:{tag}>"

    out = '<v:RECVITALE xmlns:v="http://www.cnamts.fr/INSiRecVit">'
    if individu:
        out += matricule("MatriculeIndividu", individu)
    if od:
        out += matricule("MatriculeOD", od)
    if nom is not None:
        out += f"<v:NomNaissance>{esc(nom)}</v:NomNaissance>"
    if date is not None:
        out += f"<v:DateNaissance>{date}</v:DateNaissance>"
    if rang is not None:
        out += f"<v:RangNaissance>{rang}</v:RangNaissance>"
    return out + "</v:RECVITALE>"


def traits_request(*args, env: Envelope | None = None, **kwargs) -> bytes:
    return (env or Envelope()).wrap(TRAITS, recsans(*args, **kwargs))


def vitale_request(*args, env: Envelope | None = None, **kwargs) -> bytes:
    return (env or Envelope()).wrap(VITALE, recvitale(*args, **kwargs))


NSMAP = {"s": SOAP12, "r": RESULTAT, "siram": SIRAM, "wsa": WSA}


class Answer:
    """A parsed INSi answer: CodeCR, INDIVIDU or fault parts."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.root = etree.fromstring(body)
        assert self.root.tag == f"{{{SOAP12}}}Envelope", body[:200]

    def find(self, path: str) -> etree._Element | None:
        return self.root.find(path, NSMAP)

    def text(self, path: str) -> str | None:
        el = self.find(path)
        return el.text if el is not None else None

    @property
    def code_cr(self) -> str | None:
        return self.text(".//r:RESULTAT/r:CR/r:CodeCR")

    @property
    def libelle_cr(self) -> str | None:
        return self.text(".//r:RESULTAT/r:CR/r:LibelleCR")

    @property
    def fault_code(self) -> str | None:
        return self.text(".//s:Fault/s:Code/s:Value")

    @property
    def subcode(self) -> str | None:
        return self.text(".//s:Fault/s:Code/s:Subcode/s:Value")

    @property
    def erreur(self) -> etree._Element | None:
        return self.find(".//s:Fault/s:Detail/siram:Erreur")

    @property
    def erreur_code(self) -> str | None:
        return self.erreur.get("code") if self.erreur is not None else None

    def matricule(self) -> tuple[str | None, str | None, str | None]:
        base = ".//r:INDIVIDU/r:INSACTIF/"
        return (self.text(base + "r:IdIndividu/r:NumIdentifiant"), self.text(base + "r:IdIndividu/r:Cle"),
                self.text(base + "r:OID"))
