"""A ``kubectl describe``-like view of one object, its related objects and its events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from .age import humanize_age
from .columns import NONE, metadata
from .describe_cluster import describe_node, describe_secret, describe_service
from .describe_pods import describe_pod
from .describe_text import Field, clip, field_lines, indent_block
from .describe_workloads import describe_workload
from .documents import to_yaml
from .event_columns import event_source, truncate
from .events import event_count, event_first_time, event_message, event_time, sort_events_newest_first
from .secrets import mask_secrets
from .slim import prune
from .tables import columns_for, layout_table, render_table

Related = dict[str, list[dict[str, Any]]]
KindSection = Callable[[dict[str, Any], datetime, Related], list[str]]

# Annotations written by tools and controllers for themselves; they answer no question about the object.
NOISY_ANNOTATION_PREFIXES = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/",
    "control-plane.alpha.kubernetes.io/",
    "node.alpha.kubernetes.io/",
    "volumes.kubernetes.io/",
    "kubeadm.alpha.kubernetes.io/",
    "volume.beta.kubernetes.io/",
    "pv.kubernetes.io/",
    "meta.helm.sh/",
)
HEADER_KEYS = ("apiVersion", "kind", "metadata")
# Related sections consumed by a kind's own section instead of being printed as tables.
CONSUMED_RELATED = {"deployment": ("ReplicaSets",), "service": ("Endpoints", "EndpointSlices")}

KIND_SECTIONS: dict[str, KindSection] = {
    "pod": lambda pod, now, related: describe_pod(pod, now),
    "deployment": describe_workload,
    "statefulset": describe_workload,
    "daemonset": describe_workload,
    "service": describe_service,
    "node": describe_node,
    "secret": describe_secret,
}


def render_describe(obj: dict[str, Any], *, events: list[dict[str, Any]], related: Related, now: datetime) -> str:
    """Describe ``obj`` for a model, the way ``kubectl describe`` does, in fewer bytes.

    A header (name, namespace, labels, annotations without tool noise, age, controller), the key
    facts of the kind (Pods, Deployments, StatefulSets, DaemonSets, Services, Nodes, Secrets; any
    other kind shows its slimmed spec and status as YAML), then one table per ``related`` entry
    (e.g. ``{"Pods": [...]}``, given by the caller), then the events, newest first. Secret values
    never appear.
    """
    masked = mask_secrets(obj)
    kind = str(obj.get("kind") or "")
    section = KIND_SECTIONS.get(kind.lower())
    lines = header_lines(masked, now)
    # Only a Secret's own section sees the unmasked object, to count each value's bytes.
    lines += section(obj if kind.lower() == "secret" else masked, now, related) if section else other_lines(masked)
    consumed = CONSUMED_RELATED.get(kind.lower(), ())
    for title, items in related.items():
        if title not in consumed:
            lines += related_lines(title, items, now)
    lines += events_lines(events, now)
    return "\n".join(lines)


def header_lines(obj: dict[str, Any], now: datetime) -> list[str]:
    """Name, Namespace, Labels, Annotations, Created, Controlled By (and deletion, finalizers)."""
    meta = metadata(obj)
    fields: list[Field] = [("Name", str(meta.get("name") or ""))]
    if meta.get("namespace"):
        fields.append(("Namespace", str(meta["namespace"])))
    if obj.get("kind"):
        fields.append(("Kind", f"{obj['kind']} ({obj.get('apiVersion', '')})"))
    labels = meta.get("labels") or {}
    fields.append(("Labels", "\n".join(f"{k}={v}" for k, v in sorted(labels.items())) or NONE))
    annotations = {
        key: value
        for key, value in sorted((meta.get("annotations") or {}).items())
        if not key.startswith(NOISY_ANNOTATION_PREFIXES)
    }
    fields.append(("Annotations", "\n".join(f"{k}: {clip(v)}" for k, v in annotations.items()) or NONE))
    created = meta.get("creationTimestamp")
    fields.append(("Created", f"{humanize_age(created, now)} ago ({created})" if created else NONE))
    owners = meta.get("ownerReferences") or []
    controller = next((o for o in owners if o.get("controller")), owners[0] if owners else None)
    if controller:
        fields.append(("Controlled By", f"{controller.get('kind')}/{controller.get('name')}"))
    if meta.get("deletionTimestamp"):
        fields.append(("Deleting", f"requested {humanize_age(meta['deletionTimestamp'], now)} ago"))
    if meta.get("finalizers"):
        fields.append(("Finalizers", ", ".join(str(f) for f in meta["finalizers"])))
    return field_lines(fields)


def other_lines(obj: dict[str, Any]) -> list[str]:
    """Any other kind: everything but the header fields, slimmed, as YAML."""
    body = {key: value for key, value in prune(obj, "slim").items() if key not in HEADER_KEYS}
    return to_yaml(body).splitlines() if body else []


def related_lines(title: str, items: list[dict[str, Any]], now: datetime) -> list[str]:
    """A ``Title:`` section with the kubectl table of the related objects, or ``<none>``."""
    if not items:
        return [f"{title}:  <none>"]
    kind = str(items[0].get("kind") or "") or _kind_from_title(title)
    table = render_table(items, kind=kind, wide=False, all_namespaces=False, now=now)
    return [f"{title}:", *indent_block(table, 2)]


def _kind_from_title(title: str) -> str:
    for candidate in (title, title.removesuffix("s"), title.removesuffix("es")):
        if columns_for(candidate) is not None:
            return candidate
    return title


def events_lines(events: list[dict[str, Any]], now: datetime) -> list[str]:
    """``Events:`` as a TYPE REASON AGE FROM MESSAGE table, newest first, or ``Events: <none>``."""
    if not events:
        return ["Events:  <none>"]
    rows = []
    for event in sort_events_newest_first(events):
        age = humanize_age(event_time(event), now)
        count = event_count(event)
        if count > 1:
            age = f"{age} (x{count} over {humanize_age(event_first_time(event), now)})"
        source = event_source(event)
        rows.append(
            [str(event.get("type") or ""), str(event.get("reason") or ""), age, source, truncate(event_message(event))]
        )
    return ["Events:", *indent_block(layout_table(["TYPE", "REASON", "AGE", "FROM", "MESSAGE"], rows), 2)]
