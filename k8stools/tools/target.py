"""Target resolution in one step, for every tool that addresses objects by kind, name and namespace.

`resolve_target` looks the kind up through discovery, checks that it serves the verb, validates the
name and namespace by the rules Kubernetes applies to that kind, applies the default namespace, and
records the audit target. The `Target` it returns builds the tool's `ApiRequest` values, so a tool
never lays out a path itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from k8stools.apirequest import JSON, ApiRequest, FixedKind, resource_request
from k8stools.kube import ResourceType
from k8stools.names import check_namespace, check_object_name
from k8stools.resources import Discovers, resolve
from k8stools.tools.call import ToolCall
from k8stools.tools.listing import Scope, list_scope, require_verb

Query = Mapping[str, Any] | Iterable[tuple[str, Any]]


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved kind, with the namespace (None for cluster-scoped kinds or all namespaces) and object name."""

    kind: ResourceType
    namespace: str | None
    name: str | None = None
    scope: Scope | None = None  # for lists: the scope and its notes

    def request(
        self,
        method: str = "GET",
        *,
        subresource: str | None = None,
        query: Query = (),
        body: Any = None,
        content_type: str = JSON,
        accept: str = JSON,
    ) -> ApiRequest:
        """A request for the named object (or its subresource)."""
        if self.name is None:
            raise ValueError("this target names no object")
        return resource_request(
            self.kind,
            method=method,
            namespace=self.namespace,
            name=self.name,
            subresource=subresource,
            query=query,
            body=body,
            content_type=content_type,
            accept=accept,
        )

    def collection(self, method: str = "GET", *, query: Query = (), body: Any = None) -> ApiRequest:
        """A request for the kind's collection in the target's namespace (every namespace when None)."""
        return resource_request(self.kind, method=method, namespace=self.namespace, query=query, body=body)


def resolve_target(
    call: ToolCall,
    client: Discovers,
    resource_type: str,
    api_group: str | None = None,
    *,
    verb: str | None,
    name: str | None = None,
    namespace: str | None = None,
    all_namespaces: bool | None = None,
) -> Target:
    """The kind, namespace and name a tool call addresses, all validated; `ToolInputError` says what is wrong.

    `verb` (get, list...) must be served by the kind; None when the tool checks what the kind serves itself.

    With `all_namespaces` given (lists), the namespace follows the list rules (`list_scope`).
    """
    kind = resolve(client, resource_type, api_group)
    if verb is not None:
        require_verb(kind, verb)
    if namespace:
        check_namespace(namespace)
    if name is not None:
        check_object_name(name, group=kind.group, resource=kind.name)
    scope = None
    if all_namespaces is not None:
        scope = list_scope(kind, namespace, all_namespaces, call.config.default_namespace)
        effective = scope.namespace
    else:
        effective = (namespace or call.config.default_namespace) if kind.namespaced else None
    if effective:
        check_namespace(effective)
    call.aim(namespace=effective or "", kind=kind.qualified_name, name=name or "")
    return Target(kind=kind, namespace=effective, name=name, scope=scope)


def fixed_target(call: ToolCall, kind: FixedKind, *, name: str | None = None, namespace: str | None = None) -> Target:
    """`resolve_target` for a built-in kind that needs no discovery (pods for logs and exec)."""
    if name is not None:
        check_object_name(name, group=kind.group, resource=kind.name)
    effective = (namespace or call.config.default_namespace) if kind.namespaced else None
    if effective:
        check_namespace(effective)
    call.aim(namespace=effective or "", kind=kind.name, name=name or "")
    served = ResourceType(kind.group, kind.version, kind.name, kind="", namespaced=kind.namespaced, verbs=frozenset())
    return Target(kind=served, namespace=effective, name=name)
