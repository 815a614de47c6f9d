"""Sends one DMP request (SOAP 1.2, or MTOM for ITI-41) and classifies what came back; never raises.

Like the INSi client (`insi_client.CallOutcome`), every answer becomes a
`DmpAnswer` with a French `detail` the user can read: SUCCESS, FAILURE (the
registry's RegistryError codes), FAULT (SOAP fault subcode and reason) or ERROR
(timeout, unreachable, HTTP error, unreadable answer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests
from lxml import etree

from ..transport import post
from . import soap
from .mtom import Attachment, UnreadableMultipart, package, unpack
from .registry import RegistryError, read_status

SUCCESS, FAILURE, FAULT, ERROR = "SUCCESS", "FAILURE", "FAULT", "ERROR"
SERVICE = "le DMP"


@dataclass(frozen=True)
class DmpRequest:
    """One request: which transaction, where (path under the DMP base URL), its actions and body."""

    transaction: str
    path: str
    action: str
    response_action: str
    payload: etree._Element
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class DmpAnswer:
    """What one DMP call gave; `payload` is the answer's Body child when there is one."""

    request: DmpRequest
    message_id: str
    kind: str
    started_at: float
    ended_at: float
    detail: str
    payload: etree._Element | None = None
    attachments: dict[str, bytes] = field(default_factory=dict)
    errors: tuple[RegistryError, ...] = ()
    fault: soap.SoapFault | None = None
    http_status: int | None = None
    sent: bytes = b""


def _body_of(response: requests.Response) -> tuple[bytes, dict[str, bytes]]:
    content_type = response.headers.get("Content-Type", "")
    if content_type.lower().startswith("multipart/"):
        unpacked = unpack(content_type, response.content)
        return unpacked.root, unpacked.attachments
    return response.content, {}


def _classify(req: DmpRequest, message_id: str, response: requests.Response, started: float, ended: float,
              sent: bytes) -> DmpAnswer:
    base = {"request": req, "message_id": message_id, "started_at": started, "ended_at": ended,
            "http_status": response.status_code, "sent": sent}
    try:
        body, attachments = _body_of(response)
        answer = soap.read_answer(body)
    except (soap.UnreadableAnswer, UnreadableMultipart) as exc:
        if response.status_code != 200:
            text = response.text.strip()[:200] or response.reason
            return DmpAnswer(kind=ERROR, detail=f"erreur HTTP {response.status_code} du DMP : {text}", **base)
        return DmpAnswer(kind=ERROR, detail=f"réponse du DMP illisible : {exc}", **base)
    if isinstance(answer, soap.SoapFault):
        code = answer.subcode or answer.code
        return DmpAnswer(kind=FAULT, fault=answer, detail=f"erreur DMP {code} : {answer.reason}", **base)
    if answer.payload is None or (answer.action and answer.action != req.response_action):
        return DmpAnswer(kind=ERROR, detail=f"réponse du DMP inattendue (action {answer.action!r}, "
                         f"{req.response_action!r} attendue)", **base)
    if answer.relates_to and answer.relates_to != message_id:
        return DmpAnswer(kind=ERROR, detail="réponse du DMP à un autre message (wsa:RelatesTo)", **base)
    if etree.QName(answer.payload).namespace == "urn:hl7-org:v3":
        return DmpAnswer(kind=SUCCESS, payload=answer.payload, detail="réponse HL7v3 reçue", **base)
    try:
        status = read_status(answer.payload)
    except ValueError as exc:
        return DmpAnswer(kind=ERROR, payload=answer.payload, detail=f"réponse du DMP illisible : {exc}", **base)
    if status.success:
        return DmpAnswer(kind=SUCCESS, payload=answer.payload, attachments=attachments, detail="Success", **base)
    listed = "; ".join(f"{e.code} : {e.context}" if e.context else e.code for e in status.errors)
    return DmpAnswer(kind=FAILURE, payload=answer.payload, attachments=attachments, errors=status.errors,
                     detail=f"le DMP a refusé la demande ({listed or 'Failure sans erreur détaillée'})", **base)


def call(req: DmpRequest, base_url: str, assertion: etree._Element | None, timeout_seconds: float,
         headers: dict[str, str] | None = None) -> DmpAnswer:
    """POST `req` to `base_url + req.path` with the VIHF `assertion` (and HTTP `headers`) and classify the answer."""
    url = base_url.rstrip("/") + req.path
    message_id = soap.new_message_id()
    envelope = soap.serialize(soap.envelope(req.action, message_id, url, assertion, req.payload))
    if req.attachments:
        packaged = package(envelope, list(req.attachments))
        content_type, body = packaged.content_type, packaged.body
    else:
        content_type, body = f'{soap.SOAP_CONTENT_TYPE}; charset=utf-8; action="{req.action}"', envelope
    posted = post(url, body, {"Content-Type": content_type, **(headers or {})}, timeout_seconds, SERVICE)
    if posted.response is None:
        return DmpAnswer(req, message_id, ERROR, posted.started_at, posted.ended_at, posted.detail, sent=body)
    return _classify(req, message_id, posted.response, posted.started_at, posted.ended_at, body)
