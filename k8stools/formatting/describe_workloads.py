"""``describe`` sections for Deployments, StatefulSets and DaemonSets."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from .columns import NONE, metadata
from .describe_pods import conditions_lines, container_lines
from .describe_text import Field, field_lines
from .labels import format_labels, format_selector
from .workload_columns import desired_replicas

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"


def describe_workload(obj: dict[str, Any], now: datetime, related: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Replicas, strategy, selector, pod template, conditions, and for Deployments the ReplicaSets."""
    kind = str(obj.get("kind") or "").lower()
    spec = obj.get("spec") or {}
    fields: list[Field] = [
        ("Selector", format_selector(spec.get("selector"))),
        ("Replicas", replicas_line(obj)),
        ("Strategy", strategy_text(spec.get("strategy") or spec.get("updateStrategy") or {})),
    ]
    if spec.get("minReadySeconds"):
        fields.append(("Min Ready Seconds", str(spec["minReadySeconds"])))
    pods = related.get("Pods") or []
    if pods:
        phases = Counter(str((p.get("status") or {}).get("phase") or "Unknown") for p in pods)
        waiting = phases["Pending"] + phases["Unknown"]
        fields.append(
            (
                "Pods Status",
                f"{phases['Running']} Running / {waiting} Waiting / {phases['Succeeded']} Succeeded / "
                f"{phases['Failed']} Failed",
            )
        )
    lines = field_lines(fields)
    template = spec.get("template") or {}
    lines.append("Pod Template:")
    lines += field_lines([("Labels", format_labels((template.get("metadata") or {}).get("labels")))], 2)
    template_spec = template.get("spec") or {}
    if template_spec.get("serviceAccountName"):
        lines += field_lines([("Service Account", str(template_spec["serviceAccountName"]))], 2)
    if template_spec.get("initContainers"):
        lines.append("  Init Containers:")
        lines += container_lines(template_spec["initContainers"], {}, now, indent=4)
    lines.append("  Containers:")
    lines += container_lines(template_spec.get("containers") or [], {}, now, indent=4)
    lines += conditions_lines((obj.get("status") or {}).get("conditions") or [])
    if kind == "deployment":
        lines += replica_set_lines(obj, related.get("ReplicaSets") or [])
    return lines


def replicas_line(obj: dict[str, Any]) -> str:
    """``3 desired | 3 updated | 3 total | 3 available | 0 unavailable``."""
    status = obj.get("status") or {}
    if str(obj.get("kind") or "").lower() == "daemonset":
        desired = int(status.get("desiredNumberScheduled") or 0)
        updated = int(status.get("updatedNumberScheduled") or 0)
        total = int(status.get("currentNumberScheduled") or 0)
        available = int(status.get("numberAvailable") or 0)
        unavailable = int(status.get("numberUnavailable") or max(desired - available, 0))
        misscheduled = int(status.get("numberMisscheduled") or 0)
        line = (
            f"{desired} desired | {updated} updated | {total} total | {available} available | {unavailable} unavailable"
        )
        return line + (f" | {misscheduled} misscheduled" if misscheduled else "")
    desired = desired_replicas(obj)
    available = int(status.get("availableReplicas") or 0)
    unavailable = int(status.get("unavailableReplicas") or max(desired - available, 0))
    return (
        f"{desired} desired | {int(status.get('updatedReplicas') or 0)} updated | "
        f"{int(status.get('replicas') or 0)} total | {available} available | {unavailable} unavailable"
    )


def strategy_text(strategy: dict[str, Any]) -> str:
    """``RollingUpdate (max surge 25%, max unavailable 25%)``, ``Recreate``, ``OnDelete``..."""
    kind = str(strategy.get("type") or NONE)
    rolling = strategy.get("rollingUpdate") or {}
    details = []
    if "maxSurge" in rolling:
        details.append(f"max surge {rolling['maxSurge']}")
    if "maxUnavailable" in rolling:
        details.append(f"max unavailable {rolling['maxUnavailable']}")
    if "partition" in rolling:
        details.append(f"partition {rolling['partition']}")
    return f"{kind} ({', '.join(details)})" if details else kind


def replica_set_lines(deployment: dict[str, Any], replica_sets: list[dict[str, Any]]) -> list[str]:
    """``NewReplicaSet`` and ``OldReplicaSets`` lines, matched by the revision annotation."""
    if not replica_sets:
        return []
    revision = (metadata(deployment).get("annotations") or {}).get(REVISION_ANNOTATION)
    new = [rs for rs in replica_sets if (metadata(rs).get("annotations") or {}).get(REVISION_ANNOTATION) == revision]
    old = [rs for rs in replica_sets if rs not in new and _has_pods(rs)]
    return field_lines(
        [
            ("NewReplicaSet", ", ".join(_replica_set_text(rs) for rs in new) or NONE),
            ("OldReplicaSets", ", ".join(_replica_set_text(rs) for rs in old) or NONE),
        ]
    )


def _has_pods(replica_set: dict[str, Any]) -> bool:
    return bool(desired_replicas(replica_set) or (replica_set.get("status") or {}).get("replicas"))


def _replica_set_text(replica_set: dict[str, Any]) -> str:
    created = int((replica_set.get("status") or {}).get("replicas") or 0)
    return f"{metadata(replica_set).get('name')} ({created}/{desired_replicas(replica_set)} replicas created)"
