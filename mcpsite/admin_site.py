"""The admin site of kubemcp: every page's header names the product, its version and the cluster context."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from mcpsite import server_status


class KubeMCPAdminSite(admin.AdminSite):
    site_title = "kubemcp"
    site_header = "kubemcp"
    index_title = "Server administration"

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        identity = server_status.identity()
        context["server_identity"] = identity
        context["site_header"] = identity.header
        context["site_title"] = identity.header
        return context

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        # The index opens on the state of the server; the dashboard has the figures and the health checks.
        extra = {**(extra_context or {}), "policy_fields": server_status.policy(), "uptime": server_status.uptime()}
        return super().index(request, extra)
