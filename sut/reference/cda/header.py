"""The CI-SIS CDA header every document of the reference SUT carries.

Order follows the CDA R2 schema; what each element holds follows the CI-SIS
"Modèles de contenus CDA" header rules: one id/code/title/effectiveTime/
confidentialityCode/setId/versionNumber, the patient with the INS only when the
identity is qualified (with the birth traits INS requires), author, custodian,
legal authenticator, the service event and the encounter's facility.
"""

from __future__ import annotations

from lxml import etree

from ..profile import FINESS_ROOT, RPPS_ROOT
from .context import DocContext
from .kinds import KindSpec
from .xml import LOINC, code, el, template

HL7_FRANCE_TEMPLATE = "2.16.840.1.113883.2.8.2.1"
CISIS_TEMPLATE = "1.2.250.1.213.1.1.1.1"
GENDER_SYSTEM = "2.16.840.1.113883.5.1"
GENDER_DISPLAY = {"M": "Masculin", "F": "Féminin", "I": "Inconnu"}
PROFESSION_SYSTEM = "1.2.250.1.213.1.1.4.5"
FACILITY_SYSTEM = "1.2.250.1.71.4.2.4"
PRACTICE_SETTING_SYSTEM = "1.2.250.1.213.1.1.4.9"


def build_header(spec: KindSpec, ctx: DocContext) -> etree._Element:
    """A ClinicalDocument with its complete header; the caller appends the body component."""
    root = el(None, "ClinicalDocument")
    el(root, "realmCode", code="FR")
    el(root, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_HD000040")
    template(root, HL7_FRANCE_TEMPLATE)
    template(root, CISIS_TEMPLATE)
    for tpl_root, tpl_ext in spec.templates:
        template(root, tpl_root, tpl_ext)
    el(root, "id", root=ctx.document_oid)
    code(root, "code", spec.code, LOINC, spec.display, "LOINC")
    el(root, "title", str(ctx.content.get("title") or spec.title))
    el(root, "effectiveTime", value=ctx.time)
    el(root, "confidentialityCode", code="N", codeSystem="2.16.840.1.113883.5.25", displayName="Normal")
    el(root, "languageCode", code="fr-FR")
    el(root, "setId", root=ctx.set_oid)
    el(root, "versionNumber", value=str(ctx.version))
    _record_target(root, ctx)
    _author(root, ctx)
    _custodian(root, ctx)
    _legal_authenticator(root, ctx)
    for slot in ("participant", "inFulfillmentOf"):
        if slot in spec.header_slots:
            spec.header_slots[slot](ctx, root)
    _documentation_of(root, spec, ctx)
    if ctx.replaces_oid:
        related = el(root, "relatedDocument", typeCode="RPLC")
        parent = el(related, "parentDocument")
        el(parent, "id", root=ctx.replaces_oid)
    _component_of(root, spec, ctx)
    return root


def _record_target(root: etree._Element, ctx: DocContext) -> None:
    identity = ctx.identity
    traits = identity.traits
    role = el(el(root, "recordTarget"), "patientRole")
    if ctx.share_ins and identity.ins is not None:
        el(role, "id", root=identity.ins.oid, extension=identity.ins.number + identity.ins.key)
    el(role, "id", root=ctx.organisation.ipp_oid, extension=identity.id)
    patient = el(role, "patient", classCode="PSN")
    name = el(patient, "name")
    el(name, "family", traits.birth_name, qualifier="BR")
    el(name, "given", " ".join(traits.birth_first_names))
    el(name, "given", traits.first_first_name, qualifier="BR")
    if traits.used_name:
        el(name, "family", traits.used_name, qualifier="CL")
    if traits.used_first_name:
        el(name, "given", traits.used_first_name, qualifier="CL")
    el(patient, "administrativeGenderCode", code=traits.sex, codeSystem=GENDER_SYSTEM,
       displayName=GENDER_DISPLAY.get(traits.sex))
    el(patient, "birthTime", value=traits.birth_date.replace("-", ""))
    if traits.birth_place_cog and not ctx.has("document-ins-without-birthplace"):
        addr = el(el(el(patient, "birthplace"), "place"), "addr")
        el(addr, "county", traits.birth_place_cog)


def _person(parent: etree._Element, ctx: DocContext, *, with_prefix: bool = True) -> None:
    name = el(el(parent, "assignedPerson"), "name")
    if with_prefix:
        el(name, "prefix", ctx.author.prefix)
    el(name, "given", ctx.author.given)
    el(name, "family", ctx.author.family)
    if with_prefix:
        el(name, "suffix", ctx.author.suffix)


def organisation_address(parent: etree._Element, ctx: DocContext) -> None:
    """The organisation's postal address (houseNumber, streetName, postalCode, city)."""
    org = ctx.organisation
    addr = el(parent, "addr")
    el(addr, "houseNumber", org.house_number)
    el(addr, "streetName", org.street_name)
    el(addr, "postalCode", org.postal_code)
    el(addr, "city", org.city)


def _organisation(parent: etree._Element, tag: str, ctx: DocContext) -> etree._Element:
    org = el(parent, tag)
    el(org, "id", root=FINESS_ROOT, extension=ctx.organisation.finess)
    el(org, "name", ctx.organisation.name)
    return org


def _author(root: etree._Element, ctx: DocContext) -> None:
    author = el(root, "author")
    el(author, "time", value=ctx.time)
    assigned = el(author, "assignedAuthor")
    el(assigned, "id", root=RPPS_ROOT, extension=ctx.author.national_id)
    code(assigned, "code", ctx.author.profession_code, PROFESSION_SYSTEM, ctx.author.profession_display)
    organisation_address(assigned, ctx)
    el(assigned, "telecom", value=ctx.organisation.telecom, use="WP")
    _person(assigned, ctx)
    _organisation(assigned, "representedOrganization", ctx)


def _custodian(root: etree._Element, ctx: DocContext) -> None:
    custodian = el(el(root, "custodian"), "assignedCustodian")
    org = _organisation(custodian, "representedCustodianOrganization", ctx)
    el(org, "telecom", value=ctx.organisation.telecom, use="WP")
    organisation_address(org, ctx)


def _legal_authenticator(root: etree._Element, ctx: DocContext) -> None:
    legal = el(root, "legalAuthenticator")
    el(legal, "time", value=ctx.time)
    el(legal, "signatureCode", code="S")
    entity = el(legal, "assignedEntity")
    el(entity, "id", root=RPPS_ROOT, extension=ctx.author.national_id)
    _person(entity, ctx)


def _documentation_of(root: etree._Element, spec: KindSpec, ctx: DocContext) -> None:
    if "documentationOf" in spec.header_slots:
        spec.header_slots["documentationOf"](ctx, root)
        return
    event = el(el(root, "documentationOf"), "serviceEvent")
    if spec.service_event is not None:
        spec.service_event(ctx, event)
    else:
        times = el(event, "effectiveTime")
        el(times, "low", value=ctx.time)
        el(times, "high", value=ctx.time)
    service_performer(event, ctx)


def service_performer(event: etree._Element, ctx: DocContext) -> None:
    """The serviceEvent performer: the author in their organisation, with its practice setting (J04)."""
    performer = el(event, "performer", typeCode="PRF")
    entity = el(performer, "assignedEntity")
    el(entity, "id", root=RPPS_ROOT, extension=ctx.author.national_id)
    _person(entity, ctx)
    org = _organisation(entity, "representedOrganization", ctx)
    code(org, "standardIndustryClassCode", ctx.organisation.practice_setting_code, PRACTICE_SETTING_SYSTEM,
         ctx.organisation.practice_setting_display)


def _component_of(root: etree._Element, spec: KindSpec, ctx: DocContext) -> None:
    encounter = el(el(root, "componentOf"), "encompassingEncounter")
    if spec.encounter is not None:
        spec.encounter(ctx, encounter)
    else:
        el(el(encounter, "effectiveTime"), "low", value=ctx.time)
    facility = el(el(encounter, "location"), "healthCareFacility")
    el(facility, "id", root=FINESS_ROOT, extension=ctx.organisation.finess)
    code(facility, "code", ctx.organisation.facility_code, FACILITY_SYSTEM, ctx.organisation.facility_display)
