"""Server-side `meta.k8s.io/v1 Table` responses, with the columns the real printers use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from . import table_printers
from .json_paths import read_path
from .store import Page
from .subresources import selector_string
from .types import ResourceType

Row = list[Any]
Column = tuple[str, str, int]  # name, type, priority

_DESCRIPTIONS = {
    "Name": "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated.",
    "Age": "CreationTimestamp is a timestamp representing the server time when this object was created.",
}


def wants_table(accept: str) -> bool:
    first = accept.split(",")[0] if accept else ""
    return "as=Table" in first and "g=meta.k8s.io" in first


def parse_time(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    return datetime.strptime(stamp.replace(".000000", "")[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def human_duration(seconds: float) -> str:
    """The apimachinery `HumanDuration` the printers use for ages."""
    seconds = int(max(0, seconds))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if days < 8:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y"


def age(stamp: str | None) -> str:
    moment = parse_time(stamp)
    if moment is None:
        return "<unknown>"
    return human_duration((datetime.now(UTC) - moment).total_seconds())


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return ((obj.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []


def _names_and_images(obj: dict[str, Any]) -> Row:
    containers = _containers(obj)
    return [",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)]


def pod_status_reason(pod: dict[str, Any]) -> str:
    status = pod.get("status") or {}
    reason = status.get("reason") or status.get("phase") or "Pending"
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        if (state.get("waiting") or {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif (state.get("terminated") or {}).get("reason"):
            reason = state["terminated"]["reason"]
    if pod["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    return reason


def _pod(pod: dict[str, Any]) -> Row:
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    total = len((pod.get("spec") or {}).get("containers") or [])
    ready = sum(1 for c in statuses if c.get("ready"))
    restarts = sum(c.get("restartCount", 0) for c in statuses)
    restart_text = str(restarts)
    last = [c.get("lastState", {}).get("terminated", {}).get("finishedAt") for c in statuses]
    last = [stamp for stamp in last if stamp]
    if restarts and last:
        restart_text = f"{restarts} ({age(max(last))} ago)"
    return [
        pod["metadata"]["name"],
        f"{ready}/{total}",
        pod_status_reason(pod),
        restart_text,
        age(pod["metadata"].get("creationTimestamp")),
        status.get("podIP") or "<none>",
        (pod.get("spec") or {}).get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        "<none>",
    ]


def _deployment(obj: dict[str, Any]) -> Row:
    status = obj.get("status") or {}
    return [
        obj["metadata"]["name"],
        f"{status.get('readyReplicas', 0)}/{obj['spec'].get('replicas', 1)}",
        status.get("updatedReplicas", 0),
        status.get("availableReplicas", 0),
        age(obj["metadata"].get("creationTimestamp")),
        *_names_and_images(obj),
        selector_string(obj["spec"].get("selector")),
    ]


def _replicaset(obj: dict[str, Any]) -> Row:
    status = obj.get("status") or {}
    return [
        obj["metadata"]["name"],
        obj["spec"].get("replicas", 1),
        status.get("replicas", 0),
        status.get("readyReplicas", 0),
        age(obj["metadata"].get("creationTimestamp")),
        *_names_and_images(obj),
        selector_string(obj["spec"].get("selector")),
    ]


def _statefulset(obj: dict[str, Any]) -> Row:
    status = obj.get("status") or {}
    return [
        obj["metadata"]["name"],
        f"{status.get('readyReplicas', 0)}/{obj['spec'].get('replicas', 1)}",
        age(obj["metadata"].get("creationTimestamp")),
        *_names_and_images(obj),
    ]


def _daemonset(obj: dict[str, Any]) -> Row:
    status = obj.get("status") or {}
    node_selector = ((obj["spec"].get("template") or {}).get("spec") or {}).get("nodeSelector") or {}
    return [
        obj["metadata"]["name"],
        status.get("desiredNumberScheduled", 0),
        status.get("currentNumberScheduled", 0),
        status.get("numberReady", 0),
        status.get("updatedNumberScheduled", 0),
        status.get("numberAvailable", 0),
        ",".join(f"{k}={v}" for k, v in node_selector.items()) or "<none>",
        age(obj["metadata"].get("creationTimestamp")),
        *_names_and_images(obj),
        selector_string(obj["spec"].get("selector")),
    ]


def _service(obj: dict[str, Any]) -> Row:
    spec = obj.get("spec") or {}
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    external = ",".join(i.get("ip") or i.get("hostname", "") for i in ingress) or ",".join(
        spec.get("externalIPs") or []
    )
    if not external:
        external = "<pending>" if spec.get("type") == "LoadBalancer" else "<none>"
    ports = (
        ",".join(
            f"{p['port']}:{p['nodePort']}/{p.get('protocol', 'TCP')}"
            if p.get("nodePort")
            else f"{p['port']}/{p.get('protocol', 'TCP')}"
            for p in spec.get("ports") or []
        )
        or "<none>"
    )
    selector = ",".join(f"{k}={v}" for k, v in (spec.get("selector") or {}).items()) or "<none>"
    return [
        obj["metadata"]["name"],
        spec.get("type", "ClusterIP"),
        spec.get("clusterIP") or "<none>",
        external,
        ports,
        age(obj["metadata"].get("creationTimestamp")),
        selector,
    ]


def _node(obj: dict[str, Any]) -> Row:
    status = obj.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    state = "Ready" if ready and ready.get("status") == "True" else "NotReady" if ready else "Unknown"
    if (obj.get("spec") or {}).get("unschedulable"):
        state += ",SchedulingDisabled"
    labels = obj["metadata"].get("labels") or {}
    roles = (
        ",".join(sorted(key.split("/", 1)[1] for key in labels if key.startswith("node-role.kubernetes.io/")))
        or "<none>"
    )
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    info = status.get("nodeInfo") or {}
    return [
        obj["metadata"]["name"],
        state,
        roles,
        age(obj["metadata"].get("creationTimestamp")),
        info.get("kubeletVersion", ""),
        addresses.get("InternalIP", "<none>"),
        addresses.get("ExternalIP", "<none>"),
        info.get("osImage", ""),
        info.get("kernelVersion", ""),
        info.get("containerRuntimeVersion", ""),
    ]


def _namespace(obj: dict[str, Any]) -> Row:
    return [
        obj["metadata"]["name"],
        (obj.get("status") or {}).get("phase", "Active"),
        age(obj["metadata"].get("creationTimestamp")),
    ]


def _event(obj: dict[str, Any]) -> Row:
    involved = obj.get("involvedObject") or {}
    last_seen = obj.get("lastTimestamp") or obj.get("eventTime") or obj["metadata"].get("creationTimestamp")
    source = obj.get("source") or {}
    return [
        age(last_seen),
        obj.get("type", ""),
        obj.get("reason", ""),
        f"{involved.get('kind', '').lower()}/{involved.get('name', '')}",
        involved.get("fieldPath", ""),
        ", ".join(v for v in (source.get("component"), source.get("host")) if v) or obj.get("reportingComponent", ""),
        obj.get("message", ""),
        age(obj.get("firstTimestamp") or obj["metadata"].get("creationTimestamp")),
        obj.get("count", 1),
        obj["metadata"]["name"],
    ]


def _configmap(obj: dict[str, Any]) -> Row:
    return [
        obj["metadata"]["name"],
        len(obj.get("data") or {}) + len(obj.get("binaryData") or {}),
        age(obj["metadata"].get("creationTimestamp")),
    ]


def _secret(obj: dict[str, Any]) -> Row:
    return [
        obj["metadata"]["name"],
        obj.get("type", "Opaque"),
        len(obj.get("data") or {}),
        age(obj["metadata"].get("creationTimestamp")),
    ]


def _job(obj: dict[str, Any]) -> Row:
    status = obj.get("status") or {}
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    state = (
        "Complete"
        if conditions.get("Complete") == "True"
        else "Failed"
        if conditions.get("Failed") == "True"
        else "Suspended"
        if obj["spec"].get("suspend")
        else "Running"
    )
    start, end = parse_time(status.get("startTime")), parse_time(status.get("completionTime"))
    duration = (
        human_duration((end - start).total_seconds())
        if start and end
        else age(status.get("startTime"))
        if start
        else ""
    )
    return [
        obj["metadata"]["name"],
        state,
        f"{status.get('succeeded', 0)}/{obj['spec'].get('completions', 1)}",
        duration,
        age(obj["metadata"].get("creationTimestamp")),
        *_names_and_images(obj),
        selector_string(obj["spec"].get("selector")),
    ]


def _default(obj: dict[str, Any]) -> Row:
    return [obj["metadata"]["name"], age(obj["metadata"].get("creationTimestamp"))]


_WORKLOAD = [("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1)]
_PRINTERS: dict[tuple[str, str], tuple[list[Column], Callable[[dict[str, Any]], Row]]] = {
    ("", "pods"): (
        [
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            ("Age", "string", 0),
            ("IP", "string", 1),
            ("Node", "string", 1),
            ("Nominated Node", "string", 1),
            ("Readiness Gates", "string", 1),
        ],
        _pod,
    ),
    ("apps", "deployments"): (
        [
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Age", "string", 0),
        ]
        + _WORKLOAD,
        _deployment,
    ),
    ("apps", "replicasets"): (
        [
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Age", "string", 0),
        ]
        + _WORKLOAD,
        _replicaset,
    ),
    ("apps", "statefulsets"): (
        [
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
        ],
        _statefulset,
    ),
    ("apps", "daemonsets"): (
        [
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Node Selector", "string", 0),
            ("Age", "string", 0),
        ]
        + _WORKLOAD,
        _daemonset,
    ),
    ("", "services"): (
        [
            ("Name", "string", 0),
            ("Type", "string", 0),
            ("Cluster-IP", "string", 0),
            ("External-IP", "string", 0),
            ("Port(s)", "string", 0),
            ("Age", "string", 0),
            ("Selector", "string", 1),
        ],
        _service,
    ),
    ("", "nodes"): (
        [
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Roles", "string", 0),
            ("Age", "string", 0),
            ("Version", "string", 0),
            ("Internal-IP", "string", 1),
            ("External-IP", "string", 1),
            ("OS-Image", "string", 1),
            ("Kernel-Version", "string", 1),
            ("Container-Runtime", "string", 1),
        ],
        _node,
    ),
    ("", "namespaces"): ([("Name", "string", 0), ("Status", "string", 0), ("Age", "string", 0)], _namespace),
    ("", "events"): (
        [
            ("Last Seen", "string", 0),
            ("Type", "string", 0),
            ("Reason", "string", 0),
            ("Object", "string", 0),
            ("Subobject", "string", 1),
            ("Source", "string", 1),
            ("Message", "string", 0),
            ("First Seen", "string", 1),
            ("Count", "string", 1),
            ("Name", "string", 1),
        ],
        _event,
    ),
    ("", "configmaps"): ([("Name", "string", 0), ("Data", "string", 0), ("Age", "string", 0)], _configmap),
    ("", "secrets"): (
        [("Name", "string", 0), ("Type", "string", 0), ("Data", "string", 0), ("Age", "string", 0)],
        _secret,
    ),
    ("batch", "jobs"): (
        [
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Completions", "string", 0),
            ("Duration", "string", 0),
            ("Age", "string", 0),
        ]
        + _WORKLOAD,
        _job,
    ),
}
_PRINTERS.update(table_printers.PRINTERS)
_DEFAULT: tuple[list[Column], Callable[[dict[str, Any]], Row]] = (
    [("Name", "string", 0), ("Created At", "date", 0)],
    lambda obj: [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp")],
)


def _custom_printer(columns: list[dict[str, Any]]) -> tuple[list[Column], Callable[[dict[str, Any]], Row]]:
    """A CRD's printer: Name, its additionalPrinterColumns, and Age when it declares no columns."""
    if not columns:
        columns = [{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]
    definitions = [("Name", "string", 0)] + [
        (c["name"], c.get("type", "string"), int(c.get("priority", 0))) for c in columns
    ]

    def printer(obj: dict[str, Any]) -> Row:
        return [obj["metadata"]["name"]] + [read_path(obj, c.get("jsonPath", "")) for c in columns]

    return definitions, printer


def render(
    resource_type: ResourceType,
    items: list[dict[str, Any]],
    include_object: str,
    resource_version: str,
    page: Page | None,
    printer_columns: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A Table of `items`; `include_object` is None, Metadata (default) or Object; custom resources use their
    CRD's `printer_columns`."""
    columns, printer = _PRINTERS.get((resource_type.group, resource_type.plural), _DEFAULT)
    if resource_type.custom:
        columns, printer = _custom_printer(printer_columns or [])
    metadata: dict[str, Any] = {"resourceVersion": resource_version}
    if page is not None and page.continue_token:
        metadata["continue"] = page.continue_token
        metadata["remainingItemCount"] = page.remaining
    rows = []
    for obj in items:
        row: dict[str, Any] = {"cells": printer(obj)}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": {k: v for k, v in obj["metadata"].items() if k != "managedFields"},
            }
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": [
            {
                "name": name,
                "type": kind,
                "format": "name" if name == "Name" else "",
                "description": _DESCRIPTIONS.get(name, name),
                "priority": priority,
            }
            for name, kind, priority in columns
        ],
        "rows": rows,
    }
