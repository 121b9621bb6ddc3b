"""The front page: what this server is and how to connect to it, instead of a bare 404."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


def mcp_url(request: HttpRequest) -> str:
    """The public URL of /mcp: OAUTH_BASE_URL when set (behind a proxy), else from this request's validated host."""
    if settings.OAUTH_BASE_URL:
        return f"{settings.OAUTH_BASE_URL}/mcp"
    return request.build_absolute_uri("/mcp")


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Name, version, the MCP URL, and client configuration for HTTP and stdio."""
    url = mcp_url(request)
    http_config = {"mcpServers": {"kubemcp": {"type": "http", "url": url}}}
    stdio_config = {
        "mcpServers": {
            "kubemcp": {"command": "uvx", "args": ["kubemcp"], "env": {"KUBECONFIG": "/home/me/.kube/config"}}
        }
    }
    context = {
        "name": settings.SERVER_NAME,
        "version": settings.SERVER_VERSION,
        "mcp_url": url,
        "http_config": json.dumps(http_config, indent=2),
        "stdio_config": json.dumps(stdio_config, indent=2),
    }
    return render(request, "home.html", context)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """No icon: an empty answer that browsers cache, rather than a 404 logged on every page view."""
    response = HttpResponse(status=204)
    response["Cache-Control"] = "public, max-age=86400"
    return response
