"""The reference SUT's CDA R2 document production (CI-SIS header, one body module per document kind).

Own code, written from the CI-SIS specifications: it never imports the harness's
validation engine, so the engine judges it like any editor's product.
"""
