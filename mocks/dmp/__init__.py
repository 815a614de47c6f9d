"""The DMP (Mon Espace Santé) mock: /patients (HL7v3), /registry (ITI-18, ITI-57), /repository (ITI-41, ITI-43).

See docs/dmp.md for the wire contract and docs/mocks.md for what it checks.
"""
