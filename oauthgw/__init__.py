"""The OAuth 2.1 gateway: django-oauth-toolkit as the authorization server, an upstream OIDC login,
encrypted upstream tokens, and the bearer check, rate limits and browser hardening in front of /mcp."""
