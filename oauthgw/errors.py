"""OAuth error answers in the protocol's own form (RFC 6749 section 5.2): JSON, never cached."""

from __future__ import annotations

from django.http import JsonResponse


def oauth_error(error: str, description: str, status: int = 400, **headers: str) -> JsonResponse:
    """`{"error", "error_description"}` with `Cache-Control: no-store`; header names use `_` for `-`."""
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response
