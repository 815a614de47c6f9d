"""CR-IMG: compte rendu d'imagerie médicale, volet IMG-CR-IMG 2024.01 (DICOM Part 20 imaging report).

The header adds the DICOM Part 20 report templates and a serviceEvent that says which act was done:
LOINC act code with the CCAM act, the acquisition modality (qualifier 121139) and the anatomical region
as translations. The body holds the sections a reader of a radiology report expects, in the volet's order:

- FR-DICOM-informations-cliniques, with its two mandatory sub-sections: the request (indication) and the
  medical history (medical and surgical history, contraindications);
- FR-DICOM-Acte-imagerie (mandatory): the technique entry (act, modality, anatomical site), the radiation
  exposure sub-section when a dose is given, the DICOM object catalogue sub-section (mandatory);
- FR-DICOM-Resultats: the findings;
- FR-DICOM-Conclusion (mandatory), left out by the defect switch ``img-without-conclusion``.

Content keys (all optional; defaults describe a chest X-ray):

- ``exam``: table of the act. ``loinc``/``loinc_display`` (JDV_CodesDocumentImagerie_CISIS),
  ``ccam``/``ccam_display`` (CCAM act), ``modality``/``modality_display`` (DICOM modality,
  JDV_ModaliteAcquisition_CISIS), ``site``/``site_display`` (SNOMED CT, JDV_LocalisationAnatomique_CISIS),
  ``region``/``region_display`` (SNOMED CT, JDV_RegionAnatomique_CISIS), ``date`` (HL7 timestamp of the
  acquisition, default: document time), ``study_uid`` (DICOM Study Instance UID, default: derived from setId).
- ``indication``: why the exam was requested (text).
- ``medical_history``, ``surgical_history``: texts (default "Non renseignés").
- ``contraindications``: list of tables ``code``/``system``/``display`` (JDV_Contre_indications_CISIS),
  default none (written as a negated observation, "aucune contre-indication connue").
- ``technique``: how the exam was made (text).
- ``dose``: table ``value``/``unit``/``code``/``display`` (JDV_QuantiteExpositionRayonnements_CISIS,
  default code 113722, dose-area product); when it has a value, the radiation exposure sub-section is written.
- ``findings``: text or list of paragraphs.
- ``conclusion``: text or list of paragraphs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..profile import RPPS_ROOT
from .context import DocContext
from .kinds import KindSpec
from .xml import LOINC, code, el, template

VOLET_TEMPLATE = "1.2.250.1.213.1.1.1.45"
DICOM_REPORT_TEMPLATES = ("1.2.840.10008.9.1", "1.2.840.10008.9.20", "1.2.840.10008.9.21")
DCM = "1.2.840.10008.2.16.4"
SNOMED = "2.16.840.1.113883.6.96"
CCAM = "1.2.250.1.215.300.1"
CONTRAINDICATION_SYSTEM = "1.2.250.1.213.1.1.4.322"
OTHER_CONTRAINDICATION = "GEN-092.01.20"
DOSE_AREA_PRODUCT = "113722"
DOSE_AREA_PRODUCT_DISPLAY = "PDS Total : Produit Dose Surface Total"
CODED_OBSERVATION_TEMPLATES = ("2.16.840.1.113883.10.20.6.2.13", "1.2.250.1.213.1.1.3.150")
NOT_GIVEN = "Non renseignés"

Cell = str | tuple[str, str]
"""A narrative table cell: plain text, or (ID, text) when an entry references it."""


@dataclass(frozen=True)
class Exam:
    """The imaging act, as the header's serviceEvent and the technique entry both code it."""

    loinc: str
    loinc_display: str
    ccam: str
    ccam_display: str
    modality: str
    modality_display: str
    site: str
    site_display: str
    region: str
    region_display: str
    date: str
    study_uid: str


def _exam(ctx: DocContext) -> Exam:
    """The act from content, defaulting to a two-view chest X-ray; the study UID is stable across versions."""
    given: dict[str, Any] = ctx.content.get("exam") or {}
    study_uid = f"2.25.{uuid.uuid5(uuid.NAMESPACE_OID, 'study:' + ctx.set_oid).int}"
    defaults = {
        "loinc": "36643-5", "loinc_display": "RX thorax ; 2 incidences",
        "ccam": "ZBQK002", "ccam_display": "Radiographie du thorax",
        "modality": "DX", "modality_display": "Radiographie numérique",
        "site": "302551006", "site_display": "thorax entier",
        "region": "67734004", "region_display": "segment thoracique du tronc",
        "date": ctx.time, "study_uid": study_uid,
    }
    return Exam(**{key: str(given.get(key) or value) for key, value in defaults.items()})


def _paragraphs(value: Any, default: str) -> list[str]:
    """Content text given as a string or a list of strings, as narrative paragraphs."""
    if isinstance(value, list | tuple):
        lines = [str(line) for line in value if str(line).strip()]
    else:
        lines = [str(value)] if value and str(value).strip() else []
    return lines or [default]


def _new_id() -> str:
    return str(uuid.uuid4()).upper()


# --- narrative helpers ------------------------------------------------------------------------------------------


def _section(parent: etree._Element, templates: tuple[str, ...], value: str, display: str, title: str,
             system: str = LOINC, system_name: str = "LOINC") -> etree._Element:
    """A section (wrapped in its component) with its templates, id, code and title; the caller adds text."""
    section = el(el(parent, "component"), "section")
    for root in templates:
        template(section, root)
    el(section, "id", root=_new_id())
    code(section, "code", value, system, display, system_name)
    el(section, "title", title)
    return section


def _text_paragraphs(section: etree._Element, lines: list[str]) -> etree._Element:
    text = el(section, "text")
    for line in lines:
        el(text, "paragraph", line)
    return text


def _table(text: etree._Element, headers: list[str], rows: list[list[Cell]]) -> None:
    """A narrative table; (ID, text) cells become <content ID> that entries reference."""
    table = el(text, "table", border="1")
    head = el(el(table, "thead"), "tr")
    for header in headers:
        el(head, "th", header)
    body = el(table, "tbody")
    for row in rows:
        tr = el(body, "tr")
        for cell in row:
            td = el(tr, "td")
            if isinstance(cell, tuple):
                el(td, "content", cell[1], ID=cell[0])
            else:
                td.text = cell


def _ref(parent: etree._Element, tag: str, target: str, **attrs: str) -> etree._Element:
    """An element (text, originalText) pointing at the narrative ID ``target``."""
    element = el(parent, tag, **attrs)
    el(element, "reference", value=f"#{target}")
    return element


# --- header -----------------------------------------------------------------------------------------------------


def service_event(ctx: DocContext, event: etree._Element) -> None:
    """The documented act: Study Instance UID, LOINC code with CCAM, modality and region translations."""
    exam = _exam(ctx)
    event.set("classCode", "ACT")
    el(event, "id", root=exam.study_uid)
    act = code(event, "code", exam.loinc, LOINC, exam.loinc_display, "LOINC")
    code(act, "translation", exam.ccam, CCAM, exam.ccam_display, "CCAM")
    modality = code(act, "translation", exam.modality, DCM, exam.modality_display, "DCM")
    code(el(modality, "qualifier"), "name", "121139", DCM, "Modalité d'imagerie", "DCM")
    region = code(act, "translation", exam.region, SNOMED, exam.region_display, "SNOMED CT")
    code(el(region, "qualifier"), "name", "39111-0", LOINC, "localisation anatomique", "LOINC")
    times = el(event, "effectiveTime")
    el(times, "low", value=exam.date)
    el(times, "high", value=exam.date)


# --- sections ---------------------------------------------------------------------------------------------------


def _clinical_information(body: etree._Element, ctx: DocContext) -> None:
    """Why the exam was asked for and what the radiologist knew of the patient (two mandatory sub-sections)."""
    section = _section(body, ("1.2.840.10008.9.2", "1.2.250.1.213.1.1.2.205"), "55752-0",
                       "Informations cliniques", "Informations cliniques")
    _text_paragraphs(section, ["Indication de l'examen et antécédents du patient transmis par le demandeur."])
    _request(section, ctx)
    _history(section, ctx)


def _request(parent: etree._Element, ctx: DocContext) -> None:
    section = _section(parent, ("1.2.840.10008.9.7", "1.2.250.1.213.1.1.2.211"), "55115-0", "Demande",
                       "Indication de l'examen")
    _text_paragraphs(section, _paragraphs(ctx.content.get("indication"), "Bilan d'imagerie."))


def _history(parent: etree._Element, ctx: DocContext) -> None:
    """Medical and surgical history [1..*] each, contraindications; coded observations referencing the table."""
    section = _section(parent, ("2.16.840.1.113883.10.20.22.2.39", "1.2.250.1.213.1.1.2.213"), "11329-0",
                       "Historique médical", "Antécédents et contre-indications")
    medical = str(ctx.content.get("medical_history") or NOT_GIVEN)
    surgical = str(ctx.content.get("surgical_history") or NOT_GIVEN)
    contraindications: list[dict[str, Any]] = list(ctx.content.get("contraindications") or [])
    ci_rows: list[list[Cell]] = [[(f"contre-indication-{n}", str(ci.get("display") or ci.get("code")))]
                                 for n, ci in enumerate(contraindications, 1)]
    text = el(section, "text")
    _table(text, ["Antécédents médicaux"], [[("antecedents-medicaux", medical)]])
    _table(text, ["Antécédents chirurgicaux"], [[("antecedents-chirurgicaux", surgical)]])
    _table(text, ["Contre-indications"], ci_rows or [[("contre-indication-0", "Aucune contre-indication connue")]])
    _observation(section, "11348-0", "Antécédents médicaux", "antecedents-medicaux")
    _observation(section, "47519-4", "Antécédents chirurgicaux", "antecedents-chirurgicaux")
    for n, ci in enumerate(contraindications, 1):
        _observation(section, "64100-1", "Contre-indications", f"contre-indication-{n}",
                     value=(str(ci.get("code")), str(ci.get("system") or CONTRAINDICATION_SYSTEM),
                            str(ci.get("display") or "")))
    if not contraindications:
        # The volet's schematron wants a contraindication entry: "none known" is the negation of "other known".
        _observation(section, "64100-1", "Contre-indications", "contre-indication-0", negated=True,
                     value=(OTHER_CONTRAINDICATION, CONTRAINDICATION_SYSTEM, "Autre contre-indication connue"))


def _observation(section: etree._Element, value_code: str, display: str, ref: str, *,
                 value: tuple[str, str, str] | None = None, negated: bool = False) -> None:
    """FR-DICOM-Observation: a coded value, or free text (value/originalText) when there is no code."""
    obs = el(el(section, "entry"), "observation", classCode="OBS", moodCode="EVN",
             negationInd="true" if negated else None)
    for root in CODED_OBSERVATION_TEMPLATES:
        template(obs, root)
    el(obs, "id", root=_new_id())
    code(obs, "code", value_code, LOINC, display, "LOINC")
    _ref(obs, "text", ref)
    el(obs, "statusCode", code="completed")
    if value is None:
        _ref(el(obs, "value", xsi_type="CD"), "originalText", ref)
    else:
        coded = el(obs, "value", xsi_type="CD", code=value[0], codeSystem=value[1], displayName=value[2] or None)
        _ref(coded, "originalText", ref)


def _imaging_act(body: etree._Element, ctx: DocContext) -> None:
    """The act with its technique entry, the radiation exposure (when dosed) and the DICOM object catalogue."""
    exam = _exam(ctx)
    technique = str(ctx.content.get("technique") or exam.loinc_display)
    section = _section(body, ("1.2.840.10008.9.3", "1.2.250.1.213.1.1.2.206"), "55111-9",
                       "Description de l'acte d'imagerie", "Technique d'imagerie")
    _table(el(section, "text"), ["Acte d'imagerie", "Technique", "Modalité", "Localisation anatomique"], [[
        ("acte-1", f"{exam.loinc_display} [LOINC {exam.loinc}] — {exam.ccam_display} [CCAM {exam.ccam}]"),
        ("acte-1-technique", technique),
        ("acte-1-modalite", exam.modality_display),
        ("acte-1-localisation", exam.site_display),
    ]])
    _technique_entry(section, exam)
    dose = ctx.content.get("dose")
    if isinstance(dose, dict) and dose.get("value") is not None:
        _radiation_exposure(section, ctx, exam, dose)
    _object_catalog(section, exam)


def _technique_entry(section: etree._Element, exam: Exam) -> None:
    """FR-DICOM-Technique-imagerie: act code (one CCAM translation), modality, anatomical site."""
    proc = el(el(section, "entry"), "procedure", classCode="PROC", moodCode="EVN")
    template(proc, "1.2.840.10008.9.14")
    template(proc, "1.2.250.1.213.1.1.3.153")
    el(proc, "id", root=_new_id())
    act = code(proc, "code", exam.loinc, LOINC, exam.loinc_display, "LOINC")
    _ref(act, "originalText", "acte-1")
    code(act, "translation", exam.ccam, CCAM, exam.ccam_display, "CCAM")
    _ref(proc, "text", "acte-1-technique")
    el(proc, "effectiveTime", value=exam.date)
    _ref(code(proc, "methodCode", exam.modality, DCM, exam.modality_display, "DCM"), "originalText", "acte-1-modalite")
    site = el(proc, "targetSiteCode", xsi_type="CD", code=exam.site, codeSystem=SNOMED,
              displayName=exam.site_display, codeSystemName="SNOMED CT")
    _ref(site, "originalText", "acte-1-localisation")


def _radiation_exposure(parent: etree._Element, ctx: DocContext, exam: Exam, dose: dict[str, Any]) -> None:
    """FR-DICOM-Exposition-aux-radiations: who authorised the exposure, and the dose indicator."""
    section = _section(parent, ("1.2.840.10008.9.8", "1.2.250.1.213.1.1.2.215"), "73569-6",
                       "Exposition aux rayonnements et informations de radioprotection",
                       "Exposition aux rayonnements ionisants")
    authoriser = f"{ctx.author.given} {ctx.author.family}"
    quantity_code = str(dose.get("code") or DOSE_AREA_PRODUCT)
    quantity = str(dose.get("display") or (DOSE_AREA_PRODUCT_DISPLAY if quantity_code == DOSE_AREA_PRODUCT
                                           else quantity_code))
    amount = f"{dose['value']} {dose.get('unit', 'mGy.cm2')}"
    text = el(section, "text")
    el(el(text, "paragraph", "Exposition autorisée par : "), "content", authoriser, ID="exposition-autorisation")
    _table(text, ["Mesure", "Localisation", "Quantité"],
           [[("exposition-mesure-1", quantity), ("exposition-localisation-1", exam.site_display), amount]])
    _exposure_authorisation(section, ctx)
    _dose_entry(section, exam, dose, (quantity_code, quantity))


def _exposure_authorisation(section: etree._Element, ctx: DocContext) -> None:
    """FR-DICOM-Exposition-patient: the radiologist who authorised the irradiation."""
    proc = el(el(section, "entry"), "procedure", classCode="PROC", moodCode="EVN")
    template(proc, "1.2.250.1.213.1.1.3.165")
    exposure = code(proc, "code", "121290", DCM, "Exposition du patient aux rayonnements ionisants", "DCM")
    _ref(exposure, "originalText", "exposition-autorisation")
    role = el(el(proc, "participant", typeCode="RESP"), "participantRole")
    el(role, "id", root=RPPS_ROOT, extension=ctx.author.national_id)
    code(role, "code", "113850", DCM, "Autorisation d'irradiation", "DCM")
    name = el(el(role, "playingEntity"), "name")
    el(name, "prefix", ctx.author.prefix)
    el(name, "given", ctx.author.given)
    el(name, "family", ctx.author.family)


def _dose_entry(section: etree._Element, exam: Exam, dose: dict[str, Any], quantity: tuple[str, str]) -> None:
    """FR-DICOM-Quantite: the dose indicator with its unit and the irradiated site."""
    obs = el(el(section, "entry"), "observation", classCode="OBS", moodCode="EVN")
    template(obs, "2.16.840.1.113883.10.20.6.2.14")
    template(obs, "1.2.250.1.213.1.1.3.154")
    el(obs, "id", root=_new_id())
    code(obs, "code", quantity[0], DCM, quantity[1], "DCM")
    _ref(obs, "text", "exposition-mesure-1")
    el(obs, "statusCode", code="completed")
    el(obs, "effectiveTime", value=exam.date)
    el(obs, "value", xsi_type="PQ", value=str(dose["value"]), unit=str(dose.get("unit", "mGy.cm2")))
    site = el(obs, "targetSiteCode", code=exam.site, codeSystem=SNOMED, displayName=exam.site_display,
              codeSystemName="SNOMED CT")
    _ref(site, "originalText", "exposition-localisation-1")


def _object_catalog(parent: etree._Element, exam: Exam) -> None:
    """FR-DICOM-Object-Catalog [1..1]: the study the report describes (study entries are optional)."""
    section = _section(parent, ("2.16.840.1.113883.10.20.6.1.1", "1.2.250.1.213.1.1.2.217"), "121181",
                       "Catalogue d'objets DICOM", "Catalogue d'objets DICOM", DCM, "DCM")
    _table(el(section, "text"), ["Examen (Study Instance UID)", "Modalité d'acquisition"],
           [[exam.study_uid, exam.modality_display]])


def _findings(body: etree._Element, ctx: DocContext) -> None:
    section = _section(body, ("2.16.840.1.113883.10.20.6.1.2", "1.2.250.1.213.1.1.2.208"), "59776-5",
                       "Résultats de l'acte", "Résultats")
    _text_paragraphs(section, _paragraphs(ctx.content.get("findings"), "Pas d'anomalie décelée."))


def _conclusion(body: etree._Element, ctx: DocContext) -> None:
    section = _section(body, ("1.2.840.10008.9.5", "1.2.250.1.213.1.1.2.209"), "19005-8", "Conclusions",
                       "Conclusion")
    _text_paragraphs(section, _paragraphs(ctx.content.get("conclusion"), "Examen sans particularité."))


def body(ctx: DocContext) -> etree._Element:
    structured = el(None, "structuredBody")
    _clinical_information(structured, ctx)
    _imaging_act(structured, ctx)
    _findings(structured, ctx)
    if not ctx.has("img-without-conclusion"):
        _conclusion(structured, ctx)
    return structured


SPEC = KindSpec(
    kind="CR-IMG",
    code="18748-4",
    display="CR d'imagerie médicale",
    title="Compte rendu d'imagerie médicale",
    templates=(*((root, None) for root in DICOM_REPORT_TEMPLATES), (VOLET_TEMPLATE, "2024.01")),
    body=body,
    service_event=service_event,
)
