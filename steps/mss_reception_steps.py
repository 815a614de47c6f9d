"""Steps about what the SUT does with its MSSanté mailbox (vague 2): acknowledgements, XDM mail integration, MDN."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

from pytest_bdd import given, parsers, then, when

from segur_harness.errors import HarnessError
from segur_harness.validation import Engine
from segur_harness.validation.remote import RemoteEngine

from .adapter import AdapterClient
from .cda_document_steps import document_produced, last_document
from .context import ScenarioContext
from .documents import received_document
from .insi_wire import read_exchange
from .mock_admin import MockAdmin
from .mss_mail import colleague_message, with_new_id
from .mss_wire import MESSAGE, smtp_records
from .psc_steps import professional
from .tables import feature_word

COLLEAGUE = "paul.pharmacien@test.mssante.fr"
"""The colleague whose LPS writes to the SUT (a professional of the mock directory)."""
RECEIVED = {"intégré": "integrated", "rejeté": "refused", "doublon": "duplicate", "ignoré": "ignored",
            "en attente": "deferred"}


def _sent_to_sut(ctx: ScenarioContext) -> list[str]:
    return ctx.extra.setdefault("mss_delivered", [])


def _deliver(mss_imap: MockAdmin, ctx: ScenarioContext, cda: bytes) -> None:
    _, mailbox = professional(ctx)
    msg = colleague_message(cda, COLLEAGUE, mailbox, ask_mdn=True)
    ctx.extra["mss_colleague_cda"] = cda
    mss_imap.deliver(mailbox, bytes(msg))
    _sent_to_sut(ctx).append(str(msg["Message-ID"]))


@given("le serveur IMAP MSSanté (dovecot) est disponible")
def imap_available(mss_imap: MockAdmin) -> None:
    """The mss_imap fixture skips the scenario without dovecot (and makes it broken under CI)."""


@given("un confrère a envoyé au SUT un message XDM avec un document pour ce patient, accusé de lecture demandé")
def colleague_sends_for_patient(sut: AdapterClient, mss_imap: MockAdmin, ctx: ScenarioContext,
                                cda_engine: Engine | RemoteEngine) -> None:
    document_produced(sut, ctx, cda_engine, "LDL-SES")
    _deliver(mss_imap, ctx, with_new_id(last_document(ctx).xml))


@given(parsers.parse("un confrère a envoyé au SUT un message XDM avec le document \"{name}\", accusé de lecture "
                     "demandé"))
def colleague_sends_fixture(mss_imap: MockAdmin, ctx: ScenarioContext, name: str) -> None:
    _deliver(mss_imap, ctx, received_document(name))


@given("le confrère a renvoyé le même message")
def colleague_resends(mss_imap: MockAdmin, ctx: ScenarioContext) -> None:
    cda = ctx.extra.get("mss_colleague_cda")
    if not cda:
        raise HarnessError(
            "problème du banc de test : aucun message n'a été envoyé au logiciel auparavant "
            "(étape « un confrère a envoyé au SUT … » manquante)")
    _deliver(mss_imap, ctx, cda)


@when("le SUT relève sa boîte aux lettres MSSanté")
def sync_mailbox(sut: AdapterClient, mocks: dict[str, MockAdmin], ctx: ScenarioContext) -> None:
    rpps, mailbox = professional(ctx)
    if "insi" in mocks:  # where the INSi calls of the reading start (MSS/UX.03)
        ctx.extra["insi_before_sync"] = len(mocks["insi"].exchanges(ctx.scenario_id))
    ctx.extra["mss_sync"] = sut.mss_sync(mailbox, rpps, ctx.user)


@then("le SUT a vérifié auprès d'INSi l'INS du patient du document reçu")
def insi_checked_on_reception(insi: MockAdmin, ctx: ScenarioContext) -> None:
    before = ctx.extra.get("insi_before_sync")
    if before is None:
        raise HarnessError(
            "problème du banc de test : le logiciel n'a pas relevé sa boîte aux lettres dans ce scénario "
            "(étape « le SUT relève » manquante)")
    during = [read_exchange(e) for e in insi.exchanges(ctx.scenario_id)][before:]
    assert during, (
        "le logiciel a classé ou refusé le document reçu sans interroger INSi sur son patient")
    traits = (ctx.extra.get("dmp_identity") or {}).get("traits") or {}
    names = [e.first_names for e in during]
    assert any(traits.get("birth_first_names", [""])[0] in n for n in names), (
        f"aucune requête INSi pendant la relève ne portait sur le patient {traits.get('birth_name')} "
        f"(prénoms transmis : {names})")


@then("le message reçu reste non lu dans la boîte du SUT, sans accusé de lecture")
def message_left_unread(mss_imap: MockAdmin, mss_smtp: MockAdmin, ctx: ScenarioContext) -> None:
    _, mailbox = professional(ctx)
    delivered = _sent_to_sut(ctx)
    box = [m for m in mss_imap.mailbox(mailbox) if m.get("message_id") in delivered]
    assert box, f"le message {delivered} n'est plus dans la boîte aux lettres {mailbox} du logiciel"
    assert not any(m.get("seen") for m in box), f"le logiciel a marqué le message comme lu : {box}"
    assert not _mdns_to_colleague(mss_smtp, ctx), (
        "le logiciel a envoyé un accusé de lecture (MDN) pour un message qu'il ne pouvait pas encore intégrer")


def _received(ctx: ScenarioContext) -> list[dict[str, Any]]:
    sync = ctx.extra.get("mss_sync")
    if sync is None:
        raise HarnessError(
            "problème du banc de test : le logiciel n'a pas relevé sa boîte aux lettres dans ce scénario "
            "(étape « le SUT relève » manquante)")
    return list(sync.get("received") or [])


def _for_delivered(ctx: ScenarioContext) -> list[dict[str, Any]]:
    delivered = _sent_to_sut(ctx)
    found = [r for r in _received(ctx) if r.get("message_id") in delivered]
    assert found, (f"la relève de la boîte aux lettres du logiciel ne liste pas le ou les messages {delivered} "
                   f"déposés dans sa boîte (elle liste {[r.get('message_id') for r in _received(ctx)]})")
    return found


@then(parsers.parse("le message reçu se conclut par \"{wording}\""))
def received_outcome(ctx: ScenarioContext, wording: str) -> None:
    expected = feature_word(RECEIVED, wording, "résultat")
    [entry] = _for_delivered(ctx)[:1]
    assert entry.get("outcome") == expected, (
        f"le message reçu doit se conclure par {expected} ({wording}), le logiciel indique "
        f"{entry.get('outcome')!r} : {entry}")


@then(parsers.parse("le SUT a intégré {integrated:d} document reçu par MSSanté et signalé {duplicates:d} doublon"))
def integrated_once(ctx: ScenarioContext, integrated: int, duplicates: int) -> None:
    outcomes = [r.get("outcome") for r in _for_delivered(ctx)]
    assert outcomes.count("integrated") == integrated and outcomes.count("duplicate") == duplicates, (
        f"{integrated} intégré(s) et {duplicates} doublon(s) attendus, le logiciel indique {outcomes}")


def _mdns_to_colleague(mss_smtp: MockAdmin, ctx: ScenarioContext) -> list[Any]:
    out = []
    for record in smtp_records(mss_smtp, ctx, MESSAGE):
        msg = record.message()
        if COLLEAGUE in record.rcpt_to and msg.get_param("report-type") == "disposition-notification":
            out.append((record, msg))
    return out


def _disposition(msg: Any) -> tuple[str, str, str]:
    for part in msg.walk():
        if part.get_content_type() == "message/disposition-notification":
            payload = part.get_payload()
            fields = payload[0] if isinstance(payload, list) and payload else message_from_bytes(
                str(payload).encode(), policy=policy.default)
            disposition = str(fields.get("Disposition") or "")
            kind = disposition.rsplit(";", 1)[-1].strip().lower()
            return kind, str(fields.get("Error") or "").split("^", 1)[0].strip(), \
                str(fields.get("Original-Message-ID") or "").strip()
    return "", "", ""


@then(parsers.parse("le SUT a envoyé au confrère un accusé de lecture \"{disposition}\""))
def mdn_sent(mss_smtp: MockAdmin, ctx: ScenarioContext, disposition: str) -> None:
    _mdn_sent(mss_smtp, ctx, disposition, "")


@then(parsers.parse("le SUT a envoyé au confrère un accusé de lecture \"{disposition}\" avec le code \"{code}\""))
def mdn_sent_with_code(mss_smtp: MockAdmin, ctx: ScenarioContext, disposition: str, code: str) -> None:
    _mdn_sent(mss_smtp, ctx, disposition, code)


def _mdn_sent(mss_smtp: MockAdmin, ctx: ScenarioContext, disposition: str, code: str) -> None:
    delivered = _sent_to_sut(ctx)
    mdns = _mdns_to_colleague(mss_smtp, ctx)
    assert mdns, (
        f"le logiciel n'a envoyé aucun accusé de lecture (MDN, notification de disposition RFC 8098) à {COLLEAGUE}")
    matching = [(r, m) for r, m in mdns if _disposition(m)[2] in delivered]
    assert matching, (f"aucun MDN ne se rapporte au message déposé dans la boîte du logiciel {delivered} : "
                      f"{[_disposition(m)[2] for _, m in mdns]}")
    record, msg = matching[0]
    kind, error, _ = _disposition(msg)
    assert kind == disposition.lower(), f"le MDN du logiciel indique {kind!r}, {disposition!r} attendu"
    assert error == code, (
        f"le MDN du logiciel donne le code d'erreur {error!r}, {code or 'aucun'!r} attendu")
    bad = [f for f in record.errors if str(f["rule"]).startswith("MSS-")]
    assert not bad, "le simulateur MSSanté a relevé un MDN mal formé : " + "; ".join(f"{f['rule']}: {f['message']}"
                                                                             for f in bad)


@then(parsers.parse("le message envoyé porte l'accusé de lecture \"{disposition}\""))
def sent_message_acknowledged(sut: AdapterClient, ctx: ScenarioContext, disposition: str) -> None:
    sent_ids = [m.get("message_id") for m in (ctx.extra.get("mss_outcome") or {}).get("messages") or []]
    assert sent_ids, "le logiciel n'a envoyé aucun message dans ce scénario"
    sent = [m for m in sut.mss_messages().get("sent") or [] if m.get("message_id") in sent_ids]
    assert sent, f"GET /mss/messages ne liste pas le ou les messages envoyés {sent_ids}"
    acks = [a for m in sent for a in m.get("acknowledgements") or [] if a.get("type") == "MDN"]
    assert acks, f"aucun MDN n'est rattaché au message envoyé {sent_ids} : {sent}"
    assert any(str(a.get("disposition", "")).lower() == disposition.lower() for a in acks), (
        f"le ou les MDN rattachés indiquent {[a.get('disposition') for a in acks]}, {disposition!r} attendu")
