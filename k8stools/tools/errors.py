"""Failures a model can act on, turned into short tool-error messages that say what to do next."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # at run time this module imports nothing of k8stools: k8stools.names raises its errors
    from k8stools.kube import KubeError


class ToolInputError(Exception):
    """The arguments are well-typed but make no sense (unknown kind, bad YAML, missing namespace)."""


class ToolTimeout(Exception):
    pass


def describe_kube_error(error: KubeError) -> str:
    """The API server's own message, with a hint for the failures a model can fix."""
    message = error.message.rstrip(".")
    if error.status == 0:
        return f"{message}; check that the cluster is up and the kubeconfig points at it, then retry"
    if error.status == 401:
        return f"the API server rejected the credentials ({message}); log in again or check the kubeconfig user"
    if error.status == 403:
        return f"{message} (the identity used has no RBAC permission for this; use can_i to check)"
    if error.status == 404:
        return f"{message}; check the name and namespace (list can show what exists)"
    if error.status == 409:
        if error.reason == "AlreadyExists":
            return f"{message}; use apply to update an existing object"
        return f"{message}; the object changed meanwhile: get it again and retry"
    if error.status == 410:
        return f"{message}; the continue token expired, list again from the start"
    if error.status == 422:
        causes = (error.body.get("details") or {}).get("causes") or []
        details = "; ".join(f"{cause.get('field', '')}: {cause.get('message', '')}".strip(": ") for cause in causes)
        return f"invalid object: {message}" + (f" ({details})" if details and details not in message else "")
    if error.status == 429:
        wait = f" (retry after {error.retry_after:g}s)" if error.retry_after else ""
        return f"the API server is throttling requests{wait}: {message}"
    if error.status >= 500:
        return f"the API server failed ({error.status} {error.reason}): {message}; retry later"
    return f"{message} ({error.status} {error.reason})"
