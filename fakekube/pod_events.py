"""The Events the scheduler and the kubelet record about a pod's life, as a 1.32 cluster's components word them:
`Scheduled` when the scheduler binds it, then per container `Pulling`/`Pulled`, `Created` and `Started` as the
kubelet starts it, and `Killing` when it is deleted. `kubectl describe pod` lists them."""

from __future__ import annotations

import hashlib
from typing import Any

from .events import record_event, record_new_event
from .store import Store

SCHEDULER = "default-scheduler"
SCHEDULER_INSTANCE = "default-scheduler-control-plane"


def _go_duration(nanoseconds: int) -> str:
    """A duration as Go's `time.Duration.String` prints it (`1.203468305s`, `812.5ms`)."""
    if nanoseconds >= 1_000_000_000:
        return f"{nanoseconds / 1e9:.9f}".rstrip("0").rstrip(".") + "s"
    return f"{nanoseconds / 1e6:.6f}".rstrip("0").rstrip(".") + "ms"


def _pulled(image: str) -> str:
    """The kubelet's message for an image it pulled: a duration and a size that stay the same for an image."""
    digest = hashlib.sha256(image.encode()).digest()
    took = _go_duration(300_000_000 + int.from_bytes(digest[:8], "big") % 3_000_000_000)
    size = 5_000_000 + int.from_bytes(digest[8:16], "big") % 200_000_000
    return f'Successfully pulled image "{image}" in {took} ({took} including waiting). Image size: {size} bytes.'


def _containers(pod: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    spec = pod.get("spec") or {}
    return [("initContainers", c) for c in spec.get("initContainers") or []] + [
        ("containers", c) for c in spec.get("containers") or []
    ]


def record_pod_started(store: Store, pod: dict[str, Any], scheduled: bool) -> None:
    """What a started pod's events say: bound by the scheduler (unless created with `nodeName`), images
    pulled (or already there), containers created and started."""
    node = (pod.get("spec") or {}).get("nodeName") or ""
    if not node:
        return
    metadata = pod["metadata"]
    if scheduled:
        record_new_event(
            store,
            pod,
            "Scheduled",
            "Binding",
            f"Successfully assigned {metadata.get('namespace')}/{metadata['name']} to {node}",
            SCHEDULER,
            SCHEDULER_INSTANCE,
        )
    for field, container in _containers(pod):
        path = f"spec.{field}{{{container['name']}}}"
        image = container.get("image", "")

        def kubelet(reason: str, message: str, path: str = path) -> None:
            record_event(store, pod, reason, message, "kubelet", host=node, field_path=path)

        if container.get("imagePullPolicy") == "Always":
            kubelet("Pulling", f'Pulling image "{image}"')
            kubelet("Pulled", _pulled(image))
        else:
            kubelet("Pulled", f'Container image "{image}" already present on machine')
        kubelet("Created", f"Created container: {container['name']}")
        kubelet("Started", f"Started container {container['name']}")


def record_pod_killing(store: Store, pod: dict[str, Any]) -> None:
    """The kubelet stopping a deleted pod's running containers."""
    node = (pod.get("spec") or {}).get("nodeName") or ""
    for container in (pod.get("spec") or {}).get("containers") or []:
        record_event(
            store,
            pod,
            "Killing",
            f"Stopping container {container['name']}",
            "kubelet",
            host=node,
            field_path=f"spec.containers{{{container['name']}}}",
        )
