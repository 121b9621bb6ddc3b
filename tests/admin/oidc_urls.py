"""The admin with the OIDC login routes mounted, as when OAUTH_ENABLED is on."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("oidc/", include("mozilla_django_oidc.urls")),
]
