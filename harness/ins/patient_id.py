"""The patient id form of XDS metadata, the DMP VIHF resource-id and X-PatientINS."""

from __future__ import annotations


def xds_patient_id(ins: str, oid: str) -> str:
    """``<matricule+key>^^^&<OID>&ISO^NH`` (HL7v2 CX with the INS OID as assigning authority)."""
    return f"{ins}^^^&{oid}&ISO^NH"
