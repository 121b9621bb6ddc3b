"""The URLs that name this server in OAuth: the issuer, the /mcp audience and its metadata document."""

from __future__ import annotations

from django.conf import settings

MCP_SCOPE = "mcp"
# Enough for /mcp/read-only, the endpoint whose policy is narrowed to reading; /mcp needs MCP_SCOPE.
MCP_READ_SCOPE = "mcp:read"


def issuer() -> str:
    return str(settings.OAUTH_BASE_URL)


def audience() -> str:
    """The RFC 8707 resource that /mcp accepts tokens for."""
    return f"{settings.OAUTH_BASE_URL}/mcp"


def resource_metadata_url() -> str:
    """The RFC 9728 document a 401 from /mcp points clients to."""
    return f"{settings.OAUTH_BASE_URL}/.well-known/oauth-protected-resource/mcp"
