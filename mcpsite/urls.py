from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import path

from mcpsite import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

if settings.OAUTH_ENABLED:
    from oauthgw.urls import urlpatterns as oauth_urlpatterns

    urlpatterns += oauth_urlpatterns
