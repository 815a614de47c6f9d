"""DMP mock test support: signed VIHF, SOAP envelopes, HL7v3 and MTOM bodies written by hand.

Independent from the mock's code (and from any SUT code): requests are
written from docs/dmp.md and the HL7v3 / IHE / SAML specifications, the VIHF
is signed here with signxml from the test PKI.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import etree
from signxml import XMLSigner, methods

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
HL7 = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XDSB = "urn:ihe:iti:xds-b:2007"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
QUERY = "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
XOP = "http://www.w3.org/2004/08/xop/include"
CT = "application/soap+xml; charset=utf-8"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

TD02_ACTION = "urn:hl7-org:v3:PRPA_IN201307UV02"
TD11_ACTION = "urn:hl7-org:v3:PRPA_IN201311UV02"
TD12_ACTION = "urn:hl7-org:v3:PRPA_IN201314UV02"
ITI41_ACTION = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"
ITI18_ACTION = "urn:ihe:iti:2007:RegistryStoredQuery"

OID_NIR = "1.2.250.1.213.1.4.8"
OID_TEST = "1.2.250.1.213.1.4.10"
OID_NIA = "1.2.250.1.213.1.4.9"
DOMINIQUE = ("297022A02077878", OID_NIR)
TOUSSAINT = ("160012B02077713", OID_NIR)  # opposed to bris de glace
PAT_TROIS = ("279035121518989", OID_TEST)
PROVISOIRE = ("109076322088835", OID_NIA)  # DMP FERME
UNKNOWN = ("199017512345612", OID_NIR)  # no DMP
STRUCTURE = "11750000016"


def pid(patient: tuple[str, str]) -> str:
    return f"{patient[0]}^^^&{patient[1]}&ISO^NH"


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _z(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def role(code: str, system: str, display: str = "") -> str:
    return (f'<hl7:Role xmlns:hl7="{HL7}" xmlns:xsi="{XSI}" xsi:type="CE" code="{code}" codeSystem="{system}"'
            f' displayName="{esc(display)}"/>')


def purpose(code: str, system: str = "1.2.250.1.213.1.1.4.248") -> str:
    return f'<hl7:PurposeOfUse xmlns:hl7="{HL7}" xmlns:xsi="{XSI}" xsi:type="CE" code="{code}" codeSystem="{system}"/>'


def default_attributes(patient: tuple[str, str] = DOMINIQUE) -> dict[str, list[str] | None]:
    """VIHF attributes of docs/dmp.md; values are raw XML content of each saml:AttributeValue."""
    return {
        "VIHF_Version": ["3.0"],
        "Identifiant_Structure": [STRUCTURE],
        "Secteur_Activite": ["SA01^1.2.250.1.71.4.2.4"],
        "urn:oasis:names:tc:xspa:1.0:subject:subject-id": ["TESTEUR Camille"],
        "urn:oasis:names:tc:xacml:2.0:subject:role": [role("10", "1.2.250.1.71.1.2.7", "Médecin"),
                                                      role("SM54", "1.2.250.1.71.4.2.5", "Médecine générale")],
        "Authentification_Mode": ["INDIRECTE_RENFORCEE"],
        "urn:oasis:names:tc:xacml:2.0:resource:resource-id": [esc(pid(patient))],
        "Ressource_URN": ["urn:dmp"],
        "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse": [purpose("normal")],
        "LPS_Nom": ["SEGUR-HARNESS-SUT"],
        "LPS_Version": ["1.0.0"],
        "LPS_ID_HOMOLOGATION_DMP": ["TEST-DMP-HOMOL-0001"],
    }


def assertion_xml(issuer: str, *, patient: tuple[str, str] = DOMINIQUE, not_before: datetime | None = None,
                  not_after: datetime | None = None, changes: dict[str, list[str] | None] | None = None,
                  name_id: str = "810000000010", assertion_id: str | None = None) -> str:
    """The unsigned assertion with a signature placeholder right after saml:Issuer."""
    now = datetime.now(UTC)
    not_before = not_before or now - timedelta(minutes=1)
    not_after = not_after or now + timedelta(minutes=10)
    attributes = default_attributes(patient)
    attributes.update(changes or {})
    statements = "".join(
        f'<saml:Attribute Name="{esc(name)}">'
        + "".join(f"<saml:AttributeValue>{v}</saml:AttributeValue>" for v in values)
        + "</saml:Attribute>"
        for name, values in attributes.items() if values is not None
    )
    ident = assertion_id or f"_{uuid.uuid4().hex}"
    return (
        f'<saml:Assertion xmlns:saml="{SAML}" ID="{ident}" Version="2.0" IssueInstant="{_z(now)}">'
        f'<saml:Issuer Format="urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName">{esc(issuer)}</saml:Issuer>'
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"/>'
        f"<saml:Subject><saml:NameID>{name_id}</saml:NameID></saml:Subject>"
        f'<saml:Conditions NotBefore="{_z(not_before)}" NotOnOrAfter="{_z(not_after)}"/>'
        f'<saml:AuthnStatement AuthnInstant="{_z(now)}"><saml:AuthnContext><saml:AuthnContextClassRef>'
        "urn:oasis:names:tc:SAML:2.0:ac:classes:X509</saml:AuthnContextClassRef></saml:AuthnContext>"
        "</saml:AuthnStatement>"
        f"<saml:AttributeStatement>{statements}</saml:AttributeStatement></saml:Assertion>"
    )


def sign(xml: str, key_pem: bytes, cert_pem: bytes) -> bytes:
    """Enveloped XML-DSig of the assertion: ECDSA-SHA256, SHA-256 digest, exclusive c14n, X509Certificate."""
    root = etree.fromstring(xml.encode())
    signer = XMLSigner(method=methods.enveloped, signature_algorithm="ecdsa-sha256", digest_algorithm="sha256",
                       c14n_algorithm=EXC_C14N)
    signed = signer.sign(root, key=key_pem, cert=cert_pem.decode(), reference_uri="#" + root.get("ID"),
                         id_attribute="ID")
    return etree.tostring(signed)


def signer_dn(cert_pem: bytes) -> str:
    from cryptography import x509

    return x509.load_pem_x509_certificate(cert_pem).subject.rfc4514_string()


def signed_vihf(pki_dir: Path, cn: str = "DMP-CACHET", **kwargs) -> bytes:
    cert = (pki_dir / f"client-{cn}.pem").read_bytes()
    key = (pki_dir / f"client-{cn}.key").read_bytes()
    return sign(assertion_xml(signer_dn(cert), **kwargs), key, cert)


def security(assertion: bytes | str | None) -> str:
    if assertion is None:
        return ""
    text = assertion.decode() if isinstance(assertion, bytes) else assertion
    return f'<wsse:Security xmlns:wsse="{WSSE}">{text}</wsse:Security>'


def soap(body: str, action: str | None, assertion: bytes | str | None, *, message_id: str | None = "auto",
         to: str | None = None) -> bytes:
    headers = []
    if action is not None:
        headers.append(f"<wsa:Action>{esc(action)}</wsa:Action>")
    if message_id is not None:
        headers.append(f"<wsa:MessageID>{message_id if message_id != 'auto' else 'urn:uuid:' + str(uuid.uuid4())}"
                       "</wsa:MessageID>")
    if to:
        headers.append(f"<wsa:To>{esc(to)}</wsa:To>")
    headers.append(security(assertion))
    return (f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP12}" xmlns:wsa="{WSA}">'
            f"<soap:Header>{''.join(headers)}</soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>").encode()


def _wrapper_head(interaction: str) -> str:
    return (
        f'<id root="{uuid.uuid4()}"/><creationTime value="20261201100000"/>'
        f'<interactionId root="2.16.840.1.113883.1.6" extension="{interaction}"/>'
        '<processingCode code="P"/><processingModeCode code="T"/><acceptAckCode code="AL"/>'
        '<receiver typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE">'
        '<id root="1.2.250.1.213.4.1.1.1"/></device></receiver>'
        '<sender typeCode="SND"><device classCode="DEV" determinerCode="INSTANCE">'
        '<id root="1.2.250.1.71.4.2.2" extension="1750000016"/></device></sender>'
    )


def td02(patient: tuple[str, str] = DOMINIQUE, *, reason: str = "TEST_EXST") -> str:
    """A PRPA_IN201307UV02 (TD0.2 test d'existence) written from the HL7v3 / DMPi specification."""
    ins, oid = patient
    return (
        f'<PRPA_IN201307UV02 xmlns="{HL7}" ITSVersion="XML_1.0">{_wrapper_head("PRPA_IN201307UV02")}'
        '<controlActProcess classCode="CACT" moodCode="EVN">'
        '<code code="PRPA_TE201307UV02" codeSystem="2.16.840.1.113883.1.6"/>'
        f'<reasonCode code="{reason}" codeSystem="1.2.250.1.213.1.1.4.11"/>'
        '<queryByParameter><queryId root="1.2.250.1.71.4.2.2" extension="Q-0001"/>'
        '<statusCode code="new"/><responsePriorityCode code="I"/>'
        f'<parameterList><patientIdentifier><value root="{oid}" extension="{ins}"/>'
        "<semanticsText>Patient.id</semanticsText></patientIdentifier></parameterList>"
        "</queryByParameter></controlActProcess></PRPA_IN201307UV02>"
    )


def td11(patient: tuple[str, str]) -> str:
    ins, oid = patient
    return (
        f'<PRPA_IN201311UV02 xmlns="{HL7}" ITSVersion="XML_1.0">{_wrapper_head("PRPA_IN201311UV02")}'
        '<controlActProcess classCode="CACT" moodCode="EVN">'
        '<code code="PRPA_TE201311UV02" codeSystem="2.16.840.1.113883.1.6"/>'
        '<subject typeCode="SUBJ"><registrationRequest classCode="REG" moodCode="RQO">'
        f'<statusCode code="active"/><subject1 typeCode="SBJ"><patient classCode="PAT"><id root="{oid}" '
        f'extension="{ins}"/><statusCode code="active"/><patientPerson classCode="PSN" determinerCode="INSTANCE">'
        "<name><family>NOUVEAU</family><given>PATIENT</given></name></patientPerson></patient></subject1>"
        "</registrationRequest></subject></controlActProcess></PRPA_IN201311UV02>"
    )


def td12(patient: tuple[str, str], reason: str) -> str:
    ins, oid = patient
    return (
        f'<PRPA_IN201314UV02 xmlns="{HL7}" ITSVersion="XML_1.0">{_wrapper_head("PRPA_IN201314UV02")}'
        '<controlActProcess classCode="CACT" moodCode="EVN">'
        '<code code="PRPA_TE201314UV02" codeSystem="2.16.840.1.113883.1.6"/>'
        f'<reasonCode code="{reason}" codeSystem="1.2.250.1.213.1.1.4.11"/>'
        '<subject typeCode="SUBJ"><registrationEvent classCode="REG" moodCode="EVN"><statusCode code="active"/>'
        f'<subject1 typeCode="SBJ"><patient classCode="PAT"><id root="{oid}" extension="{ins}"/>'
        '<statusCode code="active"/></patient></subject1></registrationEvent></subject>'
        "</controlActProcess></PRPA_IN201314UV02>"
    )


def iti41_body(document: str, patient: tuple[str, str] = DOMINIQUE, doc_id: str = "doc1") -> str:
    """A minimal ProvideAndRegister request; `document` is the raw content of xdsb:Document."""
    return (f'<xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb="{XDSB}" xmlns:lcm="{LCM}" xmlns:rim="{RIM}">'
            f'<lcm:SubmitObjectsRequest><rim:RegistryObjectList/></lcm:SubmitObjectsRequest>'
            f'<xdsb:Document id="{doc_id}">{document}</xdsb:Document></xdsb:ProvideAndRegisterDocumentSetRequest>')


def mtom(envelope: bytes, attachments: list[tuple[str, str, bytes]], *, boundary: str = "MIMEBoundary_test",
         start: str = "<root.message@cxf.apache.org>", root_type: str = "application/xop+xml",
         root_cid: str = "<root.message@cxf.apache.org>") -> tuple[str, bytes]:
    """(Content-Type, body) of an MTOM request built byte by byte (RFC 2387, CRLF line ends)."""
    crlf = b"\r\n"
    out = (b"--" + boundary.encode() + crlf
           + f'Content-Type: {root_type}; charset=UTF-8; type="application/soap+xml"'.encode() + crlf
           + b"Content-Transfer-Encoding: binary" + crlf
           + b"Content-ID: " + root_cid.encode() + crlf + crlf + envelope + crlf)
    for cid, ctype, data in attachments:
        out += (b"--" + boundary.encode() + crlf + b"Content-Type: " + ctype.encode() + crlf
                + b"Content-Transfer-Encoding: binary" + crlf + b"Content-ID: <" + cid.encode() + b">" + crlf
                + crlf + data + crlf)
    out += b"--" + boundary.encode() + b"--" + crlf
    content_type = (f'multipart/related; type="application/xop+xml"; boundary="{boundary}"; start="{start}"; '
                    'start-info="application/soap+xml"')
    return content_type, out


NSMAP = {"s": SOAP12, "wsa": WSA, "h": HL7, "xdsb": XDSB}


class Answer:
    """A parsed SOAP answer: fault parts, HL7 parts, WS-Addressing headers."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.root = etree.fromstring(body)
        assert self.root.tag == f"{{{SOAP12}}}Envelope", body[:300]

    def find(self, path: str) -> etree._Element | None:
        return self.root.find(path, NSMAP)

    def text(self, path: str) -> str | None:
        el = self.find(path)
        return el.text if el is not None else None

    def attr(self, path: str, name: str) -> str | None:
        el = self.find(path)
        return el.get(name) if el is not None else None

    @property
    def fault_code(self) -> str | None:
        return self.text(".//s:Fault/s:Code/s:Value")

    @property
    def subcode(self) -> tuple[str | None, str | None]:
        """(namespace, local name) of the fault subcode QName, resolved like a SOAP stack does."""
        el = self.find(".//s:Fault/s:Code/s:Subcode/s:Value")
        if el is None or not el.text:
            return (None, None)
        prefix, _, local = el.text.strip().partition(":")
        return (el.nsmap.get(prefix), local)

    @property
    def reason(self) -> str:
        return self.text(".//s:Fault/s:Reason/s:Text") or ""

    @property
    def ack(self) -> str | None:
        return self.attr(".//h:acknowledgement/h:typeCode", "code")

    @property
    def query_code(self) -> str | None:
        return self.attr(".//h:controlActProcess/h:queryAck/h:queryResponseCode", "code")

    def attention(self) -> dict[str, str]:
        out = {}
        for line in self.root.iterfind(".//h:controlActProcess/h:attentionLine", NSMAP):
            out[line.find("h:keyWordText", NSMAP).get("code")] = line.find("h:value", NSMAP).get("value")
        return out


def dmp_config(tmp_path: Path, pki_dir: Path, max_body: int = 4 * 1024 * 1024, **dmp: object) -> dict:
    """Default configuration with its own store, the given test PKI and [mocks.dmp] overrides."""
    import copy

    from segur_harness.config import load_config

    cfg = copy.deepcopy(load_config({}))
    cfg["paths"]["store"] = str(tmp_path / "exchanges.sqlite")
    cfg["mocks"]["max_body_bytes"] = max_body
    cfg["mocks"]["dmp"].update({"pki_dir": str(pki_dir), **dmp})
    return cfg


def make_dmp(tmp_path: Path, pki_dir: Path, max_body: int = 4 * 1024 * 1024, **dmp: object):
    """(Flask app, Store, DmpService) on an isolated store."""
    from segur_harness.mocks.dmp.service import DmpService
    from segur_harness.mocks.framework import create_mock_app
    from segur_harness.store import Store

    cfg = dmp_config(tmp_path, pki_dir, max_body, **dmp)
    service = DmpService(cfg)
    store = Store(cfg["paths"]["store"])
    return create_mock_app(service, store, max_body_bytes=max_body), store, service


def post(client, path: str, body: bytes, content_type: str = CT) -> Answer:
    response = client.post(path, data=body, headers={"Content-Type": content_type})
    return Answer(response.status_code, response.data)
