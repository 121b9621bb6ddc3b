"""What the scheduler and kubelet would do to a new pod: pick a node, give it an IP, start its containers."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from .objects import now_timestamp
from .store import Store
from .types import ResourceType


def container_id(pod_name: str, container: str) -> str:
    return "containerd://" + hashlib.sha256(f"{pod_name}/{container}".encode()).hexdigest()


def image_id(image: str) -> str:
    repository = image.split("@")[0].rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    if "/" not in repository:
        repository = f"docker.io/library/{repository}"
    elif repository.count("/") == 1 and "." not in repository.split("/")[0]:
        repository = f"docker.io/{repository}"
    return f"{repository}@sha256:" + hashlib.sha256(image.encode()).hexdigest()


def pod_conditions(ready: bool, stamp: str, phase: str = "Running") -> list[dict[str, Any]]:
    ready_status = "True" if ready else "False"
    reason = {} if ready else {"reason": "PodCompleted" if phase == "Succeeded" else "ContainersNotReady"}
    return [
        {
            "type": "PodReadyToStartContainers",
            "status": "False" if phase == "Succeeded" else "True",
            "lastProbeTime": None,
            "lastTransitionTime": stamp,
        },
        {
            "type": "Initialized",
            "status": "True",
            "lastProbeTime": None,
            "lastTransitionTime": stamp,
            **({"reason": "PodCompleted"} if phase == "Succeeded" else {}),
        },
        {"type": "Ready", "status": ready_status, "lastProbeTime": None, "lastTransitionTime": stamp, **reason},
        {
            "type": "ContainersReady",
            "status": ready_status,
            "lastProbeTime": None,
            "lastTransitionTime": stamp,
            **reason,
        },
        {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp},
    ]


def qos_class(spec: dict[str, Any]) -> str:
    containers = spec.get("containers") or []
    resources = [container.get("resources") or {} for container in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        (r.get("limits") or {}).get("cpu")
        and (r.get("limits") or {}).get("memory")
        and (r.get("requests") or r.get("limits")) == r.get("limits")
        for r in resources
    )
    return "Guaranteed" if guaranteed else "Burstable"


class PodStarter:
    """Admission hook for pods: schedules and starts them unless the caller already set a status."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._next_ip = itertools.count(2)
        self._next_node = itertools.count()
        # uid -> whether the scheduler placed the pod, for pods this starter started, until their events are recorded.
        self.started: dict[str, bool] = {}

    def take_started(self, pod: dict[str, Any]) -> bool | None:
        """Whether this starter started `pod` (and scheduled it: True), once; None when it did not start it."""
        return self.started.pop(pod["metadata"].get("uid", ""), None)

    def admit(self, resource_type: ResourceType, old: dict[str, Any] | None, pod: dict[str, Any]) -> None:
        if (resource_type.group, resource_type.plural) != ("", "pods") or old is not None:
            return
        spec = pod.setdefault("spec", {})
        nodes = [node for node in self.store.items("", "nodes") if not node.get("spec", {}).get("unschedulable")]
        scheduled = not spec.get("nodeName") and bool(nodes)
        if scheduled:
            spec["nodeName"] = nodes[next(self._next_node) % len(nodes)]["metadata"]["name"]
        status = pod.get("status") or {}
        if status.get("phase"):
            return
        pod["status"] = self.running_status(pod)
        if len(self.started) > 10_000:
            self.started.clear()  # dry-run creates are admitted but never stored: forget them
        self.started[pod["metadata"].get("uid", "")] = scheduled

    def _host_ip(self, node_name: str | None) -> str | None:
        node = self.store.get("", "nodes", None, node_name) if node_name else None
        for address in ((node or {}).get("status") or {}).get("addresses") or []:
            if address.get("type") == "InternalIP":
                return address.get("address")
        return None

    def _pod_ip(self) -> str:
        number = next(self._next_ip)
        return f"10.244.{number // 250}.{number % 250 + 1}"

    def running_status(self, pod: dict[str, Any]) -> dict[str, Any]:
        spec = pod.get("spec") or {}
        stamp = now_timestamp()
        name = pod["metadata"]["name"]
        ip = self._host_ip(spec.get("nodeName")) if spec.get("hostNetwork") else self._pod_ip()
        status: dict[str, Any] = {
            "phase": "Running",
            "conditions": pod_conditions(True, stamp),
            "startTime": stamp,
            "qosClass": qos_class(spec),
            "containerStatuses": [
                {
                    "name": container["name"],
                    "image": container.get("image", ""),
                    "imageID": image_id(container.get("image", "")),
                    "containerID": container_id(name, container["name"]),
                    "ready": True,
                    "started": True,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": stamp}},
                    "lastState": {},
                }
                for container in spec.get("containers") or []
            ],
        }
        if spec.get("initContainers"):
            status["initContainerStatuses"] = [
                {
                    "name": container["name"],
                    "image": container.get("image", ""),
                    "imageID": image_id(container.get("image", "")),
                    "containerID": container_id(name, container["name"]),
                    "ready": True,
                    "started": False,
                    "restartCount": 0,
                    "lastState": {},
                    "state": {
                        "terminated": {"exitCode": 0, "reason": "Completed", "startedAt": stamp, "finishedAt": stamp}
                    },
                }
                for container in spec["initContainers"]
            ]
        host_ip = self._host_ip(spec.get("nodeName"))
        if host_ip:
            status["hostIP"] = host_ip
            status["hostIPs"] = [{"ip": host_ip}]
        if spec.get("nodeName"):
            status["podIP"] = ip
            status["podIPs"] = [{"ip": ip}]
        return status

    def completed_status(self, spec: dict[str, Any]) -> dict[str, Any]:
        """A pod whose containers all exited 0 (a finished Job's pod)."""
        stamp = now_timestamp()
        return {
            "phase": "Succeeded",
            "conditions": pod_conditions(False, stamp, "Succeeded"),
            "startTime": stamp,
            "qosClass": qos_class(spec),
            "containerStatuses": [
                {
                    "name": container["name"],
                    "image": container.get("image", ""),
                    "imageID": image_id(container.get("image", "")),
                    "ready": False,
                    "started": False,
                    "restartCount": 0,
                    "lastState": {},
                    "state": {
                        "terminated": {"exitCode": 0, "reason": "Completed", "startedAt": stamp, "finishedAt": stamp}
                    },
                }
                for container in spec.get("containers") or []
            ],
        }
