"""Security and CORS headers shared by the /mcp gate and the Django side of the gateway."""

from __future__ import annotations

from django.conf import settings

CORS_ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS"
CORS_ALLOWED_HEADERS = "Authorization, Content-Type, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID"
CORS_EXPOSED_HEADERS = "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate"
CORS_MAX_AGE = "3600"


def security_headers(*, api: bool) -> list[tuple[str, str]]:
    """Headers for every response; `api` answers (JSON, SSE) also forbid caching and any content."""
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer" if api else "strict-origin-when-cross-origin"),
        (
            "Permissions-Policy",
            "geolocation=(), microphone=(), camera=(), payment=(), usb=(), magnetometer=(), gyroscope=()",
        ),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if api:
        headers += [
            ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
            ("Cache-Control", "no-store"),
        ]
    if settings.ENABLE_HSTS:
        headers.append(
            ("Strict-Transport-Security", f"max-age={settings.SECURE_HSTS_SECONDS}; includeSubDomains; preload")
        )
    return headers


def allowed_origins() -> frozenset[str]:
    return frozenset(origin.rstrip("/").lower() for origin in settings.ALLOWED_ORIGINS)


def cors_headers(origin: str | None, origins: frozenset[str], *, preflight: bool) -> list[tuple[str, str]]:
    """CORS headers for an allowed `origin` (none for any other)."""
    if not origin or origin.rstrip("/").lower() not in origins:
        return []
    headers = [
        ("Access-Control-Allow-Origin", origin),
        ("Vary", "Origin"),
        ("Access-Control-Expose-Headers", CORS_EXPOSED_HEADERS),
    ]
    if preflight:
        headers += [
            ("Access-Control-Allow-Methods", CORS_ALLOWED_METHODS),
            ("Access-Control-Allow-Headers", CORS_ALLOWED_HEADERS),
            ("Access-Control-Max-Age", CORS_MAX_AGE),
        ]
    return headers
