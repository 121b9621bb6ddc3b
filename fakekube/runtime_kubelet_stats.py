"""The kubelet's resource statistics: the Summary API (`/stats/summary`) and `/metrics/resource`.

Usage comes from `fakekube.metrics`, so the kubelet agrees with metrics.k8s.io (`kubectl top`);
the rest (filesystems, network, page faults) is derived deterministically from names and specs.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from fakekube.metrics import _usage, parse_cpu, parse_memory
from fakekube.runtime_pods import pod_uid

GIB = 1024**3
# What the node's own daemons use, the same allowance the metrics API adds.
SYSTEM_CPU_CORES = 0.1
SYSTEM_MEMORY = 512 * 1024**2


def _number(seed: str, low: int, high: int) -> int:
    return low + zlib.crc32(seed.encode()) % max(1, high - low)


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str | None, default: datetime) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else default


def container_usage(pod: dict[str, Any], container: dict[str, Any]) -> tuple[int, int]:
    """(nanocores, working-set bytes) of a container, as metrics.k8s.io reports it."""
    requests = (container.get("resources") or {}).get("requests") or {}
    cpu, memory = _usage(
        pod["metadata"]["name"] + container["name"],
        parse_cpu(requests.get("cpu")),
        parse_memory(requests.get("memory")),
    )
    return int(cpu[:-1]), parse_memory(memory)


def _cpu(nanocores: int, seconds: float, now: datetime) -> dict[str, Any]:
    return {"time": _stamp(now), "usageNanoCores": nanocores, "usageCoreNanoSeconds": int(nanocores * seconds)}


def _memory(seed: str, working_set: int, now: datetime, limit: int | None = None) -> dict[str, Any]:
    memory = {
        "time": _stamp(now),
        "usageBytes": working_set + _number(seed + "cache", 1, 64) * 1024**2,
        "workingSetBytes": working_set,
        "rssBytes": int(working_set * 0.8),
        "pageFaults": _number(seed + "faults", 1000, 900000),
        "majorPageFaults": _number(seed + "major", 0, 40),
    }
    if limit:
        memory["availableBytes"] = max(0, limit - working_set)
    return memory


def _fs(seed: str, capacity: int, now: datetime, used: int | None = None) -> dict[str, Any]:
    used = used if used is not None else _number(seed, 4096, 256 * 1024**2)
    inodes = capacity // 16384
    inodes_used = _number(seed + "inodes", 10, 5000)
    return {
        "time": _stamp(now),
        "availableBytes": capacity - used,
        "capacityBytes": capacity,
        "usedBytes": used,
        "inodesFree": inodes - inodes_used,
        "inodes": inodes,
        "inodesUsed": inodes_used,
    }


def _network(seed: str, now: datetime, uptime: float) -> dict[str, Any]:
    rate = _number(seed, 2_000, 400_000)
    interface = {
        "name": "eth0",
        "rxBytes": int(rate * uptime),
        "rxErrors": 0,
        "txBytes": int(rate * 0.7 * uptime),
        "txErrors": 0,
    }
    return {"time": _stamp(now), **interface, "interfaces": [interface]}


def _pod_stats(pod: dict[str, Any], node_disk: int, now: datetime) -> dict[str, Any]:
    metadata = pod["metadata"]
    started = _parse_time((pod.get("status") or {}).get("startTime") or metadata.get("creationTimestamp"), now)
    uptime = max(1.0, (now - started).total_seconds())
    seed = f"{metadata.get('namespace')}/{metadata['name']}"
    containers, total_cpu, total_memory = [], 0, 0
    for container in (pod.get("spec") or {}).get("containers") or []:
        nanocores, working_set = container_usage(pod, container)
        total_cpu, total_memory = total_cpu + nanocores, total_memory + working_set
        limit = parse_memory(((container.get("resources") or {}).get("limits") or {}).get("memory")) or None
        key = f"{seed}/{container['name']}"
        containers.append(
            {
                "name": container["name"],
                "startTime": _stamp(started),
                "cpu": _cpu(nanocores, uptime, now),
                "memory": _memory(key, working_set, now, limit),
                "rootfs": _fs(key + "rootfs", node_disk, now),
                "logs": _fs(key + "logs", node_disk, now),
                "swap": {"time": _stamp(now), "swapUsageBytes": 0},
            }
        )
    volumes = [
        {
            **_fs(f"{seed}/{volume['name']}", node_disk, now, _number(seed + volume["name"], 4096, 65536)),
            "name": volume["name"],
        }
        for volume in (pod.get("spec") or {}).get("volumes") or []
    ]
    return {
        "podRef": {"name": metadata["name"], "namespace": metadata.get("namespace"), "uid": pod_uid(pod)},
        "startTime": _stamp(started),
        "containers": containers,
        "cpu": _cpu(total_cpu, uptime, now),
        "memory": _memory(seed, total_memory, now),
        "network": _network(seed, now, uptime),
        "volume": volumes,
        "ephemeral-storage": _fs(seed + "ephemeral", node_disk, now),
        "process_stats": {"process_count": len(containers) + _number(seed + "procs", 0, 3)},
        "swap": {"time": _stamp(now), "swapUsageBytes": 0},
    }


def node_summary(node: dict[str, Any], pods: list[dict[str, Any]]) -> dict[str, Any]:
    """The kubelet's Summary (stats/v1alpha1) for `node` and the running `pods` bound to it."""
    now = datetime.now(UTC)
    name = node["metadata"]["name"]
    capacity = (node.get("status") or {}).get("capacity") or {}
    memory_capacity = parse_memory(capacity.get("memory")) or 16 * GIB
    disk = parse_memory(capacity.get("ephemeral-storage")) or 100 * GIB
    started = _parse_time(node["metadata"].get("creationTimestamp"), now)
    uptime = max(1.0, (now - started).total_seconds())
    pod_stats = [_pod_stats(pod, disk, now) for pod in pods]
    pods_cpu = sum(stats["cpu"]["usageNanoCores"] for stats in pod_stats)
    pods_memory = sum(stats["memory"]["workingSetBytes"] for stats in pod_stats)
    node_cpu = pods_cpu + int(SYSTEM_CPU_CORES * 1e9)
    node_memory = pods_memory + SYSTEM_MEMORY
    system = [
        {
            "name": "kubelet",
            "startTime": _stamp(started),
            "cpu": _cpu(int(0.03e9), uptime, now),
            "memory": _memory(name + "kubelet", 96 * 1024**2, now),
        },
        {
            "name": "pods",
            "startTime": _stamp(started),
            "cpu": _cpu(pods_cpu, uptime, now),
            "memory": _memory(name + "pods", pods_memory, now, memory_capacity),
        },
    ]
    used_disk = _number(name + "disk", 8, 40) * GIB
    return {
        "node": {
            "nodeName": name,
            "systemContainers": system,
            "startTime": _stamp(started),
            "cpu": _cpu(node_cpu, uptime, now),
            "memory": _memory(name, node_memory, now, memory_capacity),
            "network": _network(name, now, uptime),
            "fs": _fs(name + "fs", disk, now, used_disk),
            "runtime": {
                "imageFs": _fs(name + "images", disk, now, used_disk // 2),
                "containerFs": _fs(name + "containers", disk, now, used_disk // 2),
            },
            "rlimit": {
                "time": _stamp(now),
                "maxpid": 4194304,
                "curproc": 180 + sum(s["process_stats"]["process_count"] for s in pod_stats),
            },
            "swap": {"time": _stamp(now), "swapAvailableBytes": 0, "swapUsageBytes": 0},
        },
        "pods": pod_stats,
    }


def resource_metrics(node: dict[str, Any], pods: list[dict[str, Any]]) -> str:
    """`/metrics/resource`, the Prometheus text metrics-server scrapes, from the same numbers as the Summary."""
    summary = node_summary(node, pods)
    millis = int(datetime.now(UTC).timestamp() * 1000)
    lines = [
        "# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container "
        "in core-seconds",
        "# TYPE container_cpu_usage_seconds_total counter",
    ]
    for pod in summary["pods"]:
        ref = pod["podRef"]
        for container in pod["containers"]:
            labels = f'container="{container["name"]}",namespace="{ref["namespace"]}",pod="{ref["name"]}"'
            lines.append(
                f"container_cpu_usage_seconds_total{{{labels}}} "
                f"{container['cpu']['usageCoreNanoSeconds'] / 1e9:.6f} {millis}"
            )
    lines += [
        "# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes",
        "# TYPE container_memory_working_set_bytes gauge",
    ]
    for pod in summary["pods"]:
        ref = pod["podRef"]
        for container in pod["containers"]:
            labels = f'container="{container["name"]}",namespace="{ref["namespace"]}",pod="{ref["name"]}"'
            lines.append(
                f"container_memory_working_set_bytes{{{labels}}} {container['memory']['workingSetBytes']} {millis}"
            )
    node_stats = summary["node"]
    lines += [
        "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds",
        "# TYPE node_cpu_usage_seconds_total counter",
        f"node_cpu_usage_seconds_total {node_stats['cpu']['usageCoreNanoSeconds'] / 1e9:.6f} {millis}",
        "# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes",
        "# TYPE node_memory_working_set_bytes gauge",
        f"node_memory_working_set_bytes {node_stats['memory']['workingSetBytes']} {millis}",
        "# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise",
        "# TYPE scrape_error gauge",
        "scrape_error 0",
    ]
    return "\n".join(lines) + "\n"
