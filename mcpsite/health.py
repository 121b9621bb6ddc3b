"""Liveness and readiness probes, plain Django views kept off the middleware-heavy paths."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from k8stools.context import get_server_context
from k8stools.kube import KubeConfigError, KubeError

logger = logging.getLogger("kubemcp.health")


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving requests."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database answers, and so does the Kubernetes API unless not required."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # any driver error means "not ready"; the probe must answer, not crash
        checks["database"] = f"error: {type(error).__name__}"
    if settings.READY_REQUIRES_KUBERNETES:
        try:
            context = get_server_context()
            context.client().version(timeout=3.0)
            checks["kubernetes"] = "ok"
        except (KubeError, KubeConfigError) as error:
            checks["kubernetes"] = f"error: {error}"
        except Exception as error:  # a client bug must read as "not ready", not as a 500 page
            logger.exception("the readiness check of the Kubernetes API failed unexpectedly")
            checks["kubernetes"] = f"error: {type(error).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
