"""System checks for the OAuth configuration: a bad deployment is refused before it serves a request.

`manage.py check` reports them; the ASGI application runs them too when it starts (daphne does
not run system checks), so a server with OAuth on and no encryption key never starts.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from oauthgw.crypto import InvalidKeyError, parse_key
from oauthgw.ratelimit import parse_networks, valid_rate
from oauthgw.redirects import scheme_problem

LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _is_private_host(host: str) -> bool:
    if host in LOOPBACK:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host.endswith((".local", ".internal", ".localhost"))
    return address.is_private or address.is_loopback or address.is_link_local


def _base_url_errors() -> list[Error]:
    base = settings.OAUTH_BASE_URL
    if not base:
        return [
            Error(
                "OAUTH_BASE_URL is not set",
                hint="Set OAUTH_BASE_URL to the public URL of this server, e.g. https://kubemcp.example.com",
                id="oauthgw.E001",
            )
        ]
    parts = urlsplit(base)
    if parts.scheme != "https" and (parts.hostname or "") not in LOOPBACK:
        return [
            Error(
                f"OAUTH_BASE_URL={base!r} is not https",
                hint="Use https; plain http is allowed only for localhost, 127.0.0.1 or ::1",
                id="oauthgw.E002",
            )
        ]
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return [
            Error(
                f"OAUTH_BASE_URL={base!r} has a path, query or fragment",
                hint="Use the server's origin only: /mcp and /o/ are added to it",
                id="oauthgw.E002",
            )
        ]
    return []


def _key_errors() -> list[Error]:
    if not settings.OAUTH_ENCRYPTION_KEY:
        return [
            Error(
                "OAUTH_ENCRYPTION_KEY is not set: upstream tokens cannot be stored encrypted",
                hint="Generate one with: python -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())' "
                "and set OAUTH_ENCRYPTION_KEY (or OAUTH_ENCRYPTION_KEY_FILE)",
                id="oauthgw.E003",
            )
        ]
    errors = []
    for name, values in (
        ("OAUTH_ENCRYPTION_KEY", [settings.OAUTH_ENCRYPTION_KEY]),
        ("OAUTH_ENCRYPTION_KEYS_OLD", settings.OAUTH_ENCRYPTION_KEYS_OLD),
    ):
        for value in values:
            try:
                parse_key(value, name=name)
            except InvalidKeyError as error:
                errors.append(Error(str(error), hint="Use base64 of 32 random bytes", id="oauthgw.E004"))
    return errors


def _provider_errors() -> list[Error]:
    if settings.OAUTH_PROVIDER == "google":
        missing = [name for name in ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET") if not getattr(settings, name)]
    else:
        missing = [
            name for name in ("DEX_ISSUER_URL", "DEX_CLIENT_ID", "DEX_CLIENT_SECRET") if not getattr(settings, name)
        ]
    if missing:
        return [
            Error(
                f"OAUTH_PROVIDER={settings.OAUTH_PROVIDER} needs {', '.join(missing)}",
                hint="Set the provider's client registration (secrets may come from NAME_FILE)",
                id="oauthgw.E005",
            )
        ]
    errors: list[Error] = []
    if settings.OAUTH_PROVIDER == "dex":
        parts = urlsplit(settings.DEX_ISSUER_URL)
        if (
            parts.scheme != "https" or _is_private_host(parts.hostname or "")
        ) and not settings.ALLOW_PRIVATE_OAUTH_URLS:
            errors.append(
                Error(
                    f"DEX_ISSUER_URL={settings.DEX_ISSUER_URL!r} is not a public https URL",
                    hint="Use the public https issuer, or set ALLOW_PRIVATE_OAUTH_URLS=true for a lab",
                    id="oauthgw.E006",
                )
            )
        if settings.DEX_CA_FILE and not os.access(settings.DEX_CA_FILE, os.R_OK):
            errors.append(Error(f"DEX_CA_FILE={settings.DEX_CA_FILE!r} cannot be read", id="oauthgw.E007"))
    return errors


def _policy_errors() -> list[Error]:
    errors = []
    if not (settings.REGISTRATION_TOKEN or settings.ALLOW_PUBLIC_REGISTRATION or settings.ENABLE_CIMD):
        errors.append(
            Error(
                "no client can register: REGISTRATION_TOKEN is empty, ALLOW_PUBLIC_REGISTRATION and "
                "ENABLE_CIMD are off",
                hint="Set REGISTRATION_TOKEN, or enable client metadata documents",
                id="oauthgw.E008",
            )
        )
    for name in ("RATE_LIMIT_PER_IP", "RATE_LIMIT_PER_USER"):
        if not valid_rate(getattr(settings, name)):
            errors.append(
                Error(
                    f"{name}={getattr(settings, name)!r} is not a rate",
                    hint="Use count/period such as 20/2s, 100/m or 10/h, or 'off'",
                    id="oauthgw.E010",
                )
            )
    try:
        parse_networks(settings.TRUSTED_PROXIES)
    except ValueError as error:
        errors.append(
            Error(f"TRUSTED_PROXIES: {error}", hint="Use addresses or CIDRs, comma-separated", id="oauthgw.E011")
        )
    for scheme in settings.TRUSTED_REDIRECT_SCHEMES:
        if problem := scheme_problem(scheme):
            errors.append(Error(f"TRUSTED_REDIRECT_SCHEMES: {problem}", id="oauthgw.E012"))
    return errors


def gateway_errors() -> list[Any]:
    """Every OAuth configuration problem (empty when OAuth is off)."""
    if not settings.OAUTH_ENABLED:
        if settings.DOWNSTREAM_OAUTH or getattr(settings, "DOWNSTREAM_AUTH", "off") != "off":
            return [
                Error(
                    "DOWNSTREAM_AUTH (or DOWNSTREAM_OAUTH) needs OAUTH_ENABLED: it acts for the logged-in person",
                    hint="Set OAUTH_ENABLED=true or set DOWNSTREAM_AUTH=off",
                    id="oauthgw.E009",
                )
            ]
        return []
    problems: list[Any] = [*_base_url_errors(), *_key_errors(), *_provider_errors(), *_policy_errors()]
    if settings.ALLOW_PUBLIC_REGISTRATION:
        problems.append(
            Warning("ALLOW_PUBLIC_REGISTRATION is on: anyone can register OAuth clients", id="oauthgw.W001")
        )
    if settings.ALLOW_INSECURE_AUTH_WITHOUT_STATE:
        problems.append(
            Warning(
                "ALLOW_INSECURE_AUTH_WITHOUT_STATE is on: authorization requests without state "
                "are accepted (CSRF on the redirect)",
                id="oauthgw.W002",
            )
        )
    return problems


@register(Tags.security)
def check_gateway(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    return gateway_errors()
