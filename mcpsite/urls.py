from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import path

from mcpsite import dashboard, health, home, metrics_view

urlpatterns = [
    path("", home.home, name="home"),
    path("favicon.ico", home.favicon, name="favicon"),
    path("admin/dashboard/", dashboard.dashboard_view, name="admin-dashboard"),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view.metrics, name="metrics"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

if settings.OAUTH_ENABLED:
    from oauthgw.urls import urlpatterns as oauth_urlpatterns

    urlpatterns += oauth_urlpatterns
