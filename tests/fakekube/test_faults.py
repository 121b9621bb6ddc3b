"""Injected delays, error statuses, dropped connections, and the API server going away and coming back."""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.request

from kubernetes import client
from urllib3.exceptions import HTTPError as TransportError

from .base import FakeClusterTestCase


class FaultTests(FakeClusterTestCase):
    def setUp(self) -> None:
        self.cluster.faults.clear()
        self.addCleanup(self.cluster.faults.clear)
        self.fragile = client.CoreV1Api(self.client_without_retries())

    def test_a_status_fault_answers_with_a_status_body_and_retry_after(self) -> None:
        self.cluster.faults.add(path=r"/api/v1/namespaces/default/pods$", status=429, retry_after=3, times=1)
        with self.assertApiError(429, "TooManyRequests") as error:
            self.fragile.list_namespaced_pod("default")
        self.assertEqual(error.exception.headers["Retry-After"], "3")
        self.assertEqual(error.body["details"]["retryAfterSeconds"], 3)
        self.assertEqual(len(self.core.list_namespaced_pod("default").items), 0)

    def test_a_fault_can_be_limited_to_a_method(self) -> None:
        self.cluster.faults.add(path="/configmaps", method="POST", status=500)
        self.core.list_namespaced_config_map("default")
        with self.assertApiError(500, "InternalError"):
            self.core.create_namespaced_config_map("default", {"metadata": {"name": "faulted"}})
        self.assertIsNone(self.cluster.get_object("configmaps", "default", "faulted"))

    def test_a_delay_slows_the_answer(self) -> None:
        self.cluster.faults.add(path="/api/v1/namespaces$", delay=0.3, times=1)
        started = time.monotonic()
        self.core.list_namespace()
        self.assertGreaterEqual(time.monotonic() - started, 0.3)

    def test_a_dropped_connection_gets_no_answer(self) -> None:
        self.cluster.faults.add(path="/api/v1/nodes", drop=True, times=1)
        with self.assertRaises((TransportError, ConnectionError)):
            self.fragile.list_node(_request_timeout=5)
        dropped = [r for r in self.cluster.requests if r.path == "/api/v1/nodes"]
        self.assertEqual(dropped[-1].status, None)
        self.assertEqual(self.core.list_node().items, [])

    def test_a_stream_can_be_cut_in_the_middle(self) -> None:
        self.cluster.faults.add(path="/api/v1/namespaces/default/configmaps", drop=True, drop_after=0.3, times=1)
        request = urllib.request.Request(f"{self.running.url}/api/v1/namespaces/default/configmaps?watch=1")
        received = b""
        with (
            self.assertRaises((http.client.HTTPException, ConnectionError)),
            urllib.request.urlopen(request, timeout=5) as response,
        ):
            self.cluster.add_object(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "mid-stream", "namespace": "default"}}
            )
            while chunk := response.read1(65536):
                received += chunk
            self.fail("the stream ended cleanly")
        self.assertIn(b"mid-stream", received)


class OutageTests(FakeClusterTestCase):
    def test_the_server_can_go_away_and_come_back_on_the_same_port(self) -> None:
        port = self.running.port
        self.core.list_namespace()
        self.running.pause()
        with socket.socket() as probe:
            self.assertNotEqual(probe.connect_ex(("127.0.0.1", port)), 0)
        with self.assertRaises((TransportError, ConnectionError)):
            client.CoreV1Api(self.client_without_retries()).list_namespace(_request_timeout=2)
        self.running.resume()
        self.assertEqual(self.running.port, port)
        names = [ns.metadata.name for ns in self.core.list_namespace().items]
        self.assertIn("default", names)
        with urllib.request.urlopen(f"{self.running.url}/version") as response:
            self.assertEqual(json.loads(response.read())["major"], "1")

    def test_a_stopped_server_starts_again_on_the_same_port_with_its_state(self) -> None:
        port = self.running.port
        self.cluster.add_object(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "survivor", "namespace": "default"}}
        )
        self.running.stop()
        with self.assertRaises(OSError):
            urllib.request.urlopen(f"{self.running.url}/version", timeout=2)
        self.running.start()
        self.assertEqual(self.running.port, port)
        self.assertEqual(self.core.read_namespaced_config_map("survivor", "default").metadata.name, "survivor")
