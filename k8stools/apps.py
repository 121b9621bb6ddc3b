from __future__ import annotations

from django.apps import AppConfig


class K8sToolsConfig(AppConfig):
    name = "k8stools"
    verbose_name = "Kubernetes tools"
    default_auto_field = "django.db.models.BigAutoField"
