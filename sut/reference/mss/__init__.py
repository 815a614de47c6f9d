"""The reference SUT's own MSSanté client: SMTP submission and IMAP over STARTTLS, XOAUTH2 with a PSC token.

Written from the RFCs (5321, 3207, 3461-3464, 8098, 3501) and the ANS MSSanté
referentials, never from the MSSanté mock: `segur_harness.mocks` is not
imported here, so one shared bug cannot make the mock and the SUT agree.
"""
