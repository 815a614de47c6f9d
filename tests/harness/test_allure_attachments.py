"""Readable attachment bodies (segur_harness.allure_attachments)."""

from __future__ import annotations

from segur_harness.allure_attachments import pretty_xml, readable

SOAP = ('<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><a><b>1</b></a>'
        '</soap:Body></soap:Envelope>')  # fmt: skip


def test_xml_is_indented_and_shown_as_xml():
    text, kind = readable(SOAP, "application/soap+xml; charset=utf-8")
    assert kind == "xml"
    assert "\n  <soap:Body>\n    <a>\n      <b>1</b>" in text


def test_json_is_indented_and_shown_as_json():
    text, kind = readable(b'{"a":{"b":[1,2]}}', None)
    assert kind == "json" and text.startswith('{\n  "a": {')


def test_mtom_is_split_into_its_parts_with_the_xml_indented():
    boundary = "MIMEBoundary_x"
    body = (f"--{boundary}\r\nContent-Type: application/xop+xml; type=\"application/soap+xml\"\r\n"
            f"Content-ID: <root>\r\n\r\n{SOAP}\r\n--{boundary}\r\nContent-Type: text/xml\r\nContent-ID: <doc>\r\n\r\n"
            f"<ClinicalDocument/>\r\n--{boundary}--\r\n")  # fmt: skip
    text, kind = readable(body, f'multipart/related; boundary="{boundary}"; type="application/xop+xml"')
    assert kind == "text"
    assert text.startswith("--- partie 1\n") and "--- partie 2\n" in text
    assert "\n  <soap:Body>" in text and "<ClinicalDocument/>" in text


def test_what_is_not_well_formed_or_has_a_dtd_is_shown_as_it_is():
    assert readable("<a><b></a>", "text/xml") == ("<a><b></a>", "text")
    hostile = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    assert readable(hostile, "application/xml") == (hostile, "text")
    assert pretty_xml(hostile) is None


def test_plain_text_and_empty_bodies():
    assert readable("EHLO x", None) == ("EHLO x", "text")
    assert readable(None, None) == ("", "text")
    assert readable(b"", "application/json") == ("", "text")
