"""The reference SUT's own Pro Santé Connect client: OIDC authorization code + PKCE, refresh, revocation, logout.

Written from the OpenID Connect and OAuth RFCs and ANS's PSC guide, never from
the PSC mock: `segur_harness.mocks` is not imported here, so one shared bug
cannot make the mock and the SUT agree.
"""
