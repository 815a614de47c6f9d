"""Steps that make the SUT send by MSSanté (adapter contract 1.3) and check what the MSSanté mock received."""

from __future__ import annotations

import re
from typing import Any

from pytest_bdd import given, parsers, then, when

from segur_harness.errors import HarnessError
from segur_harness.ins.rniv import may_share_ins
from segur_harness.xmlsafe import parse_xml

from .adapter import AdapterClient
from .cda_document_steps import documents_of, last_document
from .context import ScenarioContext
from .dmp_steps import expect_alert, expect_outcome
from .mock_admin import MockAdmin
from .mss_wire import (
    MESSAGE,
    PATIENT_DOMAIN,
    SESSION,
    SmtpRecord,
    archive_documents,
    document_messages,
    patient_ins,
    smtp_records,
    tls_policy,
    xdm_archive,
)
from .psc_steps import professional

SUBJECT = re.compile(r"^XDM/1\.0/DDM\+\S.* \d{2}/\d{2}/\d{4}$")


def mss_outcome(ctx: ScenarioContext) -> dict[str, Any]:
    outcome = ctx.extra.get("mss_outcome")
    if outcome is None:
        raise HarnessError("problème du banc de test : le logiciel n'a rien envoyé par MSSanté dans ce scénario "
                             "(étape « Quand le SUT envoie » manquante)")
    return outcome


def _identity(ctx: ScenarioContext) -> dict[str, Any]:
    identity = ctx.extra.get("dmp_identity")
    if not identity:
        raise HarnessError("problème du banc de test : aucun patient n'a été mis en place dans ce scénario "
                           "(étape « le patient … a une identité » manquante)")
    return identity


def _send(sut: AdapterClient, ctx: ScenarioContext, documents: list[str], to: list[str], **options: bool) -> None:
    rpps, mailbox = professional(ctx)
    ctx.extra["mss_outcome"] = sut.mss_send(documents, mailbox, rpps, ctx.user, to=to, **options)


# -- actions -----------------------------------------------------------------------
@given(parsers.parse("le serveur MSSanté présente le profil TLS \"{profile}\""))
def server_tls_profile(mss_smtp: MockAdmin, profile: str) -> None:
    mss_smtp.add_behaviour("tls", {"profile": profile})


@when(parsers.parse("le SUT envoie ce document par MSSanté à \"{address}\""))
def send_to(sut: AdapterClient, ctx: ScenarioContext, address: str) -> None:
    _send(sut, ctx, [last_document(ctx).meta["id"]], [address])


@when(parsers.parse("le SUT envoie ce document par MSSanté à \"{address}\" avec accusé de lecture"))
def send_with_mdn(sut: AdapterClient, ctx: ScenarioContext, address: str) -> None:
    _send(sut, ctx, [last_document(ctx).meta["id"]], [address], request_mdn=True)


@when("le SUT envoie ce document par MSSanté à la messagerie du patient")
def send_to_patient(sut: AdapterClient, ctx: ScenarioContext) -> None:
    _send(sut, ctx, [last_document(ctx).meta["id"]], [], to_patient=True)


@when(parsers.parse("le SUT envoie ces documents ensemble par MSSanté à \"{address}\""))
def send_together(sut: AdapterClient, ctx: ScenarioContext, address: str) -> None:
    _send(sut, ctx, [d.meta["id"] for d in documents_of(ctx)], [address])


# -- what the SUT told the user ------------------------------------------------------
@then(parsers.parse("l'envoi MSSanté se conclut par \"{wording}\""))
def send_outcome(ctx: ScenarioContext, wording: str) -> None:
    expect_outcome(mss_outcome(ctx), wording, "l'envoi MSSanté")


@then("l'opérateur est alerté du résultat MSSanté")
def mss_user_alerted(ctx: ScenarioContext) -> None:
    expect_alert(mss_outcome(ctx))


@then("l'opérateur est alerté du résultat MSSanté avec la réponse du serveur")
def user_alerted_with_reply(ctx: ScenarioContext) -> None:
    expect_alert(mss_outcome(ctx))
    message = mss_outcome(ctx).get("message") or ""
    assert re.search(r"\b5\d\d\b|\b5\.\d\.\d+\b", message), (
        f"le message du logiciel ne donne pas le refus du serveur (réponse 5xx) : {message!r}")


# -- what the MSSanté mock received --------------------------------------------------
def _messages(mss_smtp: MockAdmin, ctx: ScenarioContext) -> list[SmtpRecord]:
    return document_messages(smtp_records(mss_smtp, ctx, MESSAGE))


def _the_message(mss_smtp: MockAdmin, ctx: ScenarioContext) -> SmtpRecord:
    found = _messages(mss_smtp, ctx)
    assert found, "le serveur MSSanté n'a accepté aucun message du logiciel dans ce scénario"
    assert len(found) == 1, f"un seul message attendu, le serveur MSSanté en a accepté {len(found)}"
    return found[0]


@then("le serveur MSSanté n'a accepté aucun message")
def no_message(mss_smtp: MockAdmin, ctx: ScenarioContext) -> None:
    found = smtp_records(mss_smtp, ctx, MESSAGE)
    assert not found, (f"le serveur MSSanté a accepté {len(found)} message(s) du logiciel : "
                       f"{[r.headers.get('tls_version') or r.headers.get('tls_profile') for r in found]}")


@then("le SUT n'a ouvert aucune session SMTP")
def no_session(mss_smtp: MockAdmin, ctx: ScenarioContext) -> None:
    found = smtp_records(mss_smtp, ctx, SESSION)
    assert not found, f"le logiciel a ouvert {len(found)} session(s) SMTP avec le serveur MSSanté"


@then("le serveur MSSanté a enregistré le message envoyé")
def message_recorded(mss_smtp: MockAdmin, ctx: ScenarioContext) -> None:
    record = _the_message(mss_smtp, ctx)
    sent = [m.get("message_id") for m in mss_outcome(ctx).get("messages") or []]
    assert record.message()["Message-ID"] in sent, (
        f"le message enregistré {record.message()['Message-ID']!r} ne fait pas partie de ceux que le logiciel dit "
        f"avoir envoyés ({sent})")


@then("la session SMTP du SUT est en TLS 1.2 avec une suite autorisée et authentifiée par XOAUTH2")
def session_policy(mss_smtp: MockAdmin, ctx: ScenarioContext) -> None:
    record = _the_message(mss_smtp, ctx)
    version, cipher = record.headers.get("tls_version"), record.headers.get("tls_cipher")
    assert version == "TLSv1.2", f"le message a circulé en {version!r} et non en TLSv1.2"
    assert cipher in tls_policy().ciphers, (
        f"la suite de chiffrement {cipher!r} ne fait pas partie des suites autorisées {tls_policy().ciphers}")
    _, mailbox = professional(ctx)
    assert record.headers.get("auth_mechanism") == "XOAUTH2", (
        f"le logiciel s'est authentifié par {record.headers.get('auth_mechanism')!r} et non par XOAUTH2 "
        "(Pro Santé Connect)")
    assert (record.headers.get("auth_identity") or "").lower() == mailbox.lower(), (
        f"authentifié en tant que {record.headers.get('auth_identity')!r}, la boîte {mailbox} est attendue")


@then("le serveur MSSanté a accepté le message sans aucune non-conformité")
def message_without_errors(mss_smtp: MockAdmin, ctx: ScenarioContext) -> None:
    record = _the_message(mss_smtp, ctx)
    assert not record.errors, "le simulateur MSSanté a relevé : " + "; ".join(
        f"{f['rule']}: {f['message']}" for f in record.errors)


@then("le message reçu par le serveur MSSanté a un objet XDM/1.0/DDM conforme au patient")
def subject_ok(mss_smtp: MockAdmin, ctx: ScenarioContext) -> None:
    record = _the_message(mss_smtp, ctx)
    subject = str(record.message()["Subject"] or "")
    assert SUBJECT.match(subject), (
        f"l'objet {subject!r} n'est pas de la forme XDM/1.0/DDM+<libellé> <NOM> <prénom> <JJ/MM/AAAA>")
    traits = _identity(ctx).get("traits") or {}
    name = str(traits.get("birth_name") or "").upper()
    year, month, day = str(traits.get("birth_date") or "----").split("-")
    assert name and name in subject.upper(), f"l'objet {subject!r} ne nomme pas le patient {name}"
    assert f"{day}/{month}/{year}" in subject, (
        f"l'objet {subject!r} ne contient pas la date de naissance {day}/{month}/{year}")
    bad = record.rules() & {"MSS-MSG-SUJET", "MSS-MSG-SUJET-FORMAT"}
    assert not bad, f"le simulateur MSSanté a relevé l'objet comme non conforme : {sorted(bad)}"


@then("le message reçu par le serveur MSSanté porte les en-têtes X-MSS cohérents avec le document")
def x_mss_headers(mss_smtp: MockAdmin, ctx: ScenarioContext) -> None:
    record = _the_message(mss_smtp, ctx)
    msg = record.message()
    missing = [h for h in ("X-MSS-CODECDA", "X-MSS-INS", "X-MSS-NIL") if not str(msg.get(h) or "").strip()]
    assert not missing, f"il manque au message le ou les en-têtes {', '.join(missing)}"
    code = last_document(ctx).root.find("{urn:hl7-org:v3}code")
    type_code = code.get("code") if code is not None else None
    assert type_code and type_code in str(msg["X-MSS-CODECDA"]), (
        f"X-MSS-CODECDA {msg['X-MSS-CODECDA']!r} ne donne pas le type du document {type_code}")
    expected = "O" if may_share_ins(_identity(ctx).get("status")) else "N"
    assert str(msg["X-MSS-INS"]).strip() == expected, (
        f"X-MSS-INS vaut {msg['X-MSS-INS']!r}, {expected} attendu")
    bad = {r for r in record.rules() if r.startswith("MSS-MSG-X-MSS") or r == "MSS-MSG-CODECDA"}
    assert not bad, f"le simulateur MSSanté a relevé les en-têtes X-MSS comme non conformes : {sorted(bad)}"


@then("le message reçu par le serveur MSSanté porte une archive IHE_XDM.ZIP valide contenant le document et un "
      "rendu PDF")
def xdm_valid(mss_smtp: MockAdmin, ctx: ScenarioContext) -> None:
    record = _the_message(mss_smtp, ctx)
    msg = record.message()
    archive = xdm_archive(msg)
    assert archive is not None, "le message ne porte pas de pièce jointe IHE_XDM.ZIP"
    wanted = last_document(ctx).root.find("{urn:hl7-org:v3}id")
    wanted_id = (wanted.get("root"), wanted.get("extension")) if wanted is not None else None
    ids = []
    for cda in archive_documents(archive):
        found = parse_xml(cda).find("{urn:hl7-org:v3}id")
        ids.append((found.get("root"), found.get("extension")) if found is not None else None)
    assert wanted_id in ids, f"l'archive ne contient pas le document {wanted_id} (elle contient {ids})"
    assert any(p.get_content_type() == "application/pdf" for p in msg.walk()), "pas de rendu PDF dans le message"
    xdm_errors = [f for f in record.errors if str(f["rule"]).startswith("MSS-XDM-")]
    assert not xdm_errors, "la validation XDM/CDA de l'archive a relevé : " + "; ".join(
        f"{f['rule']}: {f['message']}" for f in xdm_errors)


@then(parsers.parse("le message est adressé à la messagerie MSSanté du patient avec X-MSS-INS \"{value}\""))
def to_patient_mailbox(mss_smtp: MockAdmin, ctx: ScenarioContext, value: str) -> None:
    record = _the_message(mss_smtp, ctx)
    ins = _identity(ctx).get("ins") or {}
    mailbox = f"{ins.get('matricule')}{ins.get('key')}{PATIENT_DOMAIN}".lower()
    assert mailbox in record.rcpt_to, (
        f"le message est parti vers {record.rcpt_to} et non vers la messagerie du patient {mailbox}")
    header = str(record.message()["X-MSS-INS"] or "").strip()
    assert header == value, f"X-MSS-INS vaut {header!r}, {value!r} attendu"


@then("aucun message n'est parti vers une messagerie de patient")
def nothing_to_patient(mss_smtp: MockAdmin, ctx: ScenarioContext) -> None:
    to_patients = [r for r in smtp_records(mss_smtp, ctx, MESSAGE)
                   if any(a.endswith(PATIENT_DOMAIN) for a in r.rcpt_to)]
    assert not to_patients, (f"le logiciel a envoyé {len(to_patients)} message(s) vers une messagerie de patient : "
                             f"{[r.rcpt_to for r in to_patients]}")
    tried = [s.id for s in smtp_records(mss_smtp, ctx, SESSION) if b"patient.mssante.fr" in s.raw.lower()]
    assert not tried, f"le logiciel a désigné une messagerie de patient dans la ou les sessions SMTP {tried}"


@then(parsers.parse("le serveur MSSanté a reçu {count:d} messages, chacun pour un seul patient"))
def one_patient_per_message(mss_smtp: MockAdmin, ctx: ScenarioContext, count: int) -> None:
    found = _messages(mss_smtp, ctx)
    assert len(found) == count, f"{count} messages attendus, le serveur MSSanté en a accepté {len(found)}"
    patients = []
    for record in found:
        archive = xdm_archive(record.message())
        assert archive is not None, f"le message {record.id} ne porte pas d'IHE_XDM.ZIP"
        ins = {patient_ins(cda) for cda in archive_documents(archive)}
        assert len(ins) == 1, (
            f"le message {record.id} porte des documents de {len(ins)} patients (un seul patient par message) : "
            f"{sorted(map(str, ins))}")
        patients.append(ins.pop())
    assert len(set(patients)) == len(patients), f"deux messages concernent le même patient : {patients}"
