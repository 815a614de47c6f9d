"""A tiny DMP stand-in on 127.0.0.1 for the reference SUT's DMP client tests (not the harness's DMP mock).

It answers the shapes of docs/dmp.md from literal XML, written here without
the SUT's code so the tests check the client against an independent reading.
It records every request and can be told to fail (`fail_with`), fault
(`fault`) or answer NF to TD0.2.
"""

from __future__ import annotations

import email.policy
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser

from flask import Flask, Response, request
from lxml import etree
from werkzeug.serving import make_server

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"


@dataclass
class Received:
    path: str
    content_type: str
    body: bytes
    envelope: etree._Element
    attachments: dict[str, bytes]

    @property
    def action(self) -> str:
        return self.envelope.findtext(f"{{{SOAP}}}Header/{{{WSA}}}Action") or ""

    @property
    def message_id(self) -> str:
        return self.envelope.findtext(f"{{{SOAP}}}Header/{{{WSA}}}MessageID") or ""

    def find(self, path: str) -> etree._Element | None:
        return self.envelope.find(path, NS)

    def findall(self, path: str) -> list[etree._Element]:
        return self.envelope.findall(path, NS)


NS = {"soap": SOAP, "wsa": WSA, "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
      "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
      "ds": "http://www.w3.org/2000/09/xmldsig#", "hl7": "urn:hl7-org:v3", "xdsb": "urn:ihe:iti:xds-b:2007",
      "lcm": "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0", "rim": "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0",
      "query": "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0", "xop": "http://www.w3.org/2004/08/xop/include"}


@dataclass
class StubState:
    received: list[Received] = field(default_factory=list)
    td02_code: str = "OK"
    dmp_statut: str = "OUVERT"
    authorisation: str = "VALIDE"
    fail_with: str | None = None
    fault: tuple[str, str] | None = None
    entries: list[str] = field(default_factory=list)
    """ExtrinsicObject XML snippets returned by ITI-18."""
    documents: dict[str, bytes] = field(default_factory=dict)
    """Documents ITI-43 returns, by uniqueId."""
    td1_ack: str = "AA"
    """The acknowledgement TD1.1 / TD1.2 get (AE comes with a reason)."""

    def of(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


def _envelope(action: str, relates_to: str, body: str) -> str:
    return (f'<soap:Envelope xmlns:soap="{SOAP}" xmlns:wsa="{WSA}"><soap:Header><wsa:Action>{action}</wsa:Action>'
            f"<wsa:MessageID>urn:uuid:{uuid.uuid4()}</wsa:MessageID><wsa:RelatesTo>{relates_to}</wsa:RelatesTo>"
            f"</soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>")


def _registry_response(state: StubState, tag: str = "rs:RegistryResponse", extra: str = "") -> str:
    ns = ('xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0" '
          'xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" '
          'xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0" xmlns:xdsb="urn:ihe:iti:xds-b:2007"')
    if state.fail_with:
        return (f'<{tag} {ns} status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure">'
                "<rs:RegistryErrorList>"
                f'<rs:RegistryError errorCode="{state.fail_with}" codeContext="Erreur simulée par le stub" '
                'severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error" location="stub"/>'
                f"</rs:RegistryErrorList></{tag}>")
    return f'<{tag} {ns} status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success">{extra}</{tag}>'


def _td02(state: StubState, relates: str) -> str:
    lines = "".join(
        f'<attentionLine><keyWordText code="{k}"/><value xsi:type="ST" value="{v}"/></attentionLine>'
        for k, v in (("AUTORISATION", state.authorisation), ("DMP_STATUT", state.dmp_statut),
                     ("OPPOSITION_BDG", "false")))
    subject = ("<subject typeCode=\"SUBJ\"><registrationEvent><subject1><patient><statusCode code=\"active\"/>"
               "</patient></subject1></registrationEvent></subject>") if state.td02_code == "OK" else ""
    body = ('<PRPA_IN201308UV02 xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'ITSVersion="XML_1.0"><acknowledgement><typeCode code="AA"/></acknowledgement><controlActProcess '
            f'classCode="CACT" moodCode="EVN">{subject}<queryAck><queryResponseCode code="{state.td02_code}"/>'
            f"</queryAck>{lines if state.td02_code == 'OK' else ''}</controlActProcess></PRPA_IN201308UV02>")
    return _envelope("urn:hl7-org:v3:PRPA_IN201308UV02", relates, body)


def _td1(state: StubState, relates: str) -> str:
    detail = ('<acknowledgementDetail typeCode="E"><code code="DMP_EXISTANT"/><text>Refus simulé par le stub</text>'
              "</acknowledgementDetail>") if state.td1_ack != "AA" else ""
    body = ('<MCCI_IN000002UV01 xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0"><acknowledgement>'
            f'<typeCode code="{state.td1_ack}"/>{detail}</acknowledgement></MCCI_IN000002UV01>')
    return _envelope("urn:hl7-org:v3:MCCI_IN000002UV01", relates, body)


def _multipart(envelope: str, attachments: dict[str, bytes]) -> Response:
    boundary = f"stub-{uuid.uuid4().hex}"
    parts = [f'--{boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\n'
             f"Content-Transfer-Encoding: binary\r\nContent-ID: <root@stub>\r\n\r\n".encode() + envelope.encode()]
    for cid, data in attachments.items():
        parts.append(f"--{boundary}\r\nContent-Type: text/xml\r\nContent-Transfer-Encoding: binary\r\n"
                     f"Content-ID: <{cid}>\r\n\r\n".encode() + data)
    body = b"\r\n".join(parts) + f"\r\n--{boundary}--\r\n".encode()
    content_type = (f'multipart/related; type="application/xop+xml"; start="<root@stub>"; '
                    f'start-info="application/soap+xml"; boundary="{boundary}"')
    return Response(body, content_type=content_type)


def _read(path: str, content_type: str, body: bytes) -> Received:
    attachments: dict[str, bytes] = {}
    root = body
    if content_type.startswith("multipart/"):
        message = BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        parts = list(message.iter_parts())
        root = parts[0].get_payload(decode=True)
        attachments = {str(p["Content-ID"]).strip("<>"): p.get_payload(decode=True) for p in parts[1:]}
    return Received(path, content_type, body, etree.fromstring(root), attachments)


def stub_app(state: StubState) -> Flask:
    app = Flask("dmp-stub")

    @app.post("/<path:path>")
    def answer(path: str) -> Response:
        got = _read("/" + path, request.content_type or "", request.get_data())
        state.received.append(got)
        relates = got.message_id
        if state.fault:
            code, reason = state.fault
            body = (f'<soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value><soap:Subcode><soap:Value>{code}'
                    f'</soap:Value></soap:Subcode></soap:Code><soap:Reason><soap:Text xml:lang="fr">{reason}'
                    "</soap:Text></soap:Reason></soap:Fault>")
            return Response(_envelope(f"{WSA}/fault", relates, body), status=400,
                            content_type="application/soap+xml")
        action = got.action
        if action == "urn:hl7-org:v3:PRPA_IN201307UV02":
            return Response(_td02(state, relates), content_type="application/soap+xml")
        if action in ("urn:hl7-org:v3:PRPA_IN201311UV02", "urn:hl7-org:v3:PRPA_IN201314UV02"):
            return Response(_td1(state, relates), content_type="application/soap+xml")
        if action == "urn:ihe:iti:2007:RegistryStoredQuery":
            objects = '<rim:RegistryObjectList>' + "".join(state.entries) + "</rim:RegistryObjectList>"
            body = _registry_response(state, "query:AdhocQueryResponse", "" if state.fail_with else objects)
            return Response(_envelope(action + "Response", relates, body), content_type="application/soap+xml")
        if action == "urn:ihe:iti:2007:RetrieveDocumentSet":
            unique_id = got.find(".//xdsb:DocumentUniqueId").text
            data = state.documents.get(unique_id)
            if data is None or state.fail_with:
                state.fail_with = state.fail_with or "XDSDocumentUniqueIdError"
                body = _registry_response(state, "xdsb:RetrieveDocumentSetResponse")
                return Response(_envelope(action + "Response", relates, body), content_type="application/soap+xml")
            inner = ('<rs:RegistryResponse xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0" '
                     'status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/>'
                     f"<xdsb:DocumentResponse><xdsb:RepositoryUniqueId>1.2.3</xdsb:RepositoryUniqueId>"
                     f"<xdsb:DocumentUniqueId>{unique_id}</xdsb:DocumentUniqueId><xdsb:mimeType>text/xml"
                     '</xdsb:mimeType><xdsb:Document><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" '
                     'href="cid:doc%40stub"/></xdsb:Document></xdsb:DocumentResponse>')
            body = f'<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="urn:ihe:iti:xds-b:2007">{inner}' \
                   "</xdsb:RetrieveDocumentSetResponse>"
            return _multipart(_envelope(action + "Response", relates, body), {"doc@stub": data})
        if action in ("urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b", "urn:ihe:iti:2010:UpdateDocumentSet"):
            return Response(_envelope(action + "Response", relates, _registry_response(state)),
                            content_type="application/soap+xml")
        return Response("unknown action", status=400)

    return app


@contextmanager
def running_stub() -> Iterator[tuple[str, StubState]]:
    """(base URL, state) of a stub serving on 127.0.0.1 for the duration of the block."""
    state = StubState()
    server = make_server("127.0.0.1", 0, stub_app(state), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}", state
    finally:
        server.shutdown()
        thread.join(5)
