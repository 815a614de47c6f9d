"""The bundled reference SUT: a minimal, conformant LPS behind the adapter contract.

It exists so the harness can prove its own scenarios: every scenario must pass
against it and fail against at least one of its named defect variants
(`defects.DEFECTS`). It has its own INSi client and INS rules, never the
harness's (`segur_harness.mocks`, `segur_harness.ins`), so one shared bug
cannot make the mock and the SUT agree.
"""
