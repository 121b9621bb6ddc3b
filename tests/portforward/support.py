"""The cast of the port-forward tests: echo servers that stand in for pod ports, pods, a service."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
import unittest
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fakekube import FakeCluster


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


class EchoServer:
    """A real TCP echo server on 127.0.0.1, the process behind a pod port."""

    def __init__(self) -> None:
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), EchoHandler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def web_pod(
    name: str, *, namespace: str = "default", app: str = "web", port: int = 8080, phase: str = "Running"
) -> dict[str, Any]:
    """A scheduled, ready pod whose container declares `port` under the name "http"."""
    running = phase == "Running"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": app}},
        "spec": {
            "nodeName": "node-1",
            "containers": [{"name": "app", "image": "nginx:1.25", "ports": [{"name": "http", "containerPort": port}]}],
        },
        "status": {
            "phase": phase,
            "conditions": [{"type": "Ready", "status": "True" if running else "False"}],
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": running,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
                    if running
                    else {"waiting": {"reason": "ContainerCreating"}},
                }
            ],
        },
    }


def web_service(name: str = "web", *, namespace: str = "default", app: str = "web") -> dict[str, Any]:
    """A service whose port 80 targets the pods' port by its name, "http"."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"selector": {"app": app}, "ports": [{"name": "web", "port": 80, "targetPort": "http"}]},
    }


def add_echo_pod(
    cluster: FakeCluster, echo: EchoServer, name: str, *, namespace: str = "default", app: str = "web", port: int = 8080
) -> None:
    cluster.add_object(web_pod(name, namespace=namespace, app=app, port=port))
    cluster.runtime.expose_port(namespace, name, port, "127.0.0.1", echo.port)


def serve_echo_pod(test_class: type[unittest.TestCase], cluster: FakeCluster, name: str = "web-1") -> EchoServer:
    """A new echo server behind pod `name` of `cluster`, closed with the class's cleanups."""
    echo = EchoServer()
    test_class.addClassCleanup(echo.close)
    add_echo_pod(cluster, echo, name)
    return echo


def round_trip(port: int, payload: bytes, *, timeout: float = 10.0) -> bytes:
    """Send `payload` through 127.0.0.1:`port` and read as many bytes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        received = bytearray()
        while len(received) < len(payload):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return bytes(received)


def concurrent_round_trips(port: int, count: int, size: int) -> list[tuple[bytes, bytes]]:
    """`count` connections at once, each with its own payload: (sent, received) pairs."""
    payloads = [bytes([index]) * size + f"connection {index}".encode() for index in range(count)]
    with ThreadPoolExecutor(count) as pool:
        received = list(pool.map(lambda payload: round_trip(port, payload), payloads))
    return list(zip(payloads, received, strict=True))


def refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def wait_for(condition: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Poll `condition` (state in another process cannot be awaited) until truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def answer(text: str) -> dict[str, Any]:
    """The JSON object a port_forward answer holds."""
    value: dict[str, Any] = json.loads(text)
    return value


def local_ports_of(started: dict[str, Any]) -> list[int]:
    """The local ports a port_forward answer reports, in order."""
    return [int(entry["localPort"]) for entry in started["ports"]]
