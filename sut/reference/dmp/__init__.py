"""The reference SUT's own DMP client (docs/dmp.md): VIHF, SOAP/MTOM, TD0.2, XDS metadata, ITI-18/41/43/57.

Written from the public standards and docs/dmp.md, never from the DMP mock:
`segur_harness.mocks` is not imported here, so one shared bug cannot make the
mock and the SUT agree.
"""
