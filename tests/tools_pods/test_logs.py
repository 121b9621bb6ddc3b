"""logs through the real MCP client: tails, containers, previous instances, time windows, selectors, follow."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from mcp import Client

from tests.live import LiveServerTestCase, when_requested
from tests.tools_pods.fixtures import requests_to, running_pod


class LogsTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 4, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {"RESTRICTED_NAMESPACES": "vault"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        runtime = cls.fake.runtime
        cls.fake.add_object(running_pod("one", labels={"app": "one"}))
        runtime.set_logs("shop", "one", "app", [f"line {n}" for n in range(1, 151)])
        cls.fake.add_object(running_pod("duo", containers=("app", "sidecar")))
        runtime.set_logs("shop", "duo", "app", ["from the app"])
        runtime.set_logs("shop", "duo", "sidecar", ["from the sidecar"])
        crashed = running_pod("crashy")
        crashed["status"]["containerStatuses"][0].update(
            restartCount=1,
            lastState={"terminated": {"exitCode": 1, "reason": "Error", "containerID": "containerd://0123"}},
        )
        cls.fake.add_object(crashed)
        runtime.set_logs("shop", "crashy", "app", ["started again"])
        runtime.set_logs("shop", "crashy", "app", ["panic: out of cheese"], previous=True)
        now = datetime.now(UTC)
        cls.fake.add_object(running_pod("timed"))
        runtime.set_logs(
            "shop",
            "timed",
            "app",
            [(now - timedelta(hours=2), "two hours ago"), (now - timedelta(seconds=5), "just now")],
        )
        for name in ("web-a", "web-b", "web-c"):
            cls.fake.add_object(running_pod(name, labels={"app": "web"}))
            runtime.set_logs("shop", name, "app", [f"hello from {name}"])
        cls.fake.add_object(running_pod("secret-keeper", namespace="vault"))
        starting = running_pod("starting")
        starting["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "ContainerCreating"}}
        cls.fake.add_object(starting)

    def test_it_returns_the_last_hundred_lines_by_default(self) -> None:
        text = self.text("logs", namespace="shop", podName="one")
        lines = text.splitlines()
        self.assertEqual(lines[0], "line 51")
        self.assertEqual(lines[-1], "line 150")
        self.assertEqual(len(lines), 100)

    def test_tail_lines_picks_how_many(self) -> None:
        self.assertEqual(self.text("logs", namespace="shop", podName="one", tailLines=2), "line 149\nline 150\n")

    def test_tail_lines_above_the_maximum_is_refused_by_the_schema(self) -> None:
        self.assertIn("tailLines", self.error("logs", namespace="shop", podName="one", tailLines=5000))

    def test_a_pod_with_several_containers_needs_a_container_name(self) -> None:
        message = self.error("logs", namespace="shop", podName="duo")
        self.assertIn("a container name must be specified for pod duo, choose one of: [app sidecar]", message)
        self.assertIn("pass containerName", message)

    def test_container_name_chooses_the_container(self) -> None:
        self.assertEqual(
            self.text("logs", namespace="shop", podName="duo", containerName="sidecar"), "from the sidecar\n"
        )

    def test_an_unknown_container_is_refused_by_the_api_server_and_said(self) -> None:
        message = self.error("logs", namespace="shop", podName="duo", containerName="db")
        self.assertIn("container db is not valid for pod duo", message)

    def test_a_container_that_has_not_started_says_how_to_find_out_why(self) -> None:
        message = self.error("logs", namespace="shop", podName="starting")
        self.assertIn('container "app" in pod "starting" is waiting to start', message)
        self.assertIn("describe the pod to see why", message)

    def test_previous_reads_the_crashed_instance(self) -> None:
        self.assertEqual(self.text("logs", namespace="shop", podName="crashy"), "started again\n")
        self.assertEqual(self.text("logs", namespace="shop", podName="crashy", previous=True), "panic: out of cheese\n")

    def test_previous_of_a_container_that_never_restarted_says_so(self) -> None:
        message = self.error("logs", namespace="shop", podName="one", previous=True)
        self.assertIn("there is no previous log: drop previous", message)

    def test_timestamps_prefix_every_line(self) -> None:
        text = self.text("logs", namespace="shop", podName="one", tailLines=1, timestamps=True)
        stamp, line = text.rstrip("\n").split(" ", 1)
        self.assertEqual(line, "line 150")
        self.assertTrue(datetime.fromisoformat(stamp.replace("Z", "+00:00")).tzinfo)

    def test_since_seconds_and_since_time_window_the_log(self) -> None:
        self.assertEqual(self.text("logs", namespace="shop", podName="timed", sinceSeconds=600), "just now\n")
        an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        self.assertEqual(self.text("logs", namespace="shop", podName="timed", sinceTime=an_hour_ago), "just now\n")

    def test_a_bad_since_time_is_refused_before_anything_is_sent(self) -> None:
        self.fake.clear_requests()
        message = self.error("logs", namespace="shop", podName="timed", sinceTime="yesterday")
        self.assertIn("not an RFC 3339 time", message)
        self.assertEqual(requests_to(self.fake, subresource="log"), [])

    def test_since_time_and_since_seconds_together_are_refused(self) -> None:
        message = self.error(
            "logs", namespace="shop", podName="timed", sinceSeconds=5, sinceTime="2024-05-01T00:00:00Z"
        )
        self.assertIn("not both", message)

    def test_limit_bytes_stops_early_and_says_so(self) -> None:
        text = self.text("logs", namespace="shop", podName="one", limitBytes=20)
        self.assertTrue(text.startswith("line 51\nline 52\nline"))
        self.assertIn("[stopped after 20 bytes", text)

    def test_an_empty_log_is_said_plainly(self) -> None:
        self.assertIn("no log lines", self.text("logs", namespace="shop", podName="timed", sinceSeconds=1))

    def test_an_unknown_pod_is_a_clear_error(self) -> None:
        self.assertIn('pods "ghost" not found', self.error("logs", namespace="shop", podName="ghost"))

    def test_pod_name_or_label_selector_is_required(self) -> None:
        self.assertIn("either podName or labelSelector", self.error("logs", namespace="shop"))
        self.assertIn("not both", self.error("logs", namespace="shop", podName="one", labelSelector="app=web"))

    def test_a_restricted_namespace_is_refused_and_nothing_is_sent(self) -> None:
        self.fake.clear_requests()
        message = self.error("logs", namespace="vault", podName="secret-keeper")
        self.assertIn('namespace "vault" is restricted', message)
        self.assertEqual([r for r in self.fake.requests if r.namespace == "vault"], [])

    def test_a_label_selector_reads_every_matching_pod_under_its_own_heading(self) -> None:
        text = self.text("logs", namespace="shop", labelSelector="app=web")
        for name in ("web-a", "web-b", "web-c"):
            self.assertIn(f"==> {name}/app <==\nhello from {name}", text)
        self.assertNotIn("one/app", text)

    def test_a_label_selector_reads_at_most_max_pods(self) -> None:
        text = self.text("logs", namespace="shop", labelSelector="app=web", maxPods=2)
        self.assertEqual(text.count("==> "), 2)
        self.assertIn("more pods match; showing the first 2", text.replace("1 more pods", "more pods"))

    def test_a_selector_that_matches_nothing_says_how_to_look(self) -> None:
        message = self.error("logs", namespace="shop", labelSelector="app=nothing")
        self.assertIn("no pods in namespace shop match labelSelector 'app=nothing'", message)

    def test_a_selector_in_a_restricted_namespace_is_refused(self) -> None:
        self.assertIn("restricted", self.error("logs", namespace="vault", labelSelector="app=web"))

    def test_follow_reads_one_pod_only(self) -> None:
        self.assertIn("pass podName", self.error("logs", namespace="shop", labelSelector="app=web", follow=True))

    def test_the_deprecated_alias_still_answers(self) -> None:
        self.assertEqual(
            self.text("kubernetes_logs", namespace="shop", podName="duo", containerName="app"), "from the app\n"
        )


class LogsFollowTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {}
    # A short tool timeout, so that a follow longer than it is visibly cut to fit.
    server_env: ClassVar[dict[str, str]] = {"TOOL_TIMEOUT_SECONDS": "5"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.add_object(running_pod("tailed"))
        cls.fake.runtime.set_logs("shop", "tailed", "app", ["already there"])

    def follow(
        self, pod: str, seconds: int, lines: list[str]
    ) -> tuple[Any, list[tuple[float, float | None, str | None]]]:
        """Follow `pod` while `lines` are written once the follow request arrives; the result and the progress seen."""
        seen: list[tuple[float, float | None, str | None]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append((progress, total, message))

        def write() -> None:
            for line in lines:
                self.fake.runtime.append_log("shop", pod, "app", line)
                time.sleep(0.3)  # lines arrive over time, as a running program writes them

        when_requested(self.fake, lambda r: r.subresource == "log" and r.query.get("follow") == "true", write)

        async def body(client: Client) -> Any:
            return await client.call_tool(
                "logs",
                {"namespace": "shop", "podName": pod, "follow": True, "followSeconds": seconds},
                progress_callback=on_progress,
            )

        return self.with_client(body), seen

    def test_follow_returns_new_lines_and_reports_progress_while_they_arrive(self) -> None:
        result, progress = self.follow("tailed", 3, ["new 1", "new 2", "new 3", "new 4"])
        text = result.content[0].text
        self.assertFalse(result.is_error, text)
        self.assertTrue(text.startswith("already there\nnew 1\nnew 2\nnew 3\nnew 4\n"), text)
        self.assertIn("[followed for 3s: 5 lines]", text)
        self.assertGreaterEqual(len(progress), 3)  # one per arrival burst, then the final count
        self.assertEqual(progress[-1][2], "5 lines")
        counts = [value for value, _, _ in progress]
        self.assertEqual(counts, sorted(counts))

    def test_follow_longer_than_the_tool_timeout_is_lowered_and_says_so(self) -> None:
        started = time.monotonic()
        result, _ = self.follow("tailed", 60, [])
        text = result.content[0].text
        self.assertFalse(result.is_error, text)
        self.assertIn("followed for 4s (lowered to 4s, the most this server allows", text)
        self.assertLess(time.monotonic() - started, 10)

    def test_follow_ends_when_the_pod_goes_away(self) -> None:
        self.fake.add_object(running_pod("short-lived"))
        self.fake.runtime.set_logs("shop", "short-lived", "app", ["last words"])
        when_requested(
            self.fake,
            lambda r: r.name == "short-lived" and r.query.get("follow") == "true",
            lambda: self.fake.delete_object("pods", "shop", "short-lived"),
        )

        async def body(client: Client) -> Any:
            arguments = {"namespace": "shop", "podName": "short-lived", "follow": True, "followSeconds": 4}
            return await client.call_tool("logs", arguments)

        result = self.with_client(body)
        self.assertIn("last words", result.content[0].text)
        self.assertIn("the log stream ended", result.content[0].text)
