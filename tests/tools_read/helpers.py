"""Reading the tools' answers in tests: table rows, footers, and arranging objects in the fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wdg"]},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            }
        ],
    },
}


def widget(name: str, namespace: str = "default", size: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"size": size},
    }


def table_rows(text: str) -> list[list[str]]:
    """The rows of the table that starts the answer (header excluded), split on runs of two spaces."""
    block = text.split("\n\n", 1)[0].splitlines()
    return [[cell.strip() for cell in line.split("  ") if cell.strip()] for line in block[1:]]


def table_header(text: str) -> list[str]:
    return text.splitlines()[0].split()


def column(text: str, name: str) -> list[str]:
    """The cells of one column (by header name), stripped."""
    header = text.splitlines()[0]
    start = header.index(name)
    following = [header.index(other, start + 1) for other in header[start + len(name) :].split() if other]
    end = following[0] if following else None
    return [line[start:end].strip() for line in text.split("\n\n", 1)[0].splitlines()[1:]]


def footer(text: str) -> str:
    return text.rsplit("\n\n", 1)[-1]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def event(
    name: str,
    *,
    namespace: str,
    minutes_ago: float,
    kind: str = "Pod",
    target: str = "web-1",
    type: str = "Normal",
    reason: str = "Started",
    message: str = "",
    count: int = 1,
) -> dict[str, Any]:
    """A v1 Event last seen `minutes_ago`, about `kind`/`target`."""
    moment = stamp(datetime.now(UTC) - timedelta(minutes=minutes_ago))
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": {
            "kind": kind,
            "name": target,
            "namespace": namespace,
            "apiVersion": "apps/v1" if kind == "Deployment" else "v1",
        },
        "type": type,
        "reason": reason,
        "message": message or f"{reason} {target}",
        "count": count,
        "firstTimestamp": moment,
        "lastTimestamp": moment,
        "source": {"component": "kubelet"},
    }


def pod(name: str, namespace: str, *, node: str = "worker-1", labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {"app": name}},
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": "busybox:1.36"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {"name": "main", "ready": True, "restartCount": 0, "image": "busybox:1.36", "state": {"running": {}}}
            ],
        },
    }
