from __future__ import annotations

from django.apps import AppConfig


class OAuthGatewayConfig(AppConfig):
    name = "oauthgw"
    verbose_name = "OAuth gateway"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oauthgw import checks, signals  # noqa: F401 - registers the system checks and signal handlers
