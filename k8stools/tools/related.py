"""What `describe` shows beside the object, like `kubectl describe`: its events and related objects.

Deployments show their ReplicaSets and pods, other workloads (ReplicaSets, StatefulSets, DaemonSets,
Jobs) their pods, Services their endpoints and pods, Nodes the pods scheduled on them. Each is one
request, bounded by RELATED_LIMIT; a note says when there were more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from k8stools.apirequest import resource_request
from k8stools.formatting.labels import NONE, format_labels, format_selector
from k8stools.guard import GuardedClient
from k8stools.kube import KubeError, ResourceType
from k8stools.policy import Policy
from k8stools.tools.listing import (
    combine_selectors,
    core_events,
    event_window,
    exclusion_selector,
    list_page,
    noun,
)

RELATED_LIMIT = 50
DEFAULT_EVENTS_LIMIT = 50
MAX_EVENTS_LIMIT = 1000

# Kinds whose pods are found through `spec.selector` (a LabelSelector).
SELECTOR_WORKLOADS = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"})


@dataclass
class Related:
    """Related objects by section title (`Pods`, `ReplicaSets`...), and notes on what was cut."""

    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def selector_string(selector: dict[str, Any] | None) -> str:
    """A LabelSelector as the API server's `labelSelector` query; empty when it selects nothing in particular."""
    text = format_selector(selector)
    return "" if text == NONE else text


def map_selector_string(selector: dict[str, Any] | None) -> str:
    """A Service's `spec.selector` map as a `labelSelector` query; empty when there is none."""
    text = format_labels(selector)
    return "" if text == NONE else text


def find_kind(client: GuardedClient, group: str, name: str) -> ResourceType | None:
    """A served kind by group and plural, from the cached discovery (no request)."""
    for resource in client.resource_types():
        if resource.group == group and resource.name == name and resource.preferred:
            return resource
    return None


def related_objects(client: GuardedClient, policy: Policy, obj: dict[str, Any], resource: ResourceType) -> Related:
    related = Related()
    kind = resource.kind
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace")
    name = str(metadata.get("name") or "")
    spec = obj.get("spec") or {}
    if resource.group in ("", "apps", "batch") and kind in SELECTOR_WORKLOADS:
        selector = selector_string(spec.get("selector"))
        if selector and kind == "Deployment":
            replica_sets = _fetch(client, related, "ReplicaSets", ("apps", "replicasets"), namespace, selector=selector)
            uid = metadata.get("uid")
            if uid and replica_sets is not None:
                related.sections["ReplicaSets"] = [rs for rs in replica_sets if _owned_by(rs, uid)]
        if selector:
            _fetch(client, related, "Pods", ("", "pods"), namespace, selector=selector)
    elif resource.group == "" and kind == "Service":
        _endpoints(client, related, namespace, name)
        selector = map_selector_string(spec.get("selector"))
        if selector:
            _fetch(client, related, "Pods", ("", "pods"), namespace, selector=selector)
    elif resource.group == "" and kind == "Node":
        pods = find_kind(client, "", "pods")
        fields = combine_selectors(f"spec.nodeName={name}", exclusion_selector(policy, pods, None) if pods else "")
        _fetch(client, related, "Pods", ("", "pods"), None, fields=fields)
    return related


def _fetch(
    client: GuardedClient,
    related: Related,
    title: str,
    kind: tuple[str, str],
    namespace: str | None,
    *,
    selector: str = "",
    fields: str = "",
) -> list[dict[str, Any]] | None:
    resource = find_kind(client, *kind)
    if resource is None:
        return None
    page = list_page(client, resource, namespace, label_selector=selector, field_selector=fields, limit=RELATED_LIMIT)
    for item in page.items:
        # List items carry no kind; the tables need it to pick their columns.
        item.setdefault("kind", resource.kind)
    related.sections[title] = page.items
    if page.continue_token:
        more = f"{page.remaining} more" if page.remaining is not None else "more"
        how = f'labelSelector: "{selector}"' if selector else f'fieldSelector: "{fields}"'
        related.notes.append(
            f"{title}: the first {noun(resource, len(page.items))} shown, {more} exist; "
            f"list {resource.name} with {how} to see all"
        )
    return page.items


def _owned_by(obj: dict[str, Any], uid: str) -> bool:
    return any(owner.get("uid") == uid for owner in (obj.get("metadata") or {}).get("ownerReferences") or [])


def _endpoints(client: GuardedClient, related: Related, namespace: str | None, name: str) -> None:
    """The Service's endpoints: EndpointSlices where served, else the Endpoints object."""
    if find_kind(client, "discovery.k8s.io", "endpointslices") is not None:
        _fetch(
            client,
            related,
            "EndpointSlices",
            ("discovery.k8s.io", "endpointslices"),
            namespace,
            selector=f"kubernetes.io/service-name={name}",
        )
        return
    endpoints = find_kind(client, "", "endpoints")
    if endpoints is None:
        return
    try:
        related.sections["Endpoints"] = [client.request(resource_request(endpoints, namespace=namespace, name=name))]
    except KubeError as error:
        if error.status != 404:
            raise
        related.sections["Endpoints"] = []


@dataclass
class ObjectEvents:
    events: list[dict[str, Any]]  # newest first, at most the limit asked for
    total: int  # how many were found in the window
    window_full: bool


def object_events(
    client: GuardedClient, policy: Policy, resource: ResourceType, namespace: str | None, name: str, limit: int
) -> ObjectEvents:
    """The events about one object (kubectl's involvedObject field selector), newest first."""
    events = core_events(client)
    selector = f"involvedObject.name={name},involvedObject.kind={resource.kind}"
    if namespace:
        selector += f",involvedObject.namespace={namespace}"
    else:
        selector = combine_selectors(selector, exclusion_selector(policy, events, None))
    window = event_window(client, events, namespace, field_selector=selector)
    return ObjectEvents(window.events[:limit], len(window.events), window.window_full)
