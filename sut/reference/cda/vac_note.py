"""VAC-NOTE 2023.01 (note de vaccination, LOINC 87273-9): the record of one vaccine administered to the patient.

What the volet asks (schematron CI-SIS_VAC-NOTE_2023.01): the IHE Immunization Content templateId in the
header; a body with one FR-Vaccinations section holding exactly one FR-Vaccination entry, dated to the day
(AAAAMMJJ), whose vaccine is coded in CIS with an ATC translation and carries its lot number, whose author
(who validated the vaccination) has an id, a profession and a name, and whose coded elements (act type,
route, site, professions) all carry a displayName. The dose rank, when given, is an INT observation.

Content keys (all optional, default in brackets):
- ``vaccine_cis``, ``vaccine_label``: CIS (BDPM) code and label of the vaccine [REPEVAX, 67619892]
- ``vaccine_name``: brand name [``vaccine_label`` up to its first comma]
- ``vaccine_atc``, ``vaccine_atc_label``: ATC class of the vaccine [J07CA02 with the default vaccine, else J07]
- ``lot_number``: lot of the administered vaccine [a placeholder lot]
- ``dose_number``: rank of this dose in the vaccination series, integer [1]
- ``act``: act type from JDV_HL7_ActSubstanceAdministrationImmunizationCode: INITIMMUNIZ, BOOSTER, IMMUNIZ [IMMUNIZ]
- ``route``: EDQM code from JDV_ImmunizationRouteCodes_CISIS [20035000, intramuscular]
- ``site``: SNOMED CT code from JDV_ImmunizationApproachSiteCode_CISIS [16217701000119102, left deltoid]
- ``date``: day of the vaccination, YYYY-MM-DD [the document's creation day]
- ``vaccinator``: table ``rpps``, ``given``, ``family``, ``prefix``, ``suffix``, ``profession_code`` and
  ``profession_display`` (JDV_J01) [the document author]
- ``comment``: free text about the vaccination [none]
- ``title``: document title (read by the header) ["Note de vaccination"]

Defect switch: ``vaccine-without-lot-number`` leaves the lot number out (the volet requires it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..profile import FINESS_ROOT, RPPS_ROOT, Professional
from .context import DocContext
from .kinds import KindSpec
from .xml import LOINC, code, el, template

VOLET_TEMPLATE = ("1.2.250.1.213.1.1.1.46", "2023.01")
IHE_IMMUNIZATION_CONTENT = "1.3.6.1.4.1.19376.1.5.3.1.1.18.1.2"
SECTION_TEMPLATES = ("2.16.840.1.113883.10.20.1.6", "1.3.6.1.4.1.19376.1.5.3.1.3.23", "1.2.250.1.213.1.1.2.147")
ENTRY_TEMPLATES = ("2.16.840.1.113883.10.20.1.24", "1.3.6.1.4.1.19376.1.5.3.1.4.12", "1.2.250.1.213.1.1.3.45")
PRODUCT_TEMPLATES = ("2.16.840.1.113883.10.20.1.53", "1.3.6.1.4.1.19376.1.5.3.1.4.7.2", "1.2.250.1.213.1.1.3.43")
RANK_TEMPLATES = ("2.16.840.1.113883.10.20.1.46", "1.2.250.1.213.1.1.3.82")
COMMENT_TEMPLATES = ("2.16.840.1.113883.10.20.1.40", "1.3.6.1.4.1.19376.1.5.3.1.4.2", "1.2.250.1.213.1.1.3.32")

CIS_SYSTEM = "1.2.250.1.213.2.3.1"
ATC_SYSTEM = "2.16.840.1.113883.6.73"
ACT_CODE_SYSTEM = "2.16.840.1.113883.5.4"
EDQM_SYSTEM = "0.4.0.127.0.16.1.1.2.1"
SNOMED_SYSTEM = "2.16.840.1.113883.6.96"
PROFESSION_SYSTEM = "1.2.250.1.213.1.1.4.5"

ACT_TYPES = {
    "INITIMMUNIZ": "1ère série vaccinante",
    "BOOSTER": "Rappel de vaccin",
    "IMMUNIZ": "Vaccination sans autre précision",
}
ROUTES = {
    "20035000": "Voie intramusculaire",
    "20030000": "Voie intradermique",
    "20020000": "Voie inhalée",
    "20053000": "Voie orale",
    "20066000": "Voie sous-cutanée",
}
SITES = {
    "64262003": "avant-bras droit",
    "66480008": "avant-bras gauche",
    "16217661000119109": "deltoïde droit",
    "16217701000119102": "deltoïde gauche",
    "91774008": "épaule droite",
    "91775009": "épaule gauche",
    "11207009": "cuisse droite",
    "61396006": "cuisse gauche",
    "723980000": "fesse droite",
    "723979003": "fesse gauche",
}

DEFAULT_VACCINE = {
    "vaccine_cis": "67619892",
    "vaccine_label": "REPEVAX, suspension injectable en seringue préremplie",
    "vaccine_atc": "J07CA02",
    "vaccine_atc_label": "diphtérie-coqueluche-poliomyélite-tétanos",
}
DEFAULT_LOT = "LOT-0001"
GENERIC_ATC = ("J07", "vaccins")
"""ATC class when the content names a vaccine without one: the class of all vaccines."""
ROW_ID = "vac-1"


@dataclass(frozen=True)
class Vaccination:
    """The facts of the one vaccination the note records, defaults applied."""

    cis: str
    label: str
    name: str
    atc: str
    atc_label: str
    lot: str | None
    dose: int
    act: str
    route: str
    site: str
    day: str
    """YYYYMMDD."""
    vaccinator: Professional
    comment: str | None

    @property
    def day_display(self) -> str:
        return f"{self.day[6:8]}/{self.day[4:6]}/{self.day[0:4]}"


def _person(data: dict[str, Any] | None, ctx: DocContext) -> Professional:
    """The vaccinator from the content, or the document author when the content names nobody."""
    author = ctx.author
    if not data:
        return author
    return Professional(
        login="",
        rpps=str(data.get("rpps") or author.rpps),
        given=str(data.get("given") or ""),
        family=str(data.get("family") or ""),
        prefix=str(data.get("prefix") or ""),
        suffix=str(data.get("suffix") or ""),
        profession_code=str(data.get("profession_code") or author.profession_code),
        profession_display=str(data.get("profession_display") or author.profession_display),
    )


def vaccination(ctx: DocContext) -> Vaccination:
    """Reads ctx.content. A vaccine given by its CIS code never borrows the default product's label or class."""
    content = ctx.content
    vaccine = content if content.get("vaccine_cis") else DEFAULT_VACCINE
    cis = str(vaccine["vaccine_cis"])
    label = str(vaccine.get("vaccine_label") or f"Vaccin CIS {cis}")
    atc = str(vaccine.get("vaccine_atc") or GENERIC_ATC[0])
    lot = None if ctx.has("vaccine-without-lot-number") else str(content.get("lot_number") or DEFAULT_LOT)
    return Vaccination(
        cis=cis,
        label=label,
        name=str(vaccine.get("vaccine_name") or label.split(",")[0]),
        atc=atc,
        atc_label=str(vaccine.get("vaccine_atc_label") or (GENERIC_ATC[1] if atc == GENERIC_ATC[0] else atc)),
        lot=lot,
        dose=int(content.get("dose_number") or 1),
        act=str(content.get("act") or "IMMUNIZ"),
        route=str(content.get("route") or "20035000"),
        site=str(content.get("site") or "16217701000119102"),
        day=str(content.get("date") or ctx.created.date().isoformat()).replace("-", "")[:8],
        vaccinator=_person(content.get("vaccinator"), ctx),
        comment=str(content["comment"]) if content.get("comment") else None,
    )


def _narrative(section: etree._Element, vac: Vaccination) -> None:
    """One table row with every fact the entry codes; IDs are what the entry's references point at."""
    headers = ["Date", "Vaccin", "Classe ATC", "N° de lot", "Rang", "Type d'acte", "Voie", "Site", "Vaccinateur"]
    if vac.comment:
        headers.append("Commentaire")
    table = el(el(section, "text"), "table", border="1")
    head_row = el(el(table, "thead"), "tr")
    for header in headers:
        el(head_row, "th", header)
    row = el(el(table, "tbody"), "tr", ID=ROW_ID)
    el(row, "td", vac.day_display)
    el(el(row, "td"), "content", f"{vac.label} (CIS {vac.cis})", ID=f"{ROW_ID}-product")
    el(row, "td", f"{vac.atc_label} ({vac.atc})")
    el(row, "td", vac.lot or "non renseigné")
    el(row, "td", str(vac.dose))
    el(row, "td", ACT_TYPES.get(vac.act, vac.act))
    el(row, "td", ROUTES.get(vac.route, vac.route))
    el(el(row, "td"), "content", SITES.get(vac.site, vac.site), ID=f"{ROW_ID}-site")
    el(row, "td", f"{vac.vaccinator.given} {vac.vaccinator.family} ({vac.vaccinator.profession_display})")
    if vac.comment:
        el(el(row, "td"), "content", vac.comment, ID=f"{ROW_ID}-comment")


def _product(entry: etree._Element, vac: Vaccination) -> None:
    """FR-Produit-de-sante: CIS code with its ATC translation, brand name, lot number."""
    product = el(el(entry, "consumable", typeCode="CSM"), "manufacturedProduct")
    for root in PRODUCT_TEMPLATES:
        template(product, root)
    material = el(product, "manufacturedMaterial")
    cis = code(material, "code", vac.cis, CIS_SYSTEM, vac.label, "CIS")
    el(el(cis, "originalText"), "reference", value=f"#{ROW_ID}-product")
    code(cis, "translation", vac.atc, ATC_SYSTEM, vac.atc_label, "ATC")
    el(material, "name", vac.name)
    if vac.lot is not None:
        el(material, "lotNumberText", vac.lot)


def _assigned(parent: etree._Element, tag: str, person: Professional, ctx: DocContext) -> None:
    """assignedEntity / assignedAuthor: id, profession with its displayName, name, organisation."""
    assigned = el(parent, tag, classCode="ASSIGNED")
    el(assigned, "id", root=RPPS_ROOT, extension=person.national_id)
    code(assigned, "code", person.profession_code, PROFESSION_SYSTEM, person.profession_display)
    name = el(el(assigned, "assignedPerson"), "name")
    if person.prefix:
        el(name, "prefix", person.prefix)
    el(name, "given", person.given)
    el(name, "family", person.family)
    if person.suffix:
        el(name, "suffix", person.suffix)
    org = el(assigned, "representedOrganization")
    el(org, "id", root=FINESS_ROOT, extension=ctx.organisation.finess)
    el(org, "name", ctx.organisation.name)


def _dose_rank(entry: etree._Element, vac: Vaccination) -> None:
    """FR-Rang-de-la-vaccination: completed observation with an INT value."""
    observation = el(el(entry, "entryRelationship", typeCode="SUBJ"), "observation", classCode="OBS", moodCode="EVN")
    for root in RANK_TEMPLATES:
        template(observation, root)
    code(observation, "code", "30973-2", LOINC, "Rang de la vaccination", "LOINC")
    el(observation, "statusCode", code="completed")
    el(observation, "value", xsi_type="INT", value=str(vac.dose))


def _comment(entry: etree._Element, comment: str) -> None:
    """FR-Commentaire-ER pointing at the comment cell of the narrative."""
    act = el(el(entry, "entryRelationship", typeCode="SUBJ"), "act", classCode="ACT", moodCode="EVN")
    for root in COMMENT_TEMPLATES:
        template(act, root)
    code(act, "code", "48767-8", LOINC, "Commentaire", "LOINC")
    text = el(act, "text")
    el(text, "reference", value=f"#{ROW_ID}-comment")
    text[0].tail = comment
    el(act, "statusCode", code="completed")


def _entry(section: etree._Element, vac: Vaccination, ctx: DocContext) -> None:
    """FR-Vaccination: the administered dose (performer = vaccinator, author = the validating physician)."""
    entry = el(el(section, "entry"), "substanceAdministration", classCode="SBADM", moodCode="EVN", negationInd="false")
    for root in ENTRY_TEMPLATES:
        template(entry, root)
    el(entry, "id", root=f"{ctx.document_oid}.2")
    code(
        entry,
        "code",
        vac.act,
        ACT_CODE_SYSTEM,
        ACT_TYPES.get(vac.act, vac.act),
        "ActSubstanceAdministrationImmunizationCode",
    )
    el(el(entry, "text"), "reference", value=f"#{ROW_ID}")
    el(entry, "statusCode", code="completed")
    el(entry, "effectiveTime", value=vac.day)
    code(entry, "routeCode", vac.route, EDQM_SYSTEM, ROUTES.get(vac.route, vac.route), "EDQM")
    site = code(entry, "approachSiteCode", vac.site, SNOMED_SYSTEM, SITES.get(vac.site, vac.site), "SNOMED CT")
    el(el(site, "originalText"), "reference", value=f"#{ROW_ID}-site")
    _product(entry, vac)
    _assigned(el(entry, "performer", typeCode="PRF"), "assignedEntity", vac.vaccinator, ctx)
    author = el(entry, "author", typeCode="AUT", contextControlCode="OP")
    el(author, "time", value=ctx.time)
    _assigned(author, "assignedAuthor", _person(None, ctx), ctx)
    _dose_rank(entry, vac)
    if vac.comment:
        _comment(entry, vac.comment)


def body(ctx: DocContext) -> etree._Element:
    """structuredBody with the single FR-Vaccinations section the volet allows."""
    vac = vaccination(ctx)
    structured = el(None, "structuredBody")
    section = el(el(structured, "component"), "section")
    for root in SECTION_TEMPLATES:
        template(section, root)
    el(section, "id", root=f"{ctx.document_oid}.1")
    code(section, "code", "11369-6", LOINC, "Historique des vaccinations", "LOINC")
    el(section, "title", "Vaccination")
    _narrative(section, vac)
    _entry(section, vac, ctx)
    return structured


def service_event(ctx: DocContext, event: etree._Element) -> None:
    """The documented act is the vaccination itself, on its day."""
    code(event, "code", SPEC.code, LOINC, SPEC.display, "LOINC")
    times = el(event, "effectiveTime")
    day = vaccination(ctx).day
    el(times, "low", value=day)
    el(times, "high", value=day)


SPEC = KindSpec(
    kind="VAC-NOTE",
    code="87273-9",
    display="Note de vaccination",
    title="Note de vaccination",
    templates=((IHE_IMMUNIZATION_CONTENT, None), VOLET_TEMPLATE),
    body=body,
    service_event=service_event,
)
