"""INS rules used by the harness's steps, mocks and validators (not by the reference SUT).

- ``matricule``: matricule INS shape and key (NIR and NIA alike)
- ``oids``: what an OID means (INS OID table, the INS arc)
- ``rniv``: identity statuses and who may share the INS
- ``traits``: strict traits as INSi reads and compares them
- ``patient_id``: the ``INS^^^&OID&ISO^NH`` patient id form
"""
