"""SIGTERM drains a worker: it stops accepting requests, lets the tool calls in flight finish within
SHUTDOWN_GRACE_SECONDS (their clients get the real result), stops its port-forward sessions, and exits;
a call still running when the grace period ends is cut off and the worker exits all the same."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import time
from typing import Any, ClassVar

import httpx2

from k8stools.models import PortForwardSession
from tests.live import LiveServer, LiveServerTestCase, when_requested
from tests.portforward.support import (
    EchoServer,
    answer,
    local_ports_of,
    refuses_connections,
    round_trip,
    serve_echo_pod,
)
from tests.transport.raw import MCP_HEADERS, json_rpc_messages, send

GRACE = 4.0
SLOW = 2.0
# Time for a process to wind down once it may: the answer on the way out, the database, the interpreter.
EXIT_MARGIN = 4.0
PODS = r"/api/v1/(namespaces/[^/]+/)?pods$"
LEGACY: dict[str, str | None] = {"mcp-protocol-version": "2025-11-25"}
LIST_PODS = {
    "jsonrpc": "2.0",
    "id": 5,
    "method": "tools/call",
    "params": {"name": "list", "arguments": {"resourceType": "pods", "namespace": "default"}},
}


def lists_pods(request: Any) -> bool:
    return bool(request.resource == "pods" and request.verb == "list")


class GracefulShutdownTests(LiveServerTestCase):
    echo: ClassVar[EchoServer]
    seed: ClassVar[dict[str, int]] = {"pods": 2, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {
        "TOOL_TIMEOUT_SECONDS": "20",
        "SHUTDOWN_GRACE_SECONDS": str(GRACE),
        "ALLOWED_OPERATIONS": "port-forward",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.echo = serve_echo_pod(cls, cls.fake)

    def setUp(self) -> None:
        super().setUp()
        if self.server.process is None or self.server.process.poll() is not None:
            type(self).server = LiveServer(env=self.server.env).start()
        self.addCleanup(self.fake.faults.clear)
        self.fake.clear_requests()

    def terminate_when_the_call_reaches_the_cluster(self, then: Any = None) -> dict[str, Any]:
        """SIGTERM the server once a pod list reaches the fake; `then()` runs right after, during the drain."""
        seen: dict[str, Any] = {}

        def terminate() -> None:
            assert self.server.process is not None
            self.server.process.send_signal(signal.SIGTERM)
            seen["sigterm"] = time.monotonic()
            if then is not None:
                seen.update(then())

        when_requested(self.fake, lists_pods, terminate)
        return seen

    def log_entries(self) -> list[dict[str, Any]]:
        text = self.server.log_path.read_text(errors="replace")
        return [json.loads(line) for line in text.splitlines() if line.startswith('{"time"')]

    def test_a_call_in_flight_gets_its_result_and_the_worker_exits_within_the_grace_period(self) -> None:
        session = answer(self.text("port_forward", namespace="default", resourceName="web-1", ports=["8080"]))
        [forwarded] = local_ports_of(session)
        self.assertEqual(round_trip(forwarded, b"before"), b"before")
        # A connection the server accepted before SIGTERM, as a client's keep-alive pool holds one.
        kept_alive = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        kept_alive.connect()
        self.addCleanup(kept_alive.close)

        def during_the_drain() -> dict[str, Any]:
            time.sleep(0.3)
            body = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "ping"})
            kept_alive.request("POST", "/mcp", body=body, headers={**MCP_HEADERS, "x-request-id": "late-9"})
            late = kept_alive.getresponse()
            return {
                "late": (late.status, late.getheader("x-request-id"), json.loads(late.read())),
                "new connection refused": refuses_connections(self.server.port),
            }

        self.fake.faults.add(path=PODS, delay=SLOW)
        seen = self.terminate_when_the_call_reaches_the_cluster(during_the_drain)

        # Raw HTTP: the SDK's client would follow the answer with a tools/list, which a stopping worker refuses.
        response = send(self.server.mcp_url, LIST_PODS, headers=LEGACY, timeout=30)

        [message] = json_rpc_messages(response)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(message["result"]["isError"], message)
        self.assertIn("web-1", message["result"]["content"][0]["text"])
        assert self.server.process is not None
        self.assertEqual(self.server.process.wait(timeout=GRACE + EXIT_MARGIN), 0, self.server.log())
        seconds = time.monotonic() - seen["sigterm"]
        self.assertGreater(seconds, SLOW - 0.5)  # it waited for the call...
        self.assertLess(seconds, GRACE + EXIT_MARGIN)  # ...and no longer than the grace period allows

        status, request_id, error = seen["late"]
        self.assertEqual((status, request_id), (503, "late-9"))
        self.assertIn("shutting down", error["error"]["message"])
        self.assertTrue(seen["new connection refused"])

        stopped = PortForwardSession.objects.get(pk=session["sessionId"])
        self.assertEqual((stopped.status, stopped.stopped_by), ("stopped", "server shutdown"))
        self.assertTrue(refuses_connections(forwarded))
        [waiting] = [entry for entry in self.log_entries() if entry["message"].startswith("shutting down: waiting")]
        self.assertEqual(waiting["requests"], 1)

    def test_a_call_longer_than_the_grace_period_is_cut_off_and_the_worker_still_exits(self) -> None:
        self.fake.faults.add(path=PODS, delay=30)
        seen = self.terminate_when_the_call_reaches_the_cluster()

        started = time.monotonic()
        try:
            response = send(self.server.mcp_url, LIST_PODS, headers=LEGACY, timeout=30)
            outcome = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx2.HTTPError as error:
            outcome = repr(error)
        self.assertLess(time.monotonic() - started, GRACE + EXIT_MARGIN, outcome)

        assert self.server.process is not None
        self.assertEqual(self.server.process.wait(timeout=GRACE + EXIT_MARGIN), 0, self.server.log())
        self.assertLess(time.monotonic() - seen["sigterm"], GRACE + EXIT_MARGIN)
        self.assertNotIn('"pods"', outcome)
        cut_off = [entry for entry in self.log_entries() if "grace period over" in entry["message"]]
        self.assertEqual(
            [(entry["requests"], entry["grace_seconds"]) for entry in cut_off], [(1, GRACE)], self.server.log()
        )

    def test_an_idle_worker_exits_at_once(self) -> None:
        self.assertIn("web-1", self.text("list", resourceType="pods", namespace="default"))
        started = time.monotonic()
        self.assertEqual(self.server.stop(timeout=GRACE + EXIT_MARGIN), 0, self.server.log())
        self.assertLess(time.monotonic() - started, 3.0)
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", self.server.port), timeout=2).close()
