"""Named defect variants of the reference SUT, each a small switch.

The harness proves a scenario can fail by running it against a variant that
breaks exactly the rule the scenario checks. `DEFECTS` (name -> description)
is what `selfcheck` lists; `--defect NAME` turns one on.
"""

from __future__ import annotations

DEFECTS: dict[str, str] = {
    "key-not-checked": "Accepts the matricule returned by INSi without checking its key.",
    "no-retry-on-02": "Gives up after a CodeCR 02 (several identities) instead of retrying with all birth first names.",
    "qualifies-without-id-document": "Sets QUAL after an INSi match even without a high-trust identity document.",
    "shares-ins-of-unqualified": "Exports the INS of identities that are not QUAL (RECUP, VALI).",
    "does-not-trace-insi": "Does not trace its INSi calls.",
    "swallows-faults": "Hides INSi faults, HTTP errors and timeouts: the user is told 'aucune identité trouvée'.",
    "naive-corsica-key": "Computes the matricule key without the 2A->19 / 2B->18 substitution (letters read as 0).",
    "nir-oid-assumed": "Ignores the OID returned by INSi and records every INS as an INS-NIR (1.2.250.1.213.1.4.8).",
    "uses-historic-ins": "Takes the first INSHISTO (historic INS) instead of INSACTIF when INSi returns both.",
    "no-lps-context": "Sends no ContexteLPS header, so INSi cannot tell which authorised software is calling.",
    "traits-not-compared": "Accepts the INS without comparing the traits INSi returns with the local identity's.",
    "silent-on-01-02": "Does not tell the user when INSi finds no identity (01) or several (02).",
    # CDA documents produced by the SUT
    "document-ins-without-birthplace": "Writes the INS in the CDA header without the patient's birth place (COG).",
    "reuses-document-id": "Derives the document id from patient and kind, so two documents of one kind share an id.",
    "replacement-new-set-id": "Issues a corrected document as a new document (new setId, version 1, no RPLC link).",
    "empty-narrative": "Leaves every section's narrative block empty (nothing readable in a viewer).",
    "n1-pdf-not-base64": "Embeds the N1 PDF as raw text instead of base64 (representation TXT).",
    "ldl-without-discharge-treatments": "Leaves the mandatory 'Traitements à la sortie' section out of LDL-SES.",
    "bio-results-not-loinc": "Codes CR-BIO results in a local lab code system instead of LOINC.",
    "img-without-conclusion": "Leaves the mandatory conclusion section out of CR-IMG.",
    "vaccine-without-lot-number": "Leaves the vaccine lot number out of VAC-NOTE.",
    # documents received by the SUT (CDA/INT.01, CDA/DD.04)
    "integrates-duplicates": "Integrates a received document again when the same document id arrives twice.",
    "dedup-on-set-id": "Treats a new version of a received document (same setId, new id) as a duplicate.",
    # no dmp- prefix: selfcheck runs a dmp- defect against the DMP section's scenarios only, DD.04 is CDA's
    "refeeds-dmp-documents": "Sends back to the DMP (ITI-41) a document it retrieved from the DMP.",
    # DMP client (docs/dmp.md)
    "dmp-feeds-without-td02": "Feeds a document (ITI-41) without calling TD0.2 (test d'existence) first.",
    "dmp-patient-id-format": "Sends the XDS patient id as the bare INS (no ^^^&OID&ISO^NH assigning authority).",
    "dmp-typecode-not-cda-code": "Sends a metadata typeCode that differs from the CDA's ClinicalDocument/code.",
    "dmp-wrong-hash": "Computes hash and size over a re-serialised copy of the CDA, not over the bytes sent.",
    "dmp-unsigned-vihf": "Sends the VIHF assertion without its XML signature.",
    "dmp-expired-vihf": "Sends a VIHF whose validity window (NotOnOrAfter) is already over.",
    "dmp-vihf-other-patient": "Puts another patient's INS in the VIHF resource-id.",
    "dmp-invisible-patient-with-masque-ps":
        "Sends INVISIBLE_PATIENT together with MASQUE_PS when asked for invisible-to-patient.",
    "dmp-deleted-still-listed": "After a delete, still lists the document in search answers from its local cache.",
    "dmp-replace-without-rplc": "Feeds a replacement document without the RPLC association to the replaced entry.",
    "dmp-ins-of-unqualified": "Feeds documents of identities that are not QUAL, using their INS.",
    "dmp-no-trace": "Does not trace its DMP calls.",
    "dmp-swallows-errors": "Reports DMP failures, faults and timeouts to the user as a success, without alert.",
    "dmp-bris-de-glace-as-normal": "Sends purposeofuse 'normal' in the VIHF when the user chose bris de glace.",
    "dmp-psc-ignored": "Signs its own VIHF for a user logged in with Pro Santé Connect instead of using the PSC entry.",
    "dmp-psc-other-patient": "Through the DMP's Pro Santé Connect entry, names another patient in X-PatientINS.",
    "dmp-no-td02-before-search": "Consults the DMP (ITI-18 search, ITI-43 retrieve) without calling TD0.2 first.",
    "dmp-invisible-legal-as-invisible-patient":
        "Sends INVISIBLE_PATIENT when asked for invisible-to-legal-representatives (hides it from the patient too).",
    "dmp-creates-without-td02": "Creates a DMP (TD1.1) without calling TD0.2 (test d'existence) first.",
    "dmp-creates-without-consent": "Creates the patient's DMP (TD1.1) even though the patient did not consent.",
    "dmp-reactivation-wrong-reason": "Reactivates a closed DMP with TD1.2 reasonCode FERM (close) instead of REAC.",
    # MSSanté client (docs/adapter.md "MSSanté and Pro Santé Connect")
    "mss-accepts-tls-below-1.2": "Lets its SMTP/IMAP TLS context negotiate TLS 1.0 and 1.1 (security level 0).",
    "mss-any-cipher": "Offers and accepts any TLS 1.2 cipher suite, not only the four MSSanté ECDHE-RSA suites.",
    "mss-no-server-cert-check": "Does not verify the MSSanté server certificate (no CA check, no hostname check).",
    "mss-wrong-subject": "Sends XDM messages without the XDM/1.0/DDM+ subject prefix.",
    "mss-no-x-mss-headers": "Sends XDM messages without the X-MSS-CODECDA, X-MSS-INS and X-MSS-NIL headers.",
    "mss-ins-of-unqualified": "Sends X-MSS-INS: O and writes to the patient mailbox for a non-QUAL identity.",
    "mss-no-xdm": "Attaches the CDA document raw instead of an IHE_XDM.ZIP archive.",
    "mss-several-patients": "Puts the documents of several patients in one message.",
    "mss-swallows-refusal": "Reports an SMTP refusal (unknown recipient, AUTH refused) as a success, no alert.",
    "mss-no-mdn": "Never sends the MDN (accusé de lecture) a received message asks for.",
    "mss-wrong-mdn": "Answers every XDM message with an MDN 'processed' and no error, even for an unknown patient.",
    "mss-integrates-duplicates": "Integrates a document received twice by MSSanté twice.",
    "mss-ignores-xdm-mail": "Does not detect e-mails carrying an IHE_XDM.ZIP: lists them as ignored mail.",
    "mss-no-insi-check": "Files a received document under the local identity without checking its INS with INSi.",
    "mss-no-starttls": "Authenticates and sends without STARTTLS (the token and the message in clear).",
    "mss-ignores-acknowledgements": "Does not read the DSN / MDN it receives: sent messages show no acknowledgement.",
    # Pro Santé Connect client
    "psc-no-pkce": "Runs the PSC authorization code flow without PKCE (no code_challenge, no code_verifier).",
    "psc-no-refresh": "Never refreshes the PSC access token: keeps presenting it after it expired.",
    "psc-logout-keeps-tokens": "Logout says success but neither revokes nor forgets the PSC tokens: still uses them.",
}


class UnknownDefect(ValueError):
    """A defect name that the reference SUT does not implement."""


def check_defect(name: str | None) -> str | None:
    """`name` itself when it is a known defect (or None), else UnknownDefect listing the known ones."""
    if name is None or name in DEFECTS:
        return name
    raise UnknownDefect(f"unknown defect {name!r}; known defects: {', '.join(sorted(DEFECTS))}")
