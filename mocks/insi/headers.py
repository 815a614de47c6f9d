"""Structural checks of the SOAP headers the WSDL binding declares.

The binding lists wsse:Security, ctxlps:ContexteLPS, wsa:MessageID and
ctxbam:ContexteBAM as header parts, and WS-Addressing needs wsa:Action. In
certificate mode (INSI-AUTO / INSI-MANU) real clients send no wsse:Security,
so its absence is only noted; a Security header without SAML assertion is
refused. An IDAM or LPS name the mock does not know is refused like the real
service refuses an unknown software authorisation.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from lxml import etree

from segur_harness.mocks.framework.checks import Checks
from segur_harness.mocks.framework.soap import SOAP12_NS, WSA_NS, SoapRequest

from .protocol import HEADER_TAGS, NS_CTXBAM, NS_CTXLPS, NS_SAML, NS_WSSE

_LPS = f"{{{NS_CTXLPS}}}LPS"
_COUVERTURE = f"{{{NS_CTXBAM}}}COUVERTURE"
_ASSERTION = f"{{{NS_SAML}}}Assertion"
_KNOWN_HEADERS = frozenset(HEADER_TAGS.values())
DATETIME = re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")


@dataclass
class LpsInfo:
    """What ContexteLPS says about the calling software."""

    idam: str | None = None
    nom: str | None = None
    version: str | None = None
    instance: str | None = None


def first_children(parent: etree._Element | None) -> dict[Any, etree._Element]:
    """The first child of each tag (comments and processing instructions under their factory), in one pass:
    a tag lookup per field (iterchildren(tag) builds a tag matcher per call) instead of a child scan."""
    first: dict[Any, etree._Element] = {}
    if parent is not None:
        for child in parent:
            first.setdefault(child.tag, child)
    return first


def _text(children: dict[Any, etree._Element], ns: str, local: str) -> str | None:
    """The stripped text of the first {ns}local child in `children` (first_children), None when absent."""
    child = children.get(f"{{{ns}}}{local}")
    if child is None:
        return None
    return (child.text or "").strip()


def _context_common(ctx: etree._Element, children: dict[Any, etree._Element], ns: str, nature: str,
                    checks: Checks, rule: str) -> None:
    """Id, Temps, @Version and @Nature, shared by ContexteLPS and ContexteBAM (`children`: ctx's)."""
    name = ctx.tag.rpartition("}")[2]  # etree.QName(ctx).localname, without building a QName
    if not (ctx.get("Version") or "").strip():
        checks.error(f"{rule}-VERSION", f"L'attribut Version de {name} est obligatoire.", f"{name}/@Version")
    nature_value = ctx.get("Nature")
    if nature_value is not None and nature_value != nature:
        checks.error(f"{rule}-NATURE", f"L'attribut Nature de {name} doit valoir {nature}.", f"{name}/@Nature")
    if not _text(children, ns, "Id"):
        checks.error(f"{rule}-ID", f"{name}/Id est obligatoire et ne doit pas être vide.", f"{name}/Id")
    temps = _text(children, ns, "Temps")
    if not temps:
        checks.error(f"{rule}-TEMPS", f"{name}/Temps est obligatoire.", f"{name}/Temps")
    elif not DATETIME.fullmatch(temps):
        checks.error(f"{rule}-TEMPS", f"{name}/Temps « {temps} » n'est pas un xsd:dateTime.", f"{name}/Temps")


def check_lps(soap: SoapRequest, accepted_idam: list[str], accepted_names: list[str], checks: Checks) -> LpsInfo:
    """ContexteLPS: present, well formed, and naming an authorised software (IDAM + Nom)."""
    ctx = soap.header(NS_CTXLPS, "ContexteLPS")
    if ctx is None:
        checks.error("INSI-HDR-CTXLPS", "En-tête ctxlps:ContexteLPS absent.", "Header", fault="entete_invalide")
        return LpsInfo()
    children = first_children(ctx)
    _context_common(ctx, children, NS_CTXLPS, "CTXLPS", checks, "INSI-LPS")
    lps = children.get(_LPS)
    fields = first_children(lps)
    info = LpsInfo(
        idam=_text(fields, NS_CTXLPS, "IDAM"),
        nom=_text(fields, NS_CTXLPS, "Nom"),
        version=_text(fields, NS_CTXLPS, "Version"),
        instance=_text(fields, NS_CTXLPS, "Instance"),
    )
    where = "ContexteLPS/LPS"
    if lps is None:
        checks.error("INSI-LPS-LPS", "ContexteLPS/LPS absent : logiciel non identifié.", where,
                     fault="autorisation_inconnue")
        return info
    if not info.idam:
        checks.error("INSI-LPS-IDAM", "Numéro d'autorisation du logiciel (IDAM) absent ou vide.", where + "/IDAM",
                     fault="autorisation_inconnue")
    elif info.idam not in accepted_idam:
        checks.error("INSI-LPS-IDAM", f"Numéro d'autorisation du logiciel « {info.idam} » inconnu.", where + "/IDAM",
                     fault="autorisation_inconnue")
    if not info.nom:
        checks.error("INSI-LPS-NOM", "Nom du logiciel absent ou vide.", where + "/Nom", fault="autorisation_inconnue")
    elif info.nom not in accepted_names:
        checks.error("INSI-LPS-NOM", f"Nom de logiciel « {info.nom} » inconnu pour cette autorisation.",
                     where + "/Nom", fault="autorisation_inconnue")
    if not info.version:
        checks.error("INSI-LPS-VERSION", "Version du logiciel absente ou vide.", where + "/Version")
    if not info.instance:
        checks.warning("INSI-LPS-INSTANCE", "Instance du logiciel absente : la traçabilité des appels en pâtit.",
                       where + "/Instance")
    return info


def check_bam(soap: SoapRequest, checks: Checks) -> None:
    """ContexteBAM: declared by the binding; Id, Temps, COUVERTURE and @Version required by its XSD."""
    ctx = soap.header(NS_CTXBAM, "ContexteBAM")
    if ctx is None:
        checks.error("INSI-HDR-CTXBAM", "En-tête ctxbam:ContexteBAM absent.", "Header", fault="entete_invalide")
        return
    children = first_children(ctx)
    _context_common(ctx, children, NS_CTXBAM, "CTXBAM", checks, "INSI-BAM")
    if _COUVERTURE not in children:
        checks.error("INSI-BAM-COUVERTURE", "ContexteBAM/COUVERTURE est obligatoire (même vide).",
                     "ContexteBAM/COUVERTURE")


def check_addressing(soap: SoapRequest, checks: Checks) -> tuple[str | None, str | None]:
    """wsa:MessageID and wsa:Action present and not empty; gives (message_id, action)."""
    message_id = soap.wsa("MessageID")
    action = soap.wsa("Action")
    if not message_id:
        checks.error("INSI-WSA-MESSAGEID", "En-tête wsa:MessageID absent ou vide.", "Header/wsa:MessageID",
                     fault="entete_invalide")
    if not action:
        checks.error("INSI-WSA-ACTION", "En-tête wsa:Action absent ou vide.", "Header/wsa:Action",
                     fault="entete_invalide")
    return message_id, action


def check_security(soap: SoapRequest, client_cn: str | None, checks: Checks) -> None:
    """wsse:Security: optional in certificate mode; when sent it must carry a SAML assertion."""
    security = soap.header(NS_WSSE, "Security")
    if security is None:
        mode = f"certificat {client_cn}" if client_cn else "certificat logiciel (non vérifié hors mode TLS)"
        checks.info("INSI-HDR-SECURITY", f"Pas d'en-tête wsse:Security : authentification par {mode}.", "Header")
        return
    if _ASSERTION not in first_children(security):
        checks.error("INSI-SEC-ASSERTION", "wsse:Security ne contient aucune assertion SAML (saml:Assertion).",
                     "Header/wsse:Security", fault="securite_invalide")
        return
    checks.info("INSI-SEC-SIGNATURE", "Assertion SAML présente ; sa signature n'est pas vérifiée par le mock.",
                "Header/wsse:Security")


def check_header_set(soap: SoapRequest, checks: Checks) -> None:
    """Duplicated known headers and unknown headers the service would have to understand."""
    tags = [h.tag for h in soap.headers]
    known = _KNOWN_HEADERS
    if len(tags) == len(set(tags)) and known.issuperset(tags):
        return  # each known header at most once, nothing else: nothing to say (the loops below find nothing)
    counts = Counter(tags)
    for tag, count in counts.items():
        if tag in known and count > 1:
            checks.error("INSI-HDR-DOUBLON", f"En-tête {etree.QName(tag).localname} présent {count} fois.", "Header",
                         fault="entete_invalide")
    for header in soap.headers:
        if header.tag in known or header.tag.startswith(f"{{{WSA_NS}}}"):
            continue
        must = (header.get(f"{{{SOAP12_NS}}}mustUnderstand") or "").strip().lower() in ("true", "1")
        name = etree.QName(header)
        if must:
            checks.error("INSI-HDR-MUSTUNDERSTAND",
                         f"En-tête {name.localname} ({name.namespace}) marqué mustUnderstand inconnu du service.",
                         "Header")
        else:
            checks.info("INSI-HDR-INCONNU", f"En-tête {name.localname} ({name.namespace}) ignoré par le service.",
                        "Header")
