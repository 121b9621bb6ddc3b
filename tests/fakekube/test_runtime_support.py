"""The cast shared by the runtime tests: a fake API server on 127.0.0.1 and the official client pointed at it.

Until the core's `FakeCluster` can be started, this serves the runtime's routes from a
minimal stand-in that offers what the runtime may ask of a cluster (`get_object`,
`list_objects`, `runtime`).
"""

from __future__ import annotations

import asyncio
import copy
import tempfile
import threading
import unittest
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web
from kubernetes import client, config

from fakekube.runtime import PodRuntime, setup_runtime_routes


class StandInCluster:
    """Objects by (resource, namespace, name), plus the runtime."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str | None, str], dict[str, Any]] = {}
        self.runtime = PodRuntime()

    def add_object(self, obj: dict[str, Any]) -> dict[str, Any]:
        stored = copy.deepcopy(obj)
        resource = stored["kind"].lower() + "s"
        namespace = stored["metadata"].setdefault("namespace", "default") if resource != "nodes" else None
        self.objects[(resource, namespace, stored["metadata"]["name"])] = stored
        return stored

    def delete_object(self, resource: str, namespace: str | None, name: str) -> None:
        self.objects.pop((resource, namespace, name), None)

    def get_object(self, resource: str, namespace: str | None, name: str, group: str = "") -> dict[str, Any] | None:
        return self.objects.get((resource, namespace, name))

    def list_objects(self, resource: str, namespace: str | None = None, group: str = "") -> list[dict[str, Any]]:
        return [obj for (kind, ns, _), obj in self.objects.items()
                if kind == resource and (namespace is None or ns == namespace)]


class Server:
    """The stand-in's routes served by aiohttp in a background thread."""

    def __init__(self, cluster: StandInCluster) -> None:
        self.cluster = cluster
        self.loop = asyncio.new_event_loop()
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> Server:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        setup_runtime_routes(app, self.cluster)
        self.runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        if not self.thread.is_alive() or self.runner is None:
            return
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def write_kubeconfig(self, path: Path) -> None:
        path.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "fake",
            "clusters": [{"name": "fake", "cluster": {"server": f"http://127.0.0.1:{self.port}"}}],
            "users": [{"name": "fake", "user": {"token": "test-token"}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake", "namespace": "default"}}]}))


def pod(name: str, containers: list[str] | None = None, node: str = "node-1", phase: str = "Running",
        namespace: str = "default", **container_fields: Any) -> dict[str, Any]:
    """A scheduled pod; its containers are running unless `phase` says otherwise."""
    names = containers or ["app"]
    specs = [{"name": container, "image": "nginx:1.25", **container_fields} for container in names]
    state = {"running": {"startedAt": "2026-01-01T00:00:00Z"}} if phase == "Running" else {
        "waiting": {"reason": "ContainerCreating"}}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}",
                         "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"nodeName": node, "containers": specs},
            "status": {"phase": phase, "podIP": "10.244.1.7", "startTime": "2026-01-01T00:00:00Z",
                       "containerStatuses": [{"name": container, "ready": phase == "Running", "restartCount": 0,
                                              "state": state} for container in names]}}


def node(name: str, ready: str = "True") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "creationTimestamp": "2026-01-01T00:00:00Z"},
            "status": {"capacity": {"cpu": "4", "memory": "16Gi", "ephemeral-storage": "100Gi"},
                       "addresses": [{"type": "InternalIP", "address": "10.0.0.11"}],
                       "conditions": [{"type": "Ready", "status": ready}],
                       "nodeInfo": {"kubeletVersion": "v1.30.2"}}}


class RuntimeTestCase(unittest.TestCase):
    """Starts the fake per test and gives `self.api`, a CoreV1Api of the official client talking to it."""

    def setUp(self) -> None:
        self.cluster = StandInCluster()
        self.cluster.runtime.poll_interval = 0.05
        self.server = Server(self.cluster).start()
        self.addCleanup(self.server.stop)
        directory = Path(tempfile.mkdtemp())
        kubeconfig = directory / "kubeconfig"
        self.server.write_kubeconfig(kubeconfig)
        configuration = client.Configuration()
        config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
        self.api_client = client.ApiClient(configuration)
        self.addCleanup(self.api_client.close)
        self.api = client.CoreV1Api(self.api_client)
        self.runtime = self.cluster.runtime
