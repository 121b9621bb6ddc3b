"""The cast shared by the runtime tests: a `FakeCluster` served on 127.0.0.1 and the official client pointed at it."""

from __future__ import annotations

import json
import socketserver
import tempfile
import threading
import time
import unittest
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.client.rest import ApiException

from fakekube import FakeCluster


def pod(
    name: str,
    containers: list[str] | None = None,
    node: str = "node-1",
    phase: str = "Running",
    namespace: str = "default",
    **container_fields: Any,
) -> dict[str, Any]:
    """A scheduled pod; its containers are running unless `phase` says otherwise."""
    names = containers or ["app"]
    specs = [{"name": container, "image": "nginx:1.25", **container_fields} for container in names]
    state = (
        {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
        if phase == "Running"
        else {"waiting": {"reason": "ContainerCreating"}}
    )
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": f"uid-{name}",
            "creationTimestamp": "2026-01-01T00:00:00Z",
        },
        "spec": {"nodeName": node, "containers": specs},
        "status": {
            "phase": phase,
            "podIP": "10.244.1.7",
            "startTime": "2026-01-01T00:00:00Z",
            "containerStatuses": [
                {"name": container, "ready": phase == "Running", "restartCount": 0, "state": state}
                for container in names
            ],
        },
    }


def status_of(error: ApiException) -> dict[str, Any]:
    """The `Status` body of a refused call."""
    body: dict[str, Any] = json.loads(error.body or "{}")
    return body


def node(name: str, ready: str = "True") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "creationTimestamp": "2026-01-01T00:00:00Z"},
        "status": {
            "capacity": {"cpu": "4", "memory": "16Gi", "ephemeral-storage": "100Gi"},
            "addresses": [{"type": "InternalIP", "address": "10.0.0.11"}],
            "conditions": [{"type": "Ready", "status": ready}],
            "nodeInfo": {"kubeletVersion": "v1.30.2"},
        },
    }


class RuntimeTestCase(unittest.TestCase):
    """Starts the fake per test and gives `self.api`, a CoreV1Api of the official client talking to it."""

    def setUp(self) -> None:
        self.cluster = FakeCluster()
        self.runtime = self.cluster.runtime
        self.runtime.poll_interval = 0.05
        self.server = self.cluster.serve()
        self.addCleanup(self.server.stop)
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        kubeconfig = Path(directory.name) / "kubeconfig"
        self.server.write_kubeconfig(kubeconfig)
        configuration = client.Configuration()
        config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
        self.api_client = client.ApiClient(configuration)
        self.addCleanup(self.api_client.close)
        self.api = client.CoreV1Api(self.api_client)

    def assertStreamsEnd(self, kind: str, within: float = 5.0) -> None:
        """Wait until the fake serves no stream of this kind any more."""
        deadline = time.monotonic() + within
        while self.runtime.open_streams(kind) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(self.runtime.open_streams(kind), [])


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


class GreetingHandler(socketserver.BaseRequestHandler):
    """Says who it is and hangs up, like a server refusing a client."""

    def handle(self) -> None:
        self.request.sendall(b"220 greeting\r\n")


def start_server(test: unittest.TestCase, handler: type[socketserver.BaseRequestHandler]) -> int:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    test.addCleanup(server.server_close)
    test.addCleanup(server.shutdown)
    return int(server.server_address[1])
