"""A Kubernetes API that is down or slow gives a tool error within the call's time limit; the server stays healthy."""

from __future__ import annotations

import time
from typing import ClassVar

import httpx2

from tests.live import LiveServerTestCase
from tests.transport.raw import PING, json_rpc_messages, send

TIMEOUT = 2.0


class KubernetesUnavailableTests(LiveServerTestCase):
    server_env: ClassVar[dict[str, str]] = {"TOOL_TIMEOUT_SECONDS": str(TIMEOUT)}

    def setUp(self) -> None:
        super().setUp()
        self.addCleanup(self.fake.faults.clear)

    def assert_healthy(self) -> None:
        self.assertEqual(httpx2.get(f"{self.server.url}/healthz", timeout=10).status_code, 200)
        self.assertEqual(json_rpc_messages(send(self.server.mcp_url, PING))[0]["result"], {})
        self.assertIn("NAME", self.text("list", resourceType="namespaces"))

    def timed_error(self, tool: str, **arguments: object) -> tuple[str, float]:
        started = time.monotonic()
        message = self.error(tool, **arguments)
        return message, time.monotonic() - started

    def test_a_slow_api_server_is_a_timeout_that_names_the_limit(self) -> None:
        self.text("list", resourceType="pods")  # discovery done before the API server slows down
        self.fake.faults.add(path=r"/api/v1/(namespaces/[^/]+/)?pods$", delay=TIMEOUT * 3)
        message, seconds = self.timed_error("list", resourceType="pods")
        self.assertIn('tool "list" exceeded the timeout of 2s', message)
        self.assertLess(seconds, TIMEOUT + 2.0)
        self.fake.faults.clear()
        self.assert_healthy()

    def test_an_api_server_that_is_down_is_a_tool_error_and_the_server_carries_on(self) -> None:
        self.running.pause()
        try:
            message, seconds = self.timed_error("list", resourceType="pods")
        finally:
            self.running.resume()
        self.assertNotIn("Traceback", message)
        self.assertNotIn("internal error", message)
        self.assertLess(seconds, TIMEOUT + 2.0)
        self.assert_healthy()

    def test_an_api_server_that_drops_connections_is_a_tool_error(self) -> None:
        self.text("list", resourceType="pods")
        self.fake.faults.add(path=r"/pods$", drop=True)
        message, _seconds = self.timed_error("list", resourceType="pods")
        self.assertNotIn("internal error", message)
        self.fake.faults.clear()
        self.assert_healthy()
