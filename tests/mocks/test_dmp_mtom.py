"""MTOM/XOP: ITI-41 requests (attachments and inline base64 handed to the XDS side), ITI-43 MTOM answers."""

from __future__ import annotations

import base64
import email
import email.policy
from pathlib import Path

import pytest
from dmp_support import (
    DOMINIQUE,
    ITI41_ACTION,
    XDSB,
    XOP,
    iti41_body,
    make_dmp,
    mtom,
    pid,
    post,
    signed_vihf,
    soap,
)
from lxml import etree

from segur_harness.mocks.dmp import mtom as mtom_module
from segur_harness.mocks.dmp.context import DmpAnswer

RS = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"
RETRIEVE_ACTION = "urn:ihe:iti:2007:RetrieveDocumentSet"
CDA = (b'<?xml version="1.0" encoding="UTF-8"?>\r\n<ClinicalDocument xmlns="urn:hl7-org:v3">\xc3\xa9\x00\r\n'
       b"</ClinicalDocument>")


class FakeXds:
    """Stands in for mocks/dmp/xds.py: records what the transport handed over."""

    def __init__(self) -> None:
        self.documents: dict[str, bytes] | None = None

    def patient_ids_of_request(self, ctx) -> set[str]:
        return {pid(DOMINIQUE)}

    def provide_and_register(self, ctx) -> DmpAnswer:
        self.documents = dict(ctx.documents)
        response = etree.Element(f"{{{RS}}}RegistryResponse",
                                 status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success")
        return DmpAnswer(response, "ITI-41")

    def retrieve(self, ctx) -> DmpAnswer:
        body = etree.Element(f"{{{XDSB}}}RetrieveDocumentSetResponse", nsmap={"xdsb": XDSB})
        etree.SubElement(body, f"{{{RS}}}RegistryResponse",
                         status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success")
        document = etree.SubElement(etree.SubElement(body, f"{{{XDSB}}}DocumentResponse"), f"{{{XDSB}}}Document")
        document.append(mtom_module.include_element("doc 1@dmp.mock"))
        return DmpAnswer(body, "ITI-43", attachments={"doc 1@dmp.mock": ("text/xml", CDA)})

    def reset(self) -> None:
        pass


@pytest.fixture
def dmp(tmp_path: Path, pki_dir: Path):
    app, store, service = make_dmp(tmp_path, pki_dir, max_attachment_bytes=4096, max_parts=5)
    service.xds = FakeXds()
    return app.test_client(), store, service


def include(cid: str) -> str:
    return f'<xop:Include xmlns:xop="{XOP}" href="cid:{cid}"/>'


def test_mtom_attachment_reaches_the_handler_byte_exact(dmp, pki_dir: Path) -> None:
    client, store, service = dmp
    envelope = soap(iti41_body(include("doc1@segur.test")), ITI41_ACTION, signed_vihf(pki_dir))
    content_type, body = mtom(envelope, [("doc1@segur.test", "text/xml", CDA)])
    answer = post(client, "/repository", body, content_type)
    assert answer.status == 200, answer.reason
    assert answer.find(".//{urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0}RegistryResponse") is not None
    assert service.xds.documents == {"doc1": CDA}
    assert store.exchanges()[0].operation == "ITI-41" and not store.exchanges()[0].errors


def test_cid_is_url_decoded(dmp, pki_dir: Path) -> None:
    client, _, service = dmp
    envelope = soap(iti41_body(include("doc%201%40segur.test")), ITI41_ACTION, signed_vihf(pki_dir))
    content_type, body = mtom(envelope, [("doc 1@segur.test", "text/xml", CDA)])
    assert post(client, "/repository", body, content_type).status == 200
    assert service.xds.documents == {"doc1": CDA}


def test_inline_base64_document(dmp, pki_dir: Path) -> None:
    client, _, service = dmp
    encoded = base64.encodebytes(CDA).decode()  # with line breaks, as many stacks send it
    answer = post(client, "/repository", soap(iti41_body(encoded), ITI41_ACTION, signed_vihf(pki_dir)))
    assert answer.status == 200
    assert service.xds.documents == {"doc1": CDA}


def test_inline_base64_inside_mtom(dmp, pki_dir: Path) -> None:
    client, _, service = dmp
    envelope = soap(iti41_body(base64.b64encode(CDA).decode()), ITI41_ACTION, signed_vihf(pki_dir))
    content_type, body = mtom(envelope, [])
    assert post(client, "/repository", body, content_type).status == 200
    assert service.xds.documents == {"doc1": CDA}


def test_bad_base64_is_refused(dmp, pki_dir: Path) -> None:
    client, _, _ = dmp
    answer = post(client, "/repository", soap(iti41_body("@@pas du base64@@"), ITI41_ACTION, signed_vihf(pki_dir)))
    assert answer.status == 400 and "base64" in answer.reason


def test_xop_include_outside_mtom_is_refused(dmp, pki_dir: Path) -> None:
    client, _, _ = dmp
    answer = post(client, "/repository", soap(iti41_body(include("doc1@x")), ITI41_ACTION, signed_vihf(pki_dir)))
    assert answer.status == 400 and "MTOM" in answer.reason


def test_retrieve_answer_is_mtom(dmp, pki_dir: Path) -> None:
    client, store, _ = dmp
    request = (f'<xdsb:RetrieveDocumentSetRequest xmlns:xdsb="{XDSB}"><xdsb:DocumentRequest>'
               "<xdsb:RepositoryUniqueId>1.2.3</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>1.2.3.4"
               "</xdsb:DocumentUniqueId></xdsb:DocumentRequest></xdsb:RetrieveDocumentSetRequest>")
    response = client.post("/repository", data=soap(request, RETRIEVE_ACTION, signed_vihf(pki_dir)),
                           headers={"Content-Type": "application/soap+xml"})
    assert response.status_code == 200
    content_type = response.headers["Content-Type"]
    assert content_type.startswith("multipart/related") and 'type="application/xop+xml"' in content_type
    assert 'start-info="application/soap+xml"' in content_type
    assert b"\r\n" in response.data
    message = email.message_from_bytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + response.data,
                                       policy=email.policy.HTTP)
    parts = list(message.iter_parts())
    assert parts[0].get_content_type() == "application/xop+xml"
    root = etree.fromstring(parts[0].get_payload(decode=True))
    href = root.find(f".//{{{XDSB}}}Document/{{{XOP}}}Include").get("href")
    assert href == "cid:doc%201@dmp.mock"
    assert parts[1]["Content-ID"].strip("<>") == "doc 1@dmp.mock"
    assert parts[1].get_payload(decode=True) == CDA
    assert root.find(".//{http://www.w3.org/2005/08/addressing}Action").text == \
        "urn:ihe:iti:2007:RetrieveDocumentSetResponse"
    assert store.exchanges()[0].operation == "ITI-43"


# -- mtom.py on its own --------------------------------------------------------------------------------------------

def parse(content_type: str, body: bytes, **kw):
    return mtom_module.parse(content_type, body, max_parts=kw.get("max_parts", 5),
                             max_part_bytes=kw.get("max_part_bytes", 4096))


def test_parse_without_start_uses_the_first_part() -> None:
    content_type, body = mtom(b"<e/>", [("a@b", "text/xml", b"x")])
    content_type = content_type.replace('start="<root.message@cxf.apache.org>"; ', "")
    message = parse(content_type, body)
    assert message.root == b"<e/>" and message.parts["a@b"].data == b"x"


@pytest.mark.parametrize(("change", "words"), [
    (lambda ct, b: (ct.replace('boundary="MIMEBoundary_test"; ', ""), b), "boundary"),
    (lambda ct, b: (ct.replace('type="application/xop+xml"', 'type="text/xml"'), b), "type="),
    (lambda ct, b: (ct.replace("<root.message@cxf.apache.org>", "<ailleurs@x>"), b), "racine introuvable"),
    (lambda ct, b: (ct, b.replace(b"Content-Type: application/xop+xml", b"Content-Type: text/plain")), "racine"),
    (lambda ct, b: (ct, b.replace(b"--MIMEBoundary_test", b"--AutreFrontiere")), "MIME mal formé"),
    (lambda ct, b: (ct, b[: b.rindex(b"--MIMEBoundary_test--")]), "MIME mal formé"),
])
def test_parse_errors(change, words: str) -> None:
    content_type, body = change(*mtom(b"<e/>", [("a@b", "text/xml", b"x")]))
    with pytest.raises(mtom_module.MtomError, match=words):
        parse(content_type, body)


def test_part_size_and_count_bounds() -> None:
    content_type, body = mtom(b"<e/>", [("a@b", "text/xml", b"x" * 5000)])
    with pytest.raises(mtom_module.MtomError, match="trop volumineuse"):
        parse(content_type, body)
    content_type, body = mtom(b"<e/>", [(f"p{i}@b", "text/xml", b"x") for i in range(10)])
    with pytest.raises(mtom_module.MtomError, match="Trop de parties"):
        parse(content_type, body)


def test_duplicate_content_id_is_refused() -> None:
    content_type, body = mtom(b"<e/>", [("a@b", "text/xml", b"x"), ("a@b", "text/xml", b"y")])
    with pytest.raises(mtom_module.MtomError, match="plusieurs"):
        parse(content_type, body)


def test_build_round_trips_binary() -> None:
    data = bytes(range(256)) + b"\r\n--uuid:\r\n"
    content_type, body = mtom_module.build(b"<e/>", {"x@y": ("application/pdf", data)})
    message = parse(content_type, body)
    assert message.parts["x@y"].data == data and message.parts["x@y"].content_type == "application/pdf"


def test_mtom_over_a_real_http_server(tmp_path: Path, pki_dir: Path) -> None:
    """The same exchange on the wire (werkzeug server, requests client): chunking and headers matter."""
    import threading

    import requests
    from werkzeug.serving import make_server

    app, store, service = make_dmp(tmp_path, pki_dir)
    service.xds = FakeXds()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        envelope = soap(iti41_body(include("doc1@segur.test")), ITI41_ACTION, signed_vihf(pki_dir))
        content_type, body = mtom(envelope, [("doc1@segur.test", "text/xml", CDA)])
        response = requests.post(base + "/repository", data=body, headers={"Content-Type": content_type}, timeout=10)
        assert response.status_code == 200 and service.xds.documents == {"doc1": CDA}
        wrong_method = requests.get(base + "/repository", timeout=10)
        assert wrong_method.status_code == 405 and b"Fault" in wrong_method.content
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
    assert [e.operation for e in store.exchanges()] == ["ITI-41", "unknown"]
