from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class KubeMCPAdminConfig(AdminConfig):
    """django.contrib.admin with kubemcp's site (its header and index) as the default site."""

    default_site = "mcpsite.admin_site.KubeMCPAdminSite"
