"""What the kubelet knows about a pod's containers: names, states, and the refusals they cause.

The fake stores pods as plain dicts and does not run a scheduler or kubelet, so a pod
without a `status` is taken as Running on its node: minimal fixtures then behave like
healthy pods, and a test that wants a waiting or crashed container writes the status.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from fakekube.status import status_response


class Refusal(Exception):
    """A request the real server refuses with a `Status`; converted once, in the route handler."""

    def __init__(self, code: int, message: str, reason: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.details = details

    def response(self) -> web.Response:
        """The `Status` response the real server sends for this refusal."""
        return status_response(self.code, self.message, self.reason, **self.details)


@dataclass(frozen=True)
class ContainerState:
    """The current and last state of one container, as the kubelet reports them."""

    current: str  # "running", "waiting" or "terminated"
    reason: str
    has_previous: bool


def container_names(pod: dict[str, Any]) -> list[str]:
    """Init, regular then ephemeral containers, the order the API server lists them in errors."""
    spec = pod.get("spec") or {}
    names: list[str] = []
    for key in ("initContainers", "containers", "ephemeralContainers"):
        names.extend(container.get("name", "") for container in spec.get(key) or [])
    return names


def resolve_container(pod: dict[str, Any], requested: str) -> str:
    """The container a log/exec request addresses, refused the way the API server does."""
    name = pod["metadata"]["name"]
    if requested:
        if requested not in container_names(pod):
            raise Refusal(400, f"container {requested} is not valid for pod {name}")
        return requested
    regular = (pod.get("spec") or {}).get("containers") or []
    if len(regular) == 1:
        return str(regular[0]["name"])
    if not regular:
        raise Refusal(400, f"a container name must be specified for pod {name}")
    choices = " ".join(container_names(pod))
    raise Refusal(400, f"a container name must be specified for pod {name}, choose one of: [{choices}]")


def container_spec(pod: dict[str, Any], container: str) -> dict[str, Any]:
    """The spec entry of a container, whichever list it is in."""
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for entry in spec.get(key) or []:
            if entry.get("name") == container:
                return dict(entry)
    return {"name": container}


def container_state(pod: dict[str, Any], container: str) -> ContainerState:
    """The container's state from `status.containerStatuses`, else derived from the pod phase."""
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for entry in status.get(key) or []:
            if entry.get("name") == container:
                return _state_of(entry)
    phase = status.get("phase", "Running")
    if phase == "Pending":
        return ContainerState("waiting", "ContainerCreating", False)
    if phase in ("Succeeded", "Failed"):
        return ContainerState("terminated", "Completed" if phase == "Succeeded" else "Error", False)
    return ContainerState("running", "", False)


def _state_of(entry: dict[str, Any]) -> ContainerState:
    state = entry.get("state") or {}
    last = (entry.get("lastState") or {}).get("terminated") or {}
    # The kubelet needs the old container's ID; fixtures often leave it out, so only an explicit "" counts as none.
    has_previous = bool(last) and last.get("containerID", "x") != ""
    for current in ("running", "terminated", "waiting"):
        if current in state:
            return ContainerState(current, (state[current] or {}).get("reason", ""), has_previous)
    return ContainerState("waiting", "", has_previous)


def is_scheduled(pod: dict[str, Any]) -> bool:
    """Whether the pod has a node; an explicitly Pending pod without one has never been scheduled."""
    if (pod.get("spec") or {}).get("nodeName"):
        return True
    return bool((pod.get("status") or {}).get("phase", "Running") != "Pending")


def pod_uid(pod: dict[str, Any]) -> str:
    """The pod's uid, or a stable one derived from its name when the fixture has none."""
    metadata = pod.get("metadata") or {}
    if metadata.get("uid"):
        return str(metadata["uid"])
    digest = hashlib.sha256(f"{metadata.get('namespace')}/{metadata.get('name')}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def require_running(pod: dict[str, Any], container: str) -> None:
    """Refuse to stream from a container that is not running, as the kubelet does."""
    name = pod["metadata"]["name"]
    if not is_scheduled(pod):
        raise Refusal(400, f"pod {name} does not have a host assigned")
    if container_state(pod, container).current != "running":
        raise Refusal(400, f'unable to upgrade connection: container not found ("{container}")')


def connection_refused(pod: dict[str, Any], port: int) -> str:
    """containerd's message when nothing listens on the port inside the pod's network namespace."""
    sandbox = hashlib.sha256(pod_uid(pod).encode()).hexdigest()
    netns = f"/var/run/netns/cni-{sandbox[:8]}-{sandbox[8:12]}-{sandbox[12:16]}-{sandbox[16:20]}-{sandbox[20:32]}"
    return (
        f"error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network "
        f'namespace "{netns}": failed to connect to localhost:{port} inside namespace "{sandbox}", IPv4: dial '
        f"tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6: address localhost: no suitable "
        f"address "
    )
