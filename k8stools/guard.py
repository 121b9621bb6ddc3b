"""`GuardedClient`: the policy applied to every request on its way to the API server.

Tools never hold a bare `KubeClient`; they get a `GuardedClient` for their operation. Whatever
a tool does, each request passes here: a restricted namespace is refused (the Namespace object
itself included), a write by an operation the policy forbids is refused, a write in dry-run mode
carries `dryRun=All`, and lists that span namespaces come back without the restricted ones (and
without events about objects in them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from k8stools.config import MUTATING_OPERATIONS
from k8stools.kube import KubeClient, ResourceType
from k8stools.namespace_filters import references_restricted
from k8stools.policy import Policy, PolicyDenied

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Subresources that open a way into a running container: writes even on a GET.
CONNECT_SUBRESOURCES = frozenset({"exec", "attach", "portforward"})
# POSTs that only ask a question; they change nothing in the cluster.
REVIEW_RESOURCES = frozenset(
    {
        "selfsubjectaccessreviews",
        "selfsubjectrulesreviews",
        "subjectaccessreviews",
        "tokenreviews",
        "selfsubjectreviews",
    }
)

_NAMESPACED_PATH = re.compile(r"^/api(?:s/[^/]+)?/[^/]+/namespaces/(?P<namespace>[^/]+)(?P<rest>/.*)?$")
_RESOURCE_PATH = re.compile(
    r"^/api(?:s/[^/]+)?/[^/]+(?:/namespaces/[^/]+)?/(?P<resource>[^/]+)(?:/(?P<name>[^/]+)(?:/(?P<sub>[^/]+))?)?$"
)


def namespace_of_path(path: str) -> str | None:
    """The namespace a request path touches: `/api/v1/namespaces/kube-system[/...]` is kube-system."""
    match = _NAMESPACED_PATH.match(path.split("?", 1)[0])
    return match.group("namespace") if match else None


def _resource_of_path(path: str) -> tuple[str, str | None]:
    match = _RESOURCE_PATH.match(path.split("?", 1)[0])
    if not match:
        return "", None
    return match.group("resource"), match.group("sub")


class GuardedClient:
    """A `KubeClient` seen through the policy, for one tool call of one `operation`."""

    def __init__(self, client: KubeClient, *, policy: Policy, operation: str) -> None:
        self._client = client
        self.policy = policy
        self.operation = operation

    @property
    def context(self) -> str:
        return self._client.context

    @property
    def host(self) -> str:
        return self._client.host

    @property
    def dry_run(self) -> bool:
        """True when this call's writes go out as `dryRun=All` and change nothing."""
        return self.policy.dry_run_for(self.operation)

    def is_write(self, method: str, path: str) -> bool:
        resource, subresource = _resource_of_path(path)
        if subresource in CONNECT_SUBRESOURCES:
            return True
        return method.upper() in WRITE_METHODS and resource not in REVIEW_RESOURCES

    def check(self, method: str, path: str) -> bool:
        """Refuse a request the policy forbids; True when it must be sent as a dry run."""
        self.policy.check_namespace(namespace_of_path(path))
        if not self.is_write(method, path):
            return False
        if self.operation not in MUTATING_OPERATIONS:
            raise PolicyDenied(f"the {self.operation} operation only reads; it cannot change the cluster")
        self.policy.check_operation(self.operation)
        resource, subresource = _resource_of_path(path)
        return self.dry_run and subresource not in CONNECT_SUBRESOURCES

    def _query(self, method: str, path: str, query: Any) -> Any:
        dry_run = self.check(method, path)
        if not dry_run:
            return query
        items = list(query.items()) if isinstance(query, dict) else list(query or [])
        return [item for item in items if item[0] != "dryRun"] + [("dryRun", "All")]

    def raw(self, method: str, path: str, *, query: Any = None, **kwargs: Any) -> Any:
        return self._client.raw(method, path, query=self._query(method, path, query), **kwargs)

    def request(self, method: str, path: str, *, query: Any = None, **kwargs: Any) -> Any:
        result = self._client.request(method, path, query=self._query(method, path, query), **kwargs)
        if method.upper() != "GET":
            return result
        if namespace_of_path(path) is not None:
            # A namespace's own events may be about objects in a restricted one.
            self._check_references(result)
        return self._without_restricted(result)

    def text(self, path: str, **kwargs: Any) -> str:
        self.check("GET", path)
        return self._client.text(path, **kwargs)

    def stream_lines(self, path: str, **kwargs: Any) -> Iterator[str]:
        self.check("GET", path)
        return self._client.stream_lines(path, **kwargs)

    def version(self, timeout: float = 10.0) -> dict[str, Any]:
        return self._client.version(timeout=timeout)

    def resource_types(self, *, refresh: bool = False) -> list[ResourceType]:
        return self._client.resource_types(refresh=refresh)

    @property
    def unguarded_for_streams(self) -> KubeClient:
        """The bare client, for stream helpers that have already called `check` on their path."""
        return self._client

    def _check_references(self, result: Any) -> None:
        """Refuse one object (an event) about an object in a restricted namespace."""
        restricted = self.policy.restricted_namespaces
        if restricted and isinstance(result, dict) and references_restricted(result, restricted):
            raise PolicyDenied("this event is about an object in a namespace restricted by the server policy")

    def _without_restricted(self, result: Any) -> Any:
        """Drop objects in restricted namespaces (and restricted Namespace objects) from a list."""
        restricted = self.policy.restricted_namespaces
        if not restricted or not isinstance(result, dict):
            return result
        if isinstance(result.get("items"), list):
            # List items carry no `kind` of their own; a NamespaceList's items are Namespaces.
            namespaces = result.get("kind") == "NamespaceList"
            result["items"] = [
                item for item in result["items"] if not _in_restricted(item, restricted, namespace_object=namespaces)
            ]
        if result.get("kind") == "Table" and isinstance(result.get("rows"), list):
            result["rows"] = [row for row in result["rows"] if not _in_restricted(row.get("object") or {}, restricted)]
        return result


def _in_restricted(item: dict[str, Any], restricted: frozenset[str], *, namespace_object: bool = False) -> bool:
    metadata = item.get("metadata") or {}
    if metadata.get("namespace") in restricted or references_restricted(item, restricted):
        return True
    is_namespace = namespace_object or item.get("kind") == "Namespace"
    return is_namespace and metadata.get("name") in restricted
