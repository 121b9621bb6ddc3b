"""Faults between the server and the Kubernetes API: each is a clear tool error (or a retried success) in bounded
time, nothing hangs, and the next call works once the fault is cleared."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from tests.live import LiveServerTestCase
from tests.tools_pods.fixtures import running_pod

TIMEOUT = 3.0
# Time for a tool error on top of the tool timeout: the client session and the answer on the way back.
MARGIN = 2.0
PODS = r"/api/v1/(namespaces/[^/]+/)?pods$"


class FaultInjectionTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 4, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {"TOOL_TIMEOUT_SECONDS": str(TIMEOUT), "ALLOWED_OPERATIONS": "exec"}
    extra_contexts: ClassVar[tuple[Any, ...]] = (("holder", "holder-token"),)

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.add_object(running_pod("box"))
        cls.fake.runtime.set_logs("shop", "box", "app", [f"line {number}" for number in range(200)])

    def setUp(self) -> None:
        super().setUp()
        self.addCleanup(self.fake.auth.disable)
        self.addCleanup(self.fake.faults.clear)
        self.text("list", resourceType="pods")  # discovery done before any fault

    def timed_error(self, tool: str, **arguments: Any) -> tuple[str, float]:
        started = time.monotonic()
        message = self.error(tool, **arguments)
        seconds = time.monotonic() - started
        self.assertNotIn("Traceback", message)
        self.assertNotIn("internal error", message)
        return message, seconds

    def assert_recovers(self) -> None:
        self.fake.faults.clear()
        self.assertIn("box", self.text("list", resourceType="pods", namespace="shop"))
        self.assertIn("line 199", self.text("logs", namespace="shop", podName="box", tailLines=1))

    def test_an_answer_slower_than_the_timeout_is_a_timeout_error(self) -> None:
        self.fake.faults.add(path=PODS, delay=TIMEOUT * 4)
        message, seconds = self.timed_error("list", resourceType="pods")
        self.assertIn("exceeded the timeout of 3s", message)
        self.assertLess(seconds, TIMEOUT + MARGIN)
        self.assert_recovers()

    def test_a_500_is_a_tool_error(self) -> None:
        self.fake.faults.add(path=PODS, status=500, message="etcd is unhappy")
        message, seconds = self.timed_error("list", resourceType="pods")
        self.assertIn("500", message)
        self.assertLess(seconds, TIMEOUT)
        self.assert_recovers()

    def test_a_429_with_a_short_retry_after_is_retried_and_succeeds(self) -> None:
        self.fake.faults.add(path=PODS, status=429, retry_after=1, times=1)
        self.fake.clear_requests()
        started = time.monotonic()
        self.assertIn("box", self.text("list", resourceType="pods", namespace="shop"))
        self.assertGreaterEqual(time.monotonic() - started, 1.0)
        statuses = [entry.status for entry in self.fake.requests if entry.resource == "pods"]
        self.assertEqual(statuses, [429, 200])

    def test_a_429_with_a_long_retry_after_is_an_error_that_says_when_to_retry(self) -> None:
        self.fake.faults.add(path=PODS, status=429, retry_after=120)
        message, seconds = self.timed_error("list", resourceType="pods")
        self.assertIn("120", message)
        self.assertNotIn("timeout", message)
        self.assertLess(seconds, TIMEOUT)
        self.assert_recovers()

    def test_a_list_dropped_mid_stream_is_a_tool_error(self) -> None:
        self.fake.faults.add(path=PODS, drop=True, drop_after=0.0)
        message, seconds = self.timed_error("list", resourceType="pods")
        self.assertIn("cluster is up", message)
        self.assertLess(seconds, TIMEOUT + MARGIN)
        self.assert_recovers()

    def test_a_followed_log_dropped_mid_stream_ends_in_bounded_time(self) -> None:
        self.fake.faults.add(path=r"/pods/box/log$", drop=True, drop_after=0.5)
        started = time.monotonic()
        result = self.call("logs", namespace="shop", podName="box", follow=True, followSeconds=2)
        seconds = time.monotonic() - started
        body = "".join(getattr(block, "text", "") for block in result.content)
        self.assertTrue(result.is_error, body)
        self.assertIn("the log stream was cut off", body)
        self.assertLess(seconds, TIMEOUT + MARGIN)
        self.assert_recovers()

    def test_an_exec_dropped_mid_stream_is_a_tool_error(self) -> None:
        self.fake.faults.add(path=r"/pods/box/exec$", drop=True, drop_after=0.3)
        message, seconds = self.timed_error("exec", namespace="shop", podName="box", command=["sleep", "10"])
        self.assertIn("the connection closed before the command reported an exit status", message)
        self.assertLess(seconds, TIMEOUT + MARGIN)
        self.assert_recovers()
        self.assertIn("hello", self.text("exec", namespace="shop", podName="box", command=["echo", "hello"]))

    def test_an_api_server_that_goes_away_and_comes_back(self) -> None:
        self.running.pause()
        try:
            message, seconds = self.timed_error("list", resourceType="pods")
        finally:
            self.running.resume()
        self.assertIn("cannot reach the Kubernetes API server", message)
        self.assertLess(seconds, TIMEOUT + MARGIN)
        self.assert_recovers()

    def test_a_token_the_api_server_stops_accepting_is_an_error_that_names_it(self) -> None:
        self.fake.auth.require({"holder-token": "holder"})
        self.assertIn("box", self.text("list", resourceType="pods", namespace="shop", context="holder"))
        self.fake.auth.require({"new-token": "holder"})
        message, seconds = self.timed_error("list", resourceType="pods", namespace="shop", context="holder")
        self.assertIn("the API server rejected the credentials", message)
        self.assertLess(seconds, TIMEOUT)
        self.fake.auth.require({"holder-token": "holder"})
        self.assertIn("box", self.text("list", resourceType="pods", namespace="shop", context="holder"))
