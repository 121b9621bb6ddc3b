"""The metrics.k8s.io view metrics-server would give: usage derived from each pod's requests."""

from __future__ import annotations

import zlib
from typing import Any

from .objects import now_timestamp
from .selectors import labels_match, parse_label_selector
from .store import Store
from .types import ResourceType


def parse_cpu(value: str | int | float | None) -> float:
    """Cores from `250m`, `1`, `0.5`."""
    if value is None:
        return 0.0
    text = str(value)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


_MEMORY_UNITS = {
    "Ki": 1024,
    "Mi": 1024**2,
    "Gi": 1024**3,
    "Ti": 1024**4,
    "K": 1000,
    "M": 1000**2,
    "G": 1000**3,
    "T": 1000**4,
}


def parse_memory(value: str | int | None) -> int:
    """Bytes from `128Mi`, `1Gi`, `1000000`."""
    if value is None:
        return 0
    text = str(value)
    for unit, factor in _MEMORY_UNITS.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(float(text))


def _usage(seed: str, cpu_request: float, memory_request: int) -> tuple[str, str]:
    """Steady usage between 20% and 80% of the request (or small absolute values without requests)."""
    fraction = 0.2 + (zlib.crc32(seed.encode()) % 600) / 1000
    cpu = cpu_request * fraction if cpu_request else 0.001 + fraction / 100
    memory = memory_request * fraction if memory_request else (8 + fraction * 40) * 1024**2
    return f"{max(1, int(cpu * 1e9))}n", f"{int(memory // 1024)}Ki"


def _pod_metrics(pod: dict[str, Any], stamp: str) -> dict[str, Any]:
    containers = []
    for container in pod.get("spec", {}).get("containers") or []:
        requests = (container.get("resources") or {}).get("requests") or {}
        cpu, memory = _usage(
            pod["metadata"]["name"] + container["name"],
            parse_cpu(requests.get("cpu")),
            parse_memory(requests.get("memory")),
        )
        containers.append({"name": container["name"], "usage": {"cpu": cpu, "memory": memory}})
    metadata = {
        "name": pod["metadata"]["name"],
        "namespace": pod["metadata"]["namespace"],
        "creationTimestamp": stamp,
        "labels": pod["metadata"].get("labels") or {},
    }
    return {
        "kind": "PodMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": metadata,
        "timestamp": stamp,
        "window": "15s",
        "containers": containers,
    }


def _node_metrics(node: dict[str, Any], pods: list[dict[str, Any]], stamp: str) -> dict[str, Any]:
    name = node["metadata"]["name"]
    on_node = [pod for pod in pods if pod.get("spec", {}).get("nodeName") == name]
    cpu = sum(
        parse_cpu(c["usage"]["cpu"][:-1]) / 1e9 for pod in on_node for c in _pod_metrics(pod, stamp)["containers"]
    )
    memory = sum(parse_memory(c["usage"]["memory"]) for pod in on_node for c in _pod_metrics(pod, stamp)["containers"])
    cpu += 0.1  # system daemons
    memory += 512 * 1024**2
    return {
        "kind": "NodeMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {"name": name, "creationTimestamp": stamp, "labels": node["metadata"].get("labels") or {}},
        "timestamp": stamp,
        "window": "20s",
        "usage": {"cpu": f"{int(cpu * 1e9)}n", "memory": f"{int(memory // 1024)}Ki"},
    }


def metrics_items(
    store: Store, resource_type: ResourceType, namespace: str | None, label_selector: str
) -> list[dict[str, Any]]:
    """PodMetrics for running pods, or NodeMetrics for every node."""
    stamp = now_timestamp()
    requirements = parse_label_selector(label_selector) if label_selector else []
    running = [pod for pod in store.items("", "pods", None) if (pod.get("status") or {}).get("phase") == "Running"]
    if resource_type.plural == "pods":
        return [
            _pod_metrics(pod, stamp)
            for pod in running
            if (namespace is None or pod["metadata"]["namespace"] == namespace) and labels_match(requirements, pod)
        ]
    return [
        _node_metrics(node, running, stamp) for node in store.items("", "nodes") if labels_match(requirements, node)
    ]
