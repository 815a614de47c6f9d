"""Names fixed by the INSi WSDL 1.5.0: namespaces, operations, actions.

Kept in one place so parsing, validation and responses cannot disagree on a
namespace; the values come from DESIR_ICIR_EXP_1.5.0.wsdl.
"""

from __future__ import annotations

from dataclasses import dataclass

from segur_harness.mocks.framework.soap import WSA_NS

NS_RECSANS = "http://www.cnamts.fr/INSiRecSans"
NS_RECVIT = "http://www.cnamts.fr/INSiRecVit"
NS_RESULTAT = "http://www.cnamts.fr/INSiResultat"
NS_CTXLPS = "urn:siram:lps:ctxlps"
NS_CTXBAM = "urn:siram:bam:ctxbam"
NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
NS_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_SIRAM = "urn:siram"
ACTION_PREFIX = "urn:ServiceIdentiteCertifiee:1.0.0:"
SERVICE_NAME = "insi"
UNKNOWN_OPERATION = "unknown"


@dataclass(frozen=True)
class Operation:
    """One WSDL operation: its name, request body element and WS-Addressing actions."""

    name: str
    body_ns: str
    body_local: str

    @property
    def body_tag(self) -> str:
        return f"{{{self.body_ns}}}{self.body_local}"

    @property
    def action(self) -> str:
        return ACTION_PREFIX + self.name

    @property
    def response_action(self) -> str:
        return ACTION_PREFIX + self.name + "Response"


TRAITS = Operation("rechercherInsAvecTraitsIdentite", NS_RECSANS, "RECSANSVITALE")
VITALE = Operation("rechercherInsAvecCarteVitale", NS_RECVIT, "RECVITALE")
OPERATIONS: dict[str, Operation] = {op.name: op for op in (TRAITS, VITALE)}
BY_BODY_TAG: dict[str, Operation] = {op.body_tag: op for op in OPERATIONS.values()}
BY_ACTION: dict[str, Operation] = {op.action: op for op in OPERATIONS.values()}

HEADER_TAGS = {
    "security": f"{{{NS_WSSE}}}Security",
    "contexte_lps": f"{{{NS_CTXLPS}}}ContexteLPS",
    "contexte_bam": f"{{{NS_CTXBAM}}}ContexteBAM",
    "message_id": f"{{{WSA_NS}}}MessageID",
    "action": f"{{{WSA_NS}}}Action",
}
