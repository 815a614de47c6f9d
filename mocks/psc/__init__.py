"""Pro Santé Connect mock: an OpenID Connect provider for test health professionals (authlib)."""
