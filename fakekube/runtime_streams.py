"""Long-lived streams (log follows, exec sessions, port-forwards) and the things that end them.

A stream ends when its client goes away, when its pod is deleted, when a test calls
`PodRuntime.close_forwards`, or when the server shuts down. The pod is polled through
`cluster.get_object`, the only view of the store the runtime has.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Protocol

from aiohttp import web

from fakekube.runtime_logstore import Wakeup
from fakekube.runtime_pods import pod_uid


class ClusterView(Protocol):
    """What the runtime may ask of the core's cluster."""

    runtime: Any

    def get_object(self, resource: str, namespace: str | None, name: str, group: str = "") -> dict[str, Any] | None: ...

    def list_objects(self, resource: str, namespace: str | None = None, group: str = "") -> list[dict[str, Any]]: ...


class ActiveStream:
    """One open stream into a pod, registered with the runtime so it can be ended from outside."""

    def __init__(self, app: web.Application, kind: str, namespace: str, pod: dict[str, Any]) -> None:
        self.app = app
        self.kind = kind
        self.namespace = namespace
        self.pod_name: str = pod["metadata"]["name"]
        self.uid = pod_uid(pod)
        self.wakeup = Wakeup()
        self.stopped = False

    def stop(self) -> None:
        """End the stream; safe to call from any thread."""
        self.stopped = True
        self.wakeup.set()

    def pod_is_gone(self, cluster: ClusterView) -> bool:
        """Whether the pod was deleted (or replaced by a new pod of the same name)."""
        pod = cluster.get_object("pods", self.namespace, self.pod_name)
        return pod is None or pod_uid(pod) != self.uid

    async def wait_until_ended(self, cluster: ClusterView, interval: float) -> str:
        """Return why the stream must end: "stopped" or "pod deleted"."""
        while True:
            if self.stopped:
                return "stopped"
            if self.pod_is_gone(cluster):
                return "pod deleted"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.event.wait(), interval)
            self.wakeup.event.clear()


def client_gone(request: web.Request) -> bool:
    """Whether the HTTP client has disconnected."""
    transport = request.transport
    return transport is None or transport.is_closing()
