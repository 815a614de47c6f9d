"""BIO-CR-BIO 2024.01: compte rendu d'examens de biologie médicale (LOINC 11502-2), CDA level 3.

What the volet asks for (its schematron CI-SIS_BIO-CR-BIO_2024.01 and the IHE PaLM templates it names):
- header: IHE PaLM templateId 1.3.6.1.4.1.19376.1.3.3 next to the volet one; fixed title and code display;
  a serviceEvent code; a serviceEvent performer that is the executing laboratory (PaLM 1.3.6.1.4.1.19376.1.3.3.1.7)
  with time, address, telecom and the laboratory's practice setting; the responsible biologist in
  encompassingEncounter/responsibleParty.
- body: at least one FR-CR-BIO-Chapitre section (PaLM 1.3.6.1.4.1.19376.1.3.3.2.1, CI-SIS .2.70) and the
  FR-Document-PDF-copie section (.2.243, a PDF rendering of the report).
- a chapter holds either a narrative and exactly one FR-Resultats-examens-de-biologie-medicale entry (act), or
  sub-chapters; this builder writes leaf chapters. The act holds the specimen collection (FR-Prelevement, with
  its reception at the laboratory), isolated results and batteries (organizer BATTERY) of results.

Content keys (all optional, defaults in brackets):
- ``chapter``: {``loinc``, ``label``} of the report chapter [18719-5 Biochimie].
- ``specimen``: {``type`` (HL7 v2 table 0487 code, JDV_HL7_SpecimenType_CISIS), ``label``, ``collected``,
  ``received`` (ISO date-times)} [SER Sérum, collected 3 h and received 2 h before the document].
- ``results``: list of {``loinc``, ``label`` (as printed in the report), ``value``, ``unit`` (UCUM), ``low``,
  ``high``, ``interpretation`` (N/H/L, optional), ``display`` (LOINC display name, optional [label]),
  ``battery`` (optional key into ``batteries``), ``local_code`` (optional, the laboratory's own code)}
  [glucose, creatinine, sodium, potassium].
  Results without ``battery`` are isolated results; results sharing one are grouped in that battery.
- ``batteries``: {key: {``loinc``, ``label``}} for the ``battery`` keys [ionogramme 24326-1].

Every result observation is coded with its LOINC code (code/@code = ``loinc``, codeSystem LOINC).

Defect switch ``bio-results-not-loinc``: result observations carry the laboratory's local code
(``local_code`` or LABnnn, code system 1.2.250.1.999.1) instead of LOINC, as a laboratory system
that skipped the LOINC mapping would. The pack accepts a local code on an isolated result, but rejects it on a
battery member (E_FR-Resultats-examens-de-biologie-medicale wants LOINC or an empty code with a translation there).
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..profile import FINESS_ROOT, RPPS_ROOT
from .context import DocContext, hl7_time, new_oid
from .header import organisation_address
from .kinds import KindSpec
from .pdf import text_pdf
from .xml import LOINC, code, el, template

VOLET_TEMPLATE = "1.2.250.1.213.1.1.1.55"
VOLET_VERSION = "2024.01"
PALM_DOCUMENT_TEMPLATE = "1.3.6.1.4.1.19376.1.3.3"
PALM_LAB_PERFORMER = "1.3.6.1.4.1.19376.1.3.3.1.7"
CHAPTER_TEMPLATES = ("1.3.6.1.4.1.19376.1.3.3.2.1", "1.2.250.1.213.1.1.2.70")
RESULTS_ENTRY_TEMPLATES = ("1.3.6.1.4.1.19376.1.3.1", "1.2.250.1.213.1.1.3.21")
BATTERY_TEMPLATES = ("1.3.6.1.4.1.19376.1.3.1.4", "1.2.250.1.213.1.1.3.78")
OBSERVATION_TEMPLATES = ("1.3.6.1.4.1.19376.1.3.1.6", "1.2.250.1.213.1.1.3.80")
SPECIMEN_TEMPLATES = ("1.3.6.1.4.1.19376.1.3.1.2", "1.2.250.1.213.1.1.3.77")
RECEPTION_TEMPLATES = ("1.3.6.1.4.1.19376.1.3.1.3", "1.2.250.1.213.1.1.3.107")
PDF_SECTION_TEMPLATE = "1.2.250.1.213.1.1.2.243"
ATTACHED_DOCUMENT_TEMPLATE = "1.2.250.1.213.1.1.3.18"
ATTACHED_TYPE_TEMPLATES = ("1.3.6.1.4.1.19376.1.5.3.1.4.13", "1.2.250.1.213.1.1.3.48", "1.2.250.1.213.1.1.3.48.18")

SPECIMEN_TYPE_SYSTEM = "2.16.840.1.113883.18.311"
IHE_ACT_CODE_SYSTEM = "1.3.5.1.4.1.19376.1.5.3.2"
INTERPRETATION_SYSTEM = "2.16.840.1.113883.5.83"
INTERPRETATIONS = {"N": "Normal", "H": "Anormalement haut", "L": "Anormalement bas"}
LOCAL_CODE_SYSTEM = "1.2.250.1.999.1"
LOCAL_CODE_SYSTEM_NAME = "Codes locaux du laboratoire"

DEFAULT_CHAPTER = {"loinc": "18719-5", "label": "Biochimie"}
DEFAULT_SPECIMEN = {"type": "SER", "label": "Sérum"}
DEFAULT_BATTERIES = {"iono": {"loinc": "24326-1", "label": "Ionogramme sanguin"}}
DEFAULT_RESULTS: list[dict[str, Any]] = [
    {"loinc": "2345-7", "label": "Glycémie", "display": "Glucose [Masse/Volume] Sérum/Plasma ; Numérique",
     "value": 0.92, "unit": "g/L", "low": 0.70, "high": 1.10, "interpretation": "N"},
    {"loinc": "14682-9", "label": "Créatinine", "display": "Créatinine [Moles/Volume] Sérum/Plasma ; Numérique",
     "value": 81, "unit": "umol/L", "low": 59, "high": 104, "interpretation": "N"},
    {"loinc": "2951-2", "label": "Sodium", "display": "Sodium [Moles/Volume] Sérum/Plasma ; Numérique",
     "value": 139, "unit": "mmol/L", "low": 136, "high": 145, "interpretation": "N", "battery": "iono"},
    {"loinc": "2823-3", "label": "Potassium", "display": "Potassium [Moles/Volume] Sérum/Plasma ; Numérique",
     "value": 5.4, "unit": "mmol/L", "low": 3.5, "high": 5.1, "interpretation": "H", "battery": "iono"},
]


@dataclass(frozen=True)
class Result:
    """One analyte result as the laboratory validated it; `ref` is its narrative anchor."""

    ref: str
    loinc: str
    label: str
    display: str
    value: str
    unit: str
    low: str | None
    high: str | None
    interpretation: str | None
    local_code: str


@dataclass(frozen=True)
class Battery:
    """Results the laboratory reports together (e.g. an ionogram) under one panel code."""

    ref: str
    loinc: str | None
    label: str
    results: tuple[Result, ...]


@dataclass(frozen=True)
class Specimen:
    """The sample the results were measured on; times are HL7 TS."""

    code: str
    label: str
    collected: str
    received: str


@dataclass(frozen=True)
class Report:
    """The content of one CR-BIO chapter, read once from ctx.content with its defaults."""

    chapter_code: str
    chapter_label: str
    specimen: Specimen
    isolated: tuple[Result, ...]
    batteries: tuple[Battery, ...]


# -- content --------------------------------------------------------------------------------------


def _time(value: Any, default: dt.datetime) -> str:
    """HL7 TS from an ISO date-time of the content (naive ones take the document's offset)."""
    if not value:
        return hl7_time(default)
    moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default.tzinfo)
    return hl7_time(moment)


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _specimen(ctx: DocContext) -> Specimen:
    data = {**DEFAULT_SPECIMEN, **(ctx.content.get("specimen") or {})}
    return Specimen(
        code=str(data["type"]),
        label=str(data["label"]),
        collected=_time(data.get("collected"), ctx.created - dt.timedelta(hours=3)),
        received=_time(data.get("received"), ctx.created - dt.timedelta(hours=2)),
    )


def _result(number: int, item: dict[str, Any]) -> Result:
    label = str(item.get("label") or item["loinc"])
    return Result(
        ref=f"bio-res-{number}",
        loinc=str(item["loinc"]),
        label=label,
        display=str(item.get("display") or label),
        value=str(item.get("value", "")),
        unit=str(item.get("unit") or "1"),
        low=_text(item.get("low")),
        high=_text(item.get("high")),
        interpretation=_text(item.get("interpretation")),
        local_code=str(item.get("local_code") or f"LAB{number:03d}"),
    )


def report(ctx: DocContext) -> Report:
    """Isolated results and batteries in the order the content lists them (a battery where its first result is)."""
    definitions = ctx.content.get("batteries") or DEFAULT_BATTERIES
    isolated: list[Result] = []
    grouped: dict[str, list[Result]] = {}
    for number, item in enumerate(ctx.content.get("results") or DEFAULT_RESULTS, start=1):
        result = _result(number, item)
        key = item.get("battery")
        if key:
            grouped.setdefault(str(key), []).append(result)
        else:
            isolated.append(result)
    batteries = tuple(
        Battery(f"bio-bat-{number}", _text((definitions.get(key) or {}).get("loinc")),
                str((definitions.get(key) or {}).get("label") or key), tuple(members))
        for number, (key, members) in enumerate(grouped.items(), start=1)
    )
    chapter = {**DEFAULT_CHAPTER, **(ctx.content.get("chapter") or {})}
    return Report(str(chapter["loinc"]), str(chapter["label"]), _specimen(ctx), tuple(isolated), batteries)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _measure_text(result: Result) -> str:
    return result.value if result.unit == "1" else f"{result.value} {result.unit}"


def _reference_text(result: Result) -> str:
    if result.low and result.high:
        return f"{result.low} - {result.high}"
    if result.low:
        return f"> {result.low}"
    return f"< {result.high}" if result.high else ""


def _display_time(hl7: str) -> str:
    return dt.datetime.strptime(hl7[:12], "%Y%m%d%H%M").strftime("%d/%m/%Y à %H:%M")


# -- header ---------------------------------------------------------------------------------------

def _biologist(entity: etree._Element, ctx: DocContext) -> None:
    """id, code, addr, telecom and name of the biologist, as the volet wants them on performer and responsibleParty."""
    el(entity, "id", root=RPPS_ROOT, extension=ctx.author.national_id)
    code(entity, "code", ctx.author.profession_code, "1.2.250.1.213.1.1.4.5", ctx.author.profession_display)
    organisation_address(entity, ctx)
    el(entity, "telecom", value=ctx.organisation.telecom, use="WP")
    name = el(el(entity, "assignedPerson"), "name")
    el(name, "prefix", ctx.author.prefix)
    el(name, "given", ctx.author.given)
    el(name, "family", ctx.author.family)
    el(name, "suffix", ctx.author.suffix)


def _laboratory(entity: etree._Element, ctx: DocContext, with_setting: bool) -> None:
    org = el(entity, "representedOrganization")
    el(org, "id", root=FINESS_ROOT, extension=ctx.organisation.finess)
    el(org, "name", ctx.organisation.name)
    el(org, "telecom", value=ctx.organisation.telecom, use="WP")
    organisation_address(org, ctx)
    if with_setting:
        code(org, "standardIndustryClassCode", ctx.organisation.practice_setting_code, "1.2.250.1.213.1.1.4.9",
             ctx.organisation.practice_setting_display)


def documentation_of(ctx: DocContext, root: etree._Element) -> None:
    """The examined request: chapter code, reception-to-validation period, and the executing laboratory."""
    content = report(ctx)
    event = el(el(root, "documentationOf"), "serviceEvent")
    code(event, "code", content.chapter_code, LOINC, content.chapter_label, "LOINC")
    times = el(event, "effectiveTime")
    el(times, "low", value=content.specimen.received)
    el(times, "high", value=ctx.time)
    performer = el(event, "performer", typeCode="PRF")
    template(performer, PALM_LAB_PERFORMER)
    el(el(performer, "time"), "high", value=ctx.time)
    entity = el(performer, "assignedEntity")
    _biologist(entity, ctx)
    _laboratory(entity, ctx, with_setting=True)


def encounter(ctx: DocContext, encounter_element: etree._Element) -> None:
    """The encounter from specimen reception, with the responsible biologist the volet requires."""
    el(el(encounter_element, "effectiveTime"), "low", value=report(ctx).specimen.received)
    entity = el(el(encounter_element, "responsibleParty"), "assignedEntity")
    _biologist(entity, ctx)
    _laboratory(entity, ctx, with_setting=False)


# -- body -----------------------------------------------------------------------------------------


def _templates(parent: etree._Element, roots: tuple[str, ...]) -> None:
    for root in roots:
        template(parent, root)


def _result_code(parent: etree._Element, result: Result, ctx: DocContext) -> None:
    """LOINC, or the laboratory's local code when the defect says the LOINC mapping was skipped."""
    if ctx.has("bio-results-not-loinc"):
        element = code(parent, "code", result.local_code, LOCAL_CODE_SYSTEM, result.label, LOCAL_CODE_SYSTEM_NAME)
    else:
        element = code(parent, "code", result.loinc, LOINC, result.display, "LOINC")
    el(el(element, "originalText"), "reference", value=f"#{result.ref}")


def _observation(parent: etree._Element, result: Result, specimen: Specimen, ctx: DocContext) -> None:
    """FR-Resultat-examens-de-biologie-element-clinique-pertinent: one analyte, its value and reference range."""
    obs = el(parent, "observation", classCode="OBS", moodCode="EVN")
    _templates(obs, OBSERVATION_TEMPLATES)
    _result_code(obs, result, ctx)
    el(obs, "statusCode", code="completed")
    el(obs, "effectiveTime", value=specimen.collected)
    if _is_number(result.value):
        el(obs, "value", xsi_type="PQ", value=result.value, unit=result.unit)
    else:
        el(obs, "value", result.value, xsi_type="ST")
    if result.interpretation:
        code(obs, "interpretationCode", result.interpretation, INTERPRETATION_SYSTEM,
             INTERPRETATIONS.get(result.interpretation))
    if result.low or result.high:
        reference = el(el(obs, "referenceRange", typeCode="REFV"), "observationRange", classCode="OBS",
                       moodCode="EVN.CRT")
        interval = el(reference, "value", xsi_type="IVL_PQ")
        if result.low:
            el(interval, "low", value=result.low, unit=result.unit)
        if result.high:
            el(interval, "high", value=result.high, unit=result.unit)
        code(reference, "interpretationCode", "N", INTERPRETATION_SYSTEM, INTERPRETATIONS["N"])


def _battery(parent: etree._Element, battery: Battery, specimen: Specimen, ctx: DocContext) -> None:
    """FR-Batterie-examens-de-biologie-medicale: results the laboratory reports as one panel."""
    organizer = el(parent, "organizer", classCode="BATTERY", moodCode="EVN")
    _templates(organizer, BATTERY_TEMPLATES)
    if battery.loinc:
        element = code(organizer, "code", battery.loinc, LOINC, battery.label, "LOINC")
    else:
        element = el(organizer, "code")
    el(el(element, "originalText"), "reference", value=f"#{battery.ref}")
    el(organizer, "statusCode", code="completed")
    for result in battery.results:
        _observation(el(organizer, "component"), result, specimen, ctx)


def _specimen_collection(parent: etree._Element, specimen: Specimen) -> None:
    """FR-Prelevement: what was sampled and when, and when the laboratory received it (SPRECEIVE)."""
    procedure = el(parent, "procedure", classCode="PROC", moodCode="EVN")
    _templates(procedure, SPECIMEN_TEMPLATES)
    el(el(procedure, "effectiveTime"), "high", value=specimen.collected)
    role = el(el(procedure, "participant", typeCode="PRD"), "participantRole", classCode="SPEC")
    el(role, "id", root=new_oid())
    specimen_code = code(el(role, "playingEntity"), "code", specimen.code, SPECIMEN_TYPE_SYSTEM, specimen.label)
    el(el(specimen_code, "originalText"), "reference", value="#bio-specimen")
    reception = el(el(procedure, "entryRelationship", typeCode="COMP"), "act", classCode="ACT", moodCode="EVN")
    _templates(reception, RECEPTION_TEMPLATES)
    code(reception, "code", "SPRECEIVE", IHE_ACT_CODE_SYSTEM, "Échantillon reçu", "IHEActCode")
    el(reception, "effectiveTime", value=specimen.received)


def _results_entry(section: etree._Element, content: Report, ctx: DocContext) -> None:
    """FR-Resultats-examens-de-biologie-medicale: the chapter's specimen, isolated results and batteries."""
    entry = el(section, "entry", typeCode="DRIV")
    _templates(entry, RESULTS_ENTRY_TEMPLATES)
    act = el(entry, "act", classCode="ACT", moodCode="EVN")
    code(act, "code", content.chapter_code, LOINC, content.chapter_label, "LOINC")
    el(act, "statusCode", code="completed")
    _specimen_collection(el(act, "entryRelationship", typeCode="COMP"), content.specimen)
    for result in content.isolated:
        _observation(el(act, "entryRelationship", typeCode="COMP"), result, content.specimen, ctx)
    for battery in content.batteries:
        _battery(el(act, "entryRelationship", typeCode="COMP"), battery, content.specimen, ctx)


def _result_row(tbody: etree._Element, result: Result) -> None:
    row = el(tbody, "tr")
    el(el(row, "td"), "content", result.label, ID=result.ref)
    el(row, "td", _measure_text(result))
    el(row, "td", _reference_text(result))
    el(row, "td", INTERPRETATIONS.get(result.interpretation or "", result.interpretation or ""))


def _chapter_narrative(section: etree._Element, content: Report) -> None:
    """The chapter's text: the specimen, then a table row per result (a battery as a captioned group)."""
    specimen = content.specimen
    text = el(section, "text")
    paragraph = el(text, "paragraph", "Prélèvement : ")
    el(paragraph, "content", specimen.label, ID="bio-specimen").tail = (
        f", prélevé le {_display_time(specimen.collected)}, reçu au laboratoire le {_display_time(specimen.received)}."
    )
    table = el(text, "table", border="1")
    head = el(el(table, "thead"), "tr")
    for title in ("Examen", "Résultat", "Valeurs de référence", "Interprétation"):
        el(head, "th", title)
    tbody = el(table, "tbody")
    for result in content.isolated:
        _result_row(tbody, result)
    for battery in content.batteries:
        caption = el(el(tbody, "tr"), "td", colspan="4", styleCode="Bold")
        el(caption, "content", battery.label, ID=battery.ref)
        for result in battery.results:
            _result_row(tbody, result)


def _chapter_section(body: etree._Element, content: Report, ctx: DocContext) -> None:
    """FR-CR-BIO-Chapitre as a leaf: narrative plus exactly one results entry (IHE PaLM rule)."""
    section = el(el(body, "component"), "section")
    _templates(section, CHAPTER_TEMPLATES)
    code(section, "code", content.chapter_code, LOINC, content.chapter_label, "LOINC")
    el(section, "title", content.chapter_label)
    _chapter_narrative(section, content)
    _results_entry(section, content, ctx)


def _pdf_lines(content: Report) -> list[str]:
    def line(result: Result, indent: str = "") -> str:
        reference = _reference_text(result)
        return f"{indent}{result.label} : {_measure_text(result)}" + (f" ({reference})" if reference else "")

    lines = [f"Chapitre : {content.chapter_label}",
             f"Prélèvement : {content.specimen.label}, le {_display_time(content.specimen.collected)}", ""]
    lines += [line(result) for result in content.isolated]
    for battery in content.batteries:
        lines.append(battery.label)
        lines += [line(result, "    ") for result in battery.results]
    return lines


def _pdf_copy_section(body: etree._Element, content: Report) -> None:
    """FR-Document-PDF-copie: the same report rendered as PDF, mandatory in a CR-BIO."""
    section = el(el(body, "component"), "section")
    template(section, PDF_SECTION_TEMPLATE)
    el(section, "id", root=new_oid())
    code(section, "code", "55108-5", LOINC, "Copie du document", "LOINC")
    el(section, "title", "Copie du document")
    text = el(section, "text")
    el(el(text, "paragraph", "Copie PDF du compte rendu : "), "content", "Copie du document", ID="bio-pdf-type")
    el(text, "renderMultiMedia", referencedObject="bio-pdf")
    organizer = el(el(section, "entry"), "organizer", classCode="CLUSTER", moodCode="EVN")
    template(organizer, ATTACHED_DOCUMENT_TEMPLATE)
    el(organizer, "id", root=new_oid())
    code(organizer, "code", "55107-7", LOINC, "Document attaché", "LOINC")
    el(organizer, "statusCode", code="completed")
    kind = el(el(organizer, "component"), "observation", classCode="OBS", moodCode="EVN")
    _templates(kind, ATTACHED_TYPE_TEMPLATES)
    el(kind, "id", root=new_oid())
    code(kind, "code", "69764-9", LOINC, "Type de document", "LOINC")
    el(el(kind, "text"), "reference", value="#bio-pdf-type")
    el(kind, "statusCode", code="completed")
    el(kind, "effectiveTime", nullFlavor="NA")
    el(kind, "value", xsi_type="CD", code="55108-5", codeSystem=LOINC, displayName="Copie du document",
       codeSystemName="LOINC")
    media = el(el(organizer, "component"), "observationMedia", classCode="OBS", moodCode="EVN", ID="bio-pdf")
    pdf = text_pdf(SPEC.title, _pdf_lines(content))
    el(media, "value", base64.b64encode(pdf).decode("ascii"), mediaType="application/pdf", representation="B64")


def body(ctx: DocContext) -> etree._Element:
    content = report(ctx)
    structured = el(None, "structuredBody")
    _chapter_section(structured, content, ctx)
    _pdf_copy_section(structured, content)
    return structured


SPEC = KindSpec(
    kind="CR-BIO",
    code="11502-2",
    display="CR d'examens biologiques",
    title="Compte rendu d'examens biologiques",
    templates=((PALM_DOCUMENT_TEMPLATE, None), (VOLET_TEMPLATE, VOLET_VERSION)),
    body=body,
    encounter=encounter,
    header_slots={"documentationOf": documentation_of},
)
