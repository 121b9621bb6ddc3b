"""Short summaries of long lists: counts by status and by namespace, and a sample of names."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from .cluster_columns import node_status
from .columns import metadata, name_of
from .generic_columns import resource_state
from .kinds import canonical_kind
from .podstatus import pod_state
from .workload_columns import desired_replicas, job_status

TOP_NAMESPACES = 10
SAMPLE_SIZE = 10
TOP_REASONS = 10


def workload_status(workload: dict[str, Any]) -> str:
    """``Ready``, ``NotReady`` or ``Scaled to zero`` for a Deployment, StatefulSet or ReplicaSet."""
    desired = desired_replicas(workload)
    if desired == 0:
        return "Scaled to zero"
    ready = int((workload.get("status") or {}).get("readyReplicas") or 0)
    return "Ready" if ready >= desired else "NotReady"


def daemonset_status(daemonset: dict[str, Any]) -> str:
    """``Ready``, ``NotReady`` or ``Scaled to zero`` (no node to run on) for a DaemonSet."""
    status = daemonset.get("status") or {}
    desired = int(status.get("desiredNumberScheduled") or 0)
    if desired == 0:
        return "Scaled to zero"
    return "Ready" if int(status.get("numberReady") or 0) >= desired else "NotReady"


def generic_status(obj: dict[str, Any]) -> str | None:
    """Phase or Ready condition of any other kind; None when it has neither."""
    state = resource_state(obj)
    if state.status is not None and state.ready is None:
        return state.status
    if state.ready is not None:
        return "Ready" if state.ready == "True" else "NotReady"
    return None


STATUS_OF: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "pod": lambda pod: pod_state(pod).status or "Unknown",
    "deployment": workload_status,
    "statefulset": workload_status,
    "replicaset": workload_status,
    "daemonset": daemonset_status,
    "node": lambda node: node_status(node).split(",")[0],
    "job": job_status,
}


def summarize(items: list[dict[str, Any]], *, kind: str) -> str:
    """Summarize a list in a few lines: total, counts by status and by namespace, sample names.

    Pods count by their kubectl STATUS, Deployments/StatefulSets/DaemonSets by Ready, NotReady or
    Scaled to zero, Nodes by Ready/NotReady, Jobs by state, Events by type and reason; other kinds
    by phase or Ready condition when they have one. Namespaces show the top ten.
    """
    lowered = canonical_kind(kind)
    lines = [f"{kind}: {len(items)} total"]
    if lowered == "event":
        lines.append(_counts("By type", Counter(str(e.get("type") or "Unknown") for e in items)))
        reasons = Counter(str(e.get("reason") or "Unknown") for e in items)
        lines.append(_counts("By reason", reasons, TOP_REASONS))
    else:
        status_of = STATUS_OF.get(lowered, generic_status)
        statuses = [status_of(item) for item in items]
        if any(status is not None for status in statuses):
            lines.append(_counts("By status", Counter(status or "Unknown" for status in statuses)))
    namespaces = Counter(str(metadata(item).get("namespace")) for item in items if metadata(item).get("namespace"))
    if namespaces:
        lines.append(_counts("By namespace", namespaces, TOP_NAMESPACES))
    if items:
        sample = ", ".join(name_of(item) for item in items[:SAMPLE_SIZE])
        more = f" (first {SAMPLE_SIZE} of {len(items)})" if len(items) > SAMPLE_SIZE else ""
        lines.append(f"Sample{more}: {sample}")
    return "\n".join(line for line in lines if line)


def _counts(label: str, counter: Counter[str], limit: int | None = None) -> str:
    if not counter:
        return ""
    ranked = sorted(counter.items(), key=lambda entry: (-entry[1], entry[0]))
    shown = ranked if limit is None else ranked[:limit]
    text = ", ".join(f"{name} {number}" for name, number in shown)
    if len(ranked) > len(shown):
        text += f", … {len(ranked) - len(shown)} more"
    return f"{label}: {text}"
