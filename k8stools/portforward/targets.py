"""What a port-forward reaches: a running pod, and its numeric ports.

A pod must be Running. A service resolves to one of its running, ready pods (selected by the
service's selector) and each requested service port to its `targetPort`: a number, or a name
looked up in the chosen pod's container ports, as kubectl does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from k8stools.apirequest import PODS, SERVICES, ApiRequest, resource_request
from k8stools.guard import GuardedClient, PodConnection
from k8stools.kube import KubeError
from k8stools.portforward.ports import PortRequest, PortSpecError


class TargetError(Exception):
    """The target cannot be forwarded to; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    namespace: str
    kind: str  # pod | service, as asked
    name: str
    pod: str
    pod_uid: str
    ports: list[tuple[int, int]]  # (requested local port, pod port)


def portforward_request(namespace: str, pod: str) -> ApiRequest:
    """The portforward subresource request (what the guard allows, and what each stream opens)."""
    return resource_request(PODS, namespace=namespace, name=pod, subresource="portforward")


def pod_problem(pod: dict[str, Any]) -> str:
    """Why connections cannot reach this pod now, or "" when it is running."""
    name = pod.get("metadata", {}).get("name", "")
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return f"pod {name} is being deleted"
    phase = (pod.get("status") or {}).get("phase") or "Unknown"
    if phase != "Running":
        return f"pod {name} is not running (phase {phase})"
    return ""


def is_ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    ready = [condition for condition in conditions if condition.get("type") == "Ready"]
    if ready:
        return ready[0].get("status") == "True"
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return bool(statuses) and all(status.get("ready") for status in statuses)


def container_port(pod: dict[str, Any], name: str) -> int | None:
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == name and port.get("containerPort"):
                return int(port["containerPort"])
    return None


def _container_port_names(pod: dict[str, Any]) -> list[str]:
    return [
        f"{port['name']} ({port.get('containerPort')})"
        for container in (pod.get("spec") or {}).get("containers") or []
        for port in container.get("ports") or []
        if port.get("name")
    ]


def _pod_ports(pod: dict[str, Any], requests: list[PortRequest]) -> list[tuple[int, int]]:
    resolved = []
    for request in requests:
        if isinstance(request.remote, int):
            resolved.append((request.local, request.remote))
            continue
        number = container_port(pod, request.remote)
        if number is None:
            named = ", ".join(_container_port_names(pod)) or "none"
            raise TargetError(
                f"pod {pod['metadata']['name']} has no container port named {request.remote!r} "
                f"(named ports: {named}); use a port number"
            )
        resolved.append((request.local, number))
    return resolved


def _service_ports(service: dict[str, Any], pod: dict[str, Any], requests: list[PortRequest]) -> list[tuple[int, int]]:
    name = service["metadata"]["name"]
    ports = (service.get("spec") or {}).get("ports") or []
    resolved = []
    for request in requests:
        match = next(
            (
                port
                for port in ports
                if (isinstance(request.remote, int) and port.get("port") == request.remote)
                or (isinstance(request.remote, str) and port.get("name") == request.remote)
            ),
            None,
        )
        if match is None:
            known = ", ".join(
                f"{port.get('port')}" + (f" ({port['name']})" if port.get("name") else "") for port in ports
            )
            raise TargetError(f"service {name} has no port {request.remote!r}; its ports are: {known or 'none'}")
        target = match.get("targetPort", match.get("port"))
        if isinstance(target, str) and not target.isdigit():
            number = container_port(pod, target)
            if number is None:
                raise TargetError(
                    f"service {name} port {match.get('port')} targets the port named {target!r}, which pod "
                    f"{pod['metadata']['name']} does not declare; check the service's targetPort"
                )
            target = number
        resolved.append((request.local, int(target)))
    return resolved


def resolve_target(
    client: GuardedClient, *, namespace: str, kind: str, name: str, requests: list[PortRequest]
) -> ResolvedTarget:
    """The pod and pod ports behind `kind`/`name`; `KubeError` propagates (404 and friends)."""
    if kind == "pod":
        pod = client.request(resource_request(PODS, namespace=namespace, name=name))
        problem = pod_problem(pod)
        if problem:
            raise TargetError(f"{problem}; port-forward needs a Running pod (describe it to see why)")
        ports = _pod_ports(pod, requests)
    else:
        service = client.request(resource_request(SERVICES, namespace=namespace, name=name))
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName":
            raise TargetError(f"service {name} is of type ExternalName and has no pods; forward to a pod instead")
        selector = spec.get("selector") or {}
        if not selector:
            raise TargetError(f"service {name} has no selector, so no pods to forward to; forward to a pod instead")
        label_selector = ",".join(f"{key}={value}" for key, value in sorted(selector.items()))
        pods = client.request(resource_request(PODS, namespace=namespace, query={"labelSelector": label_selector}))
        candidates = sorted(
            (pod for pod in pods.get("items") or [] if not pod_problem(pod) and is_ready(pod)),
            key=lambda pod: pod["metadata"]["name"],
        )
        if not candidates:
            raise TargetError(
                f"service {name} has no running and ready pod (selector {label_selector}); "
                "list the pods with that labelSelector to see why"
            )
        pod = candidates[0]
        ports = _service_ports(service, pod, requests)
    return ResolvedTarget(
        namespace=namespace,
        kind=kind,
        name=name,
        pod=pod["metadata"]["name"],
        pod_uid=pod["metadata"].get("uid", ""),
        ports=ports,
    )


def check_pod(connection: PodConnection, uid: str) -> str:
    """Why the forwarded pod can no longer be reached ("" when it still can)."""
    namespace, pod = connection.request.namespace, connection.request.name
    try:
        current = connection.pod(timeout=10.0)
    except KubeError as error:
        if error.status == 404:
            return f"pod {namespace}/{pod} was deleted"
        raise
    if uid and current.get("metadata", {}).get("uid") not in (None, uid):
        return f"pod {namespace}/{pod} was replaced by a new pod of the same name"
    return pod_problem(current)


__all__ = ["PortSpecError", "ResolvedTarget", "TargetError", "check_pod", "portforward_request", "resolve_target"]
