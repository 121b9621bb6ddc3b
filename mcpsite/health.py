"""Liveness and readiness probes, plain Django views kept off the middleware-heavy paths."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from mcpsite import server_status


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving requests."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database answers, and so does the Kubernetes API unless not required."""
    found = {"database": server_status.database()}
    if settings.READY_REQUIRES_KUBERNETES:
        found["kubernetes"] = server_status.kubernetes(timeout=3.0)
    checks = {name: "ok" if check.ok else check.detail for name, check in found.items()}
    ready = all(check.ok for check in found.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
