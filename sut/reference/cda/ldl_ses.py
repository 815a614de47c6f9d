"""LDL-SES 2022.01: lettre de liaison à la sortie d'un établissement de santé (LOINC 11490-0).

The volet requires four body sections (volet schematron, "sections obligatoires"):
document status (FR-Statut-du-document-LDL-SES), reason for the stay
(FR-Raison-de-la-recommandation-non-code), stay events (FR-Resultats-evenements-LDL-SES,
whose coded observations are limited to ORG-070/ORG-074/MED-142..148/MED-309) and
discharge treatments (FR-Traitements-a-la-sortie). A "Suites à donner" section is added
when the content gives a follow-up text. The serviceEvent is the hospital stay (ActCode IMP).

Content keys (all optional, defaults in brackets):
- ``title``: document title [volet title].
- ``admission`` / ``discharge``: ISO date or date-time of the stay [5 days before creation / creation day].
- ``admission_mode``: emergency | planned | transfer | other [emergency] (JDV_ModaliteEntree_CISIS).
- ``discharge_mode``: home | ssr | had | ehpad | other-facility | other [home] (JDV_ModaliteSortie_CISIS).
- ``status``: in-progress | completed | approved | closed [completed] (JDV_StatutDoc_CISIS).
- ``reason``: why the patient was hospitalised (text).
- ``summary``: medical summary of the stay (text).
- ``adverse_events``: adverse events during the stay (text; entry left out when absent).
- ``mdro_screening``: multi-resistant organism screening done (bool) [false];
  ``mdro_identified``: organisms found (text, optional).
- ``transfusion``: blood products transfused (bool) [false]; ``transfusion_incidents`` (text, optional).
- ``blood_derivatives``: blood derivatives given (bool) [false]; ``blood_derivative_events`` (text, optional).
- ``discharge_treatments``: list of {``name``, ``dosage`` (text), ``cis``, ``atc``, ``start``, ``end``}
  (codes and dates optional; start defaults to the discharge day) [one default drug]; [] writes
  a "no-known-medications" entry.
- ``follow_up``: follow-up instructions (text; "Suites à donner" section left out when absent).

Defect switch: ``ldl-without-discharge-treatments`` leaves out the mandatory discharge treatments section.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from lxml import etree

from .context import DocContext, new_oid
from .kinds import KindSpec
from .xml import LOINC, code, el, template

VOLET_TEMPLATE = "1.2.250.1.213.1.1.1.29"
TA_ASIP = "1.2.250.1.213.1.1.4.322"
SNOMED = "2.16.840.1.113883.6.96"
ACT_CODE = "2.16.840.1.113883.5.4"
FINESS_CATEGORY = "1.2.250.1.213.1.6.1.8"
CIS = "1.2.250.1.213.2.3.1"
ATC = "2.16.840.1.113883.6.73"
NO_KNOWN_SYSTEM = "2.16.840.1.113883.5.1150.1"
SIMPLE_OBSERVATION = ("1.3.6.1.4.1.19376.1.5.3.1.4.13", "1.2.250.1.213.1.1.3.48")

# (code, codeSystem, displayName) by content value; the sets are the volet's value sets.
ADMISSION_MODES = {
    "emergency": ("183452005", SNOMED, "hospitalisation en urgence"),
    "planned": ("8715000", SNOMED, "hospitalisation programmée"),
    "transfer": ("107724000", SNOMED, "transfert du patient"),
    "other": ("GEN-092.06.07", TA_ASIP, "Autre modalité d'entrée"),
}
DISCHARGE_MODES = {
    "home": ("160849004", SNOMED, "retour au domicile"),
    "ssr": ("109", FINESS_CATEGORY, "Etablissement de santé privé autorisé en SSR"),
    "had": ("127", FINESS_CATEGORY, "Hospitalisation à Domicile"),
    "ehpad": ("500", FINESS_CATEGORY, "Etablissement d'hébergement pour personnes âgées dépendantes"),
    "other-facility": ("GEN-092.06.01", TA_ASIP, "Autre établissement de santé"),
    "other": ("GEN-092.06.03", TA_ASIP, "Autre destination"),
}
STATUSES = {
    "in-progress": ("385651009", SNOMED, "en cours d'exécution"),
    "completed": ("398166005", SNOMED, "réalisé"),
    "approved": ("9571008", SNOMED, "approuvé"),
    "closed": ("29179001", SNOMED, "clôturé"),
}
DEFAULT_TREATMENTS = [{"name": "PARACETAMOL 1 g, comprimé", "atc": "N02BE01",
                       "dosage": "1 comprimé jusqu'à 3 fois par jour si douleur, pendant 5 jours"}]

Cell = str | tuple[str, str]
"""A narrative table cell: plain text, or (ID, text) when an entry references it."""


# --- content helpers -------------------------------------------------------------------------------------------


def _moment(value: Any, tz: dt.tzinfo | None) -> dt.date | None:
    """An ISO date stays a date (HL7 precision: day); a date-time gets the document's UTC offset if it has none."""
    if not value:
        return None
    text = str(value)
    if "T" not in text and " " not in text:
        return dt.date.fromisoformat(text)
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _ts(moment: dt.date) -> str:
    if isinstance(moment, dt.datetime):
        return moment.strftime("%Y%m%d%H%M%S%z")
    return moment.strftime("%Y%m%d")


def _shown(moment: dt.date) -> str:
    return moment.strftime("%d/%m/%Y %H:%M" if isinstance(moment, dt.datetime) else "%d/%m/%Y")


def _stay(ctx: DocContext) -> tuple[dt.date, dt.date]:
    created = ctx.created
    admission = _moment(ctx.content.get("admission"), created.tzinfo) or (created - dt.timedelta(days=5)).date()
    discharge = _moment(ctx.content.get("discharge"), created.tzinfo) or created.date()
    return admission, discharge


def _choice(ctx: DocContext, key: str, table: dict[str, tuple[str, str, str]], default: str) -> tuple[str, str, str]:
    """A coded value picked by a short content keyword; an unknown keyword falls back to the default."""
    return table.get(str(ctx.content.get(key) or default), table[default])


def _text(ctx: DocContext, key: str, default: str) -> str:
    return str(ctx.content.get(key) or default)


def _flag(ctx: DocContext, key: str) -> bool:
    """A yes/no content value; JSON booleans, or "true"/"oui"/"yes"/"1" as text."""
    value = ctx.content.get(key)
    return value if isinstance(value, bool) else str(value).strip().lower() in {"true", "oui", "yes", "1"}


def _yes_no(flag: bool) -> str:
    return "Oui" if flag else "Non"


# --- narrative and structure helpers ---------------------------------------------------------------------------


def _section(body: etree._Element, templates: Sequence[str], loinc: str, display: str, title: str) -> etree._Element:
    """A structuredBody component/section with its templateIds, id, LOINC code and title."""
    section = el(el(body, "component"), "section")
    for root in templates:
        template(section, root)
    el(section, "id", root=new_oid())
    code(section, "code", loinc, LOINC, display, "LOINC")
    el(section, "title", title)
    return section


def _table(section: etree._Element, headers: Sequence[str], rows: Sequence[Sequence[Cell]],
           row_ids: Sequence[str | None] = ()) -> None:
    """The section's narrative as a table; (ID, text) cells become <content ID> that entries reference."""
    table = el(el(section, "text"), "table", border="1")
    header_row = el(el(table, "thead"), "tr")
    for label in headers:
        el(header_row, "th", label)
    tbody = el(table, "tbody")
    for index, row in enumerate(rows):
        tr = el(tbody, "tr", ID=row_ids[index] if index < len(row_ids) else None)
        for cell in row:
            td = el(tr, "td")
            if isinstance(cell, tuple):
                el(td, "content", cell[1], ID=cell[0])
            else:
                td.text = cell


@dataclass(frozen=True)
class Fact:
    """One stay fact: a narrative row and the CI-SIS simple observation that codes it."""

    ref: str
    """Narrative content ID the entry references."""
    templates: str
    """The entry's CI-SIS templateIds after the simple observation ones (space separated)."""
    code: str
    display: str
    shown: str
    value: tuple[str, str, str] | bool | str
    """Coded (CE), yes/no (BL) or free text (ST)."""
    moment: dt.date


def _observation(section: etree._Element, fact: Fact) -> None:
    """A CI-SIS simple observation entry (IHE PCC 1.4.13) pointing at its narrative row."""
    obs = el(el(section, "entry"), "observation", classCode="OBS", moodCode="EVN")
    for root in (*SIMPLE_OBSERVATION, *fact.templates.split()):
        template(obs, root)
    el(obs, "id", root=new_oid())
    code(obs, "code", fact.code, TA_ASIP, fact.display, "TA_ASIP")
    el(el(obs, "text"), "reference", value=f"#{fact.ref}")
    el(obs, "statusCode", code="completed")
    el(obs, "effectiveTime", value=_ts(fact.moment))
    value = fact.value
    if isinstance(value, tuple):
        el(obs, "value", xsi_type="CE", code=value[0], codeSystem=value[1], displayName=value[2])
    elif isinstance(value, bool):
        el(obs, "value", xsi_type="BL", value="true" if value else "false")
    else:
        el(obs, "value", value, xsi_type="ST")


def _facts_section(body: etree._Element, templates: Sequence[str], loinc: str, display: str, title: str,
                   facts: Sequence[Fact]) -> None:
    """A section whose narrative is a two-column table of its facts, followed by one entry per fact."""
    section = _section(body, templates, loinc, display, title)
    _table(section, ("Élément", "Valeur"), [[fact.display, (fact.ref, fact.shown)] for fact in facts])
    for fact in facts:
        _observation(section, fact)


# --- sections --------------------------------------------------------------------------------------------------


def _status_section(body: etree._Element, ctx: DocContext, discharge: dt.date) -> None:
    """FR-Statut-du-document-LDL-SES: whether the letter is provisional or final (GEN-065, JDV_StatutDoc)."""
    status = _choice(ctx, "status", STATUSES, "completed")
    fact = Fact("ldl-statut", "1.2.250.1.213.1.1.3.48.16 1.2.250.1.213.1.1.3.48.16.1", "GEN-065",
                "Statut du document", status[2], status, discharge)
    _facts_section(body, ("1.2.250.1.213.1.1.2.35", "1.2.250.1.213.1.1.2.35.1"), "33557-0", "Etat d'achèvement",
                   "Statut du document", [fact])


def _reason_section(body: etree._Element, ctx: DocContext) -> None:
    """FR-Raison-de-la-recommandation-non-code: the reason for the stay, narrative only."""
    section = _section(body, ("1.3.6.1.4.1.19376.1.5.3.1.3.1", "1.2.250.1.213.1.1.2.127"), "42349-1",
                       "Raison de la recommandation", "Motif de l'hospitalisation")
    el(el(section, "text"), "paragraph", _text(ctx, "reason", "Hospitalisation pour bilan et prise en charge."))


def _flag_fact(ctx: DocContext, key: str, fact: Fact) -> Fact:
    """A [1..1] yes/no fact: always written, "no" when the content does not say."""
    flag = _flag(ctx, key)
    return replace(fact, shown=_yes_no(flag), value=flag)


def _text_fact(ctx: DocContext, key: str, fact: Fact) -> list[Fact]:
    """A [0..1] free-text fact: written only when the content gives it."""
    text = ctx.content.get(key)
    return [replace(fact, shown=str(text), value=str(text))] if text else []


def _stay_facts(ctx: DocContext, admission: dt.date, discharge: dt.date) -> list[Fact]:
    """The FR-Resultats-evenements-LDL-SES entries, in the volet's order."""
    entry_mode = _choice(ctx, "admission_mode", ADMISSION_MODES, "emergency")
    exit_mode = _choice(ctx, "discharge_mode", DISCHARGE_MODES, "home")
    summary = _text(ctx, "summary", "Séjour sans particularité.")

    def fact(ref: str, leaf: str, obs_code: str, display: str) -> Fact:
        return Fact(ref, f"1.2.250.1.213.1.1.3.48.{leaf}", obs_code, display, "", "", discharge)

    return [
        replace(fact("ldl-entree", "6", "ORG-070", "Modalité d'entrée"), moment=admission,
                shown=f"{_shown(admission)}, {entry_mode[2]}", value=entry_mode),
        replace(fact("ldl-sortie", "7", "ORG-074", "Modalité de sortie"),
                shown=f"{_shown(discharge)}, {exit_mode[2]}", value=exit_mode),
        replace(fact("ldl-synthese", "9", "MED-142", "Synthèse médicale"), shown=summary, value=summary),
        *_text_fact(ctx, "adverse_events", fact(
            "ldl-ei", "3", "MED-143", "Evènements indésirables survenus pendant l'hospitalisation")),
        _flag_fact(ctx, "mdro_screening", fact(
            "ldl-bmr", "8", "MED-309", "Recherche de microorganismes multi-résistants ou émergents effectuée")),
        *_text_fact(ctx, "mdro_identified", fact(
            "ldl-bmr-id", "5", "MED-144", "Identification de micro-organismes multirésistants")),
        _flag_fact(ctx, "transfusion", fact("ldl-transfusion", "10", "MED-145", "Transfusion de produits sanguins")),
        *_text_fact(ctx, "transfusion_incidents", fact(
            "ldl-accident-transfu", "1", "MED-146", "Accidents transfusionnels")),
        _flag_fact(ctx, "blood_derivatives", fact(
            "ldl-derives", "2", "MED-147", "Administration de dérivés du sang")),
        *_text_fact(ctx, "blood_derivative_events", fact(
            "ldl-ei-derives", "4", "MED-148", "Evènements indésirables suite à l'administration de dérivés du sang")),
    ]


def _events_section(body: etree._Element, ctx: DocContext, admission: dt.date, discharge: dt.date) -> None:
    """FR-Resultats-evenements-LDL-SES: entry/exit modes, medical summary, infection and transfusion facts."""
    _facts_section(body, ("1.3.6.1.4.1.19376.1.5.3.1.1.21.2.9", "1.3.6.1.4.1.19376.1.7.3.1.1.13.7",
                          "1.2.250.1.213.1.1.2.163", "1.2.250.1.213.1.1.2.163.1"), "42545-4",
                   "Evènements observés", "Synthèse médicale du séjour", _stay_facts(ctx, admission, discharge))


def _treatments(ctx: DocContext) -> list[dict[str, Any]]:
    drugs = ctx.content.get("discharge_treatments")
    return [dict(drug) for drug in (DEFAULT_TREATMENTS if drugs is None else drugs)]


def _material(entry: etree._Element) -> etree._Element:
    """FR-Produit-de-sante (consumable/manufacturedProduct) up to its manufacturedMaterial."""
    product = el(el(entry, "consumable"), "manufacturedProduct")
    for root in ("1.2.250.1.213.1.1.3.43", "2.16.840.1.113883.10.20.1.53", "1.3.6.1.4.1.19376.1.5.3.1.4.7.2"):
        template(product, root)
    return el(product, "manufacturedMaterial")


def _medication_entry(section: etree._Element, ref: str, act_code: tuple[str, str, str]) -> etree._Element:
    """FR-Traitement (IHE PCC Medications, normal dosing) up to its statusCode; its text is narrative `ref`."""
    entry = el(el(section, "entry"), "substanceAdministration", classCode="SBADM", moodCode="EVN")
    for root in ("1.2.250.1.213.1.1.3.42", "2.16.840.1.113883.10.20.1.24", "1.3.6.1.4.1.19376.1.5.3.1.4.7",
                 "1.3.6.1.4.1.19376.1.5.3.1.4.7.1"):
        template(entry, root)
    el(entry, "id", root=new_oid())
    code(entry, "code", *act_code)
    el(el(entry, "text"), "reference", value=f"#{ref}")
    el(entry, "statusCode", code="completed")
    return entry


def _medication(section: etree._Element, drug: dict[str, Any], ref: str, start: dt.date, end: dt.date | None) -> None:
    """One discharge drug; its text is the whole narrative row (name and dosage), its product code CIS or UNK
    (CI-SIS rule: a product code is CIS or uncoded), with the ATC class as a translation."""
    entry = _medication_entry(section, ref, ("DRUG", ACT_CODE, "Médicament"))
    period = el(entry, "effectiveTime", xsi_type="IVL_TS")
    el(period, "low", value=_ts(start))
    el(period, "high", value=_ts(end) if end else None, nullFlavor=None if end else "UNK")
    material = _material(entry)
    name = str(drug.get("name") or "Médicament")
    cis, atc = drug.get("cis"), drug.get("atc")
    drug_code = code(material, "code", str(cis), CIS, name, "CIS") if cis else el(material, "code", nullFlavor="UNK")
    el(el(drug_code, "originalText"), "reference", value=f"#{ref}-nom")
    if atc:
        code(drug_code, "translation", str(atc), ATC, system_name="ATC")
    el(material, "name", name)


def _no_medication(section: etree._Element, ref: str) -> None:
    """The IHE way to say there is no drug (the section needs a Medications entry): no-known-medications."""
    entry = _medication_entry(section, ref, ("no-known-medications", NO_KNOWN_SYSTEM,
                                             "Pas de traitement médicamenteux connu"))
    period = el(entry, "effectiveTime", xsi_type="IVL_TS")
    el(period, "low", nullFlavor="NA")
    el(period, "high", nullFlavor="NA")
    material = _material(entry)
    el(material, "code", nullFlavor="NA")
    el(material, "name", nullFlavor="NA")


def _treatments_section(body: etree._Element, ctx: DocContext, discharge: dt.date) -> None:
    """FR-Traitements-a-la-sortie: one narrative row and one FR-Traitement entry per drug."""
    section = _section(body, ("1.3.6.1.4.1.19376.1.5.3.1.3.22", "1.2.250.1.213.1.1.2.146"), "10183-2",
                       "Traitements à la sortie", "Traitements à la sortie")
    drugs = _treatments(ctx)
    if not drugs:
        el(el(section, "text"), "paragraph", "Aucun traitement médicamenteux à la sortie.", ID="ldl-ttt-aucun")
        _no_medication(section, "ldl-ttt-aucun")
        return
    tz = ctx.created.tzinfo
    first_day = discharge.date() if isinstance(discharge, dt.datetime) else discharge
    periods = [(_moment(d.get("start"), tz) or first_day, _moment(d.get("end"), tz)) for d in drugs]
    refs = [f"ldl-ttt-{index}" for index in range(1, len(drugs) + 1)]
    rows: list[list[Cell]] = [
        [(f"{ref}-nom", str(drug.get("name") or "Médicament")), str(drug.get("dosage") or "Selon prescription"),
         _shown(start), _shown(end) if end else "Non précisée"]
        for ref, drug, (start, end) in zip(refs, drugs, periods, strict=True)
    ]
    _table(section, ("Médicament", "Posologie", "Début", "Fin"), rows, refs)
    for ref, drug, (start, end) in zip(refs, drugs, periods, strict=True):
        _medication(section, drug, ref, start, end)


def _follow_up_section(body: etree._Element, ctx: DocContext) -> None:
    """FR-Plan-de-soins ("Suites à donner"), narrative only, when the content gives follow-up instructions."""
    follow_up = ctx.content.get("follow_up")
    if not follow_up:
        return
    section = _section(body, ("2.16.840.1.113883.10.20.1.10", "1.3.6.1.4.1.19376.1.5.3.1.3.36",
                              "1.2.250.1.213.1.1.2.158"), "18776-5", "Plan de soins", "Suites à donner")
    el(el(section, "text"), "paragraph", str(follow_up))


# --- kind ------------------------------------------------------------------------------------------------------


def body(ctx: DocContext) -> etree._Element:
    admission, discharge = _stay(ctx)
    structured = el(None, "structuredBody")
    _status_section(structured, ctx, discharge)
    _reason_section(structured, ctx)
    _events_section(structured, ctx, admission, discharge)
    if not ctx.has("ldl-without-discharge-treatments"):
        _treatments_section(structured, ctx, discharge)
    _follow_up_section(structured, ctx)
    return structured


def service_event(ctx: DocContext, event: etree._Element) -> None:
    """The documented act is the hospital stay: ActCode IMP over the admission-discharge interval."""
    admission, discharge = _stay(ctx)
    code(event, "code", "IMP", ACT_CODE, "Hospitalisation (établissement, y compris HAD)", "HL7:ActCode")
    times = el(event, "effectiveTime")
    el(times, "low", value=_ts(admission))
    el(times, "high", value=_ts(discharge))


def encounter(ctx: DocContext, encounter_element: etree._Element) -> None:
    """The encounter is the stay: admission to discharge."""
    admission, discharge = _stay(ctx)
    times = el(encounter_element, "effectiveTime")
    el(times, "low", value=_ts(admission))
    el(times, "high", value=_ts(discharge))


SPEC = KindSpec(
    kind="LDL-SES",
    code="11490-0",
    display="Lettre de liaison à la sortie d'un établissement de soins",
    title="Lettre de liaison à la sortie de l'établissement de santé",
    templates=((VOLET_TEMPLATE, "2022.01"),),
    body=body,
    service_event=service_event,
    encounter=encounter,
)
