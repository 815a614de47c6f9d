"""The INS^^^&OID&ISO^NH patient id form."""

from __future__ import annotations

from segur_harness.ins.patient_id import xds_patient_id


def test_xds_patient_id() -> None:
    assert xds_patient_id("279035121518989", "1.2.250.1.213.1.4.10") == "279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH"


def test_values_are_written_as_given() -> None:
    # The steps build the expected id from what the SUT reports, missing parts included, and compare it verbatim.
    assert xds_patient_id("NoneNone", "None") == "NoneNone^^^&None&ISO^NH"
    assert xds_patient_id("", "") == "^^^&&ISO^NH"
