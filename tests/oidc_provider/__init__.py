"""A real OpenID Connect provider for the sign-in tests: a small Django project around
django-oauth-toolkit (OIDC on, RS256 with a key made at start, PKCE required), run as its own
process on loopback by `tests.oidc_support`. Not part of Palaver."""
