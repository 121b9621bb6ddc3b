"""The pure parts of logs and exec: time bounds, sinceTime, which container, why one cannot run a command."""

from __future__ import annotations

from typing import Any
from unittest import TestCase

from k8stools.tools.errors import ToolInputError
from k8stools.tools.pods import choose_container, not_running_reason, parse_since_time, time_bound


def pod(containers: list[str], status: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metadata": {"name": "web-1", "namespace": "shop"},
        "spec": {"containers": [{"name": name} for name in containers], **spec},
    }
    if status is not None:
        body["status"] = status
    return body


class TimeBoundTests(TestCase):
    def test_the_default_is_kept_when_it_fits(self) -> None:
        self.assertEqual(time_bound(None, 10, 30), (10, ""))

    def test_a_request_under_the_limit_is_kept(self) -> None:
        self.assertEqual(time_bound(3, 10, 30), (3, ""))

    def test_a_request_over_the_tool_timeout_is_lowered_with_a_note(self) -> None:
        seconds, note = time_bound(120, 10, 30)
        self.assertEqual(seconds, 25)
        self.assertIn("tool timeout is 30s", note)

    def test_a_short_tool_timeout_keeps_a_proportional_margin(self) -> None:
        self.assertEqual(time_bound(None, 10, 10)[0], 8)
        self.assertEqual(time_bound(None, 10, 1)[0], 1)


class SinceTimeTests(TestCase):
    def test_it_normalises_to_utc(self) -> None:
        self.assertEqual(parse_since_time("2024-05-01T12:00:00Z"), "2024-05-01T12:00:00Z")
        self.assertEqual(parse_since_time("2024-05-01T14:30:00+02:00"), "2024-05-01T12:30:00Z")
        self.assertEqual(parse_since_time("2024-05-01t12:00:00.123456z"), "2024-05-01T12:00:00Z")

    def test_it_refuses_times_without_zone_or_that_do_not_exist(self) -> None:
        for text in ("2024-05-01", "2024-05-01T12:00:00", "yesterday", "2024-13-01T00:00:00Z", "1714564800"):
            with self.subTest(text=text), self.assertRaisesRegex(ToolInputError, "RFC 3339.*sinceSeconds"):
                parse_since_time(text)


class ChooseContainerTests(TestCase):
    def test_the_only_container_is_chosen(self) -> None:
        self.assertEqual(choose_container(pod(["app"]), None), "app")

    def test_several_containers_need_a_name_and_the_error_lists_them(self) -> None:
        with self.assertRaisesRegex(ToolInputError, r"several containers \(app, sidecar\); pass containerName"):
            choose_container(pod(["app", "sidecar"]), None)

    def test_an_unknown_container_is_refused_with_the_real_names(self) -> None:
        with self.assertRaisesRegex(ToolInputError, "no container 'db'; its containers are: init, app"):
            choose_container(pod(["app"], initContainers=[{"name": "init"}]), "db")

    def test_an_init_container_may_be_named(self) -> None:
        self.assertEqual(choose_container(pod(["app"], initContainers=[{"name": "init"}]), "init"), "init")


class NotRunningReasonTests(TestCase):
    def test_a_running_container_or_an_unknown_status_is_no_reason(self) -> None:
        running = {"phase": "Running", "containerStatuses": [{"name": "app", "state": {"running": {}}}]}
        self.assertEqual(not_running_reason(pod(["app"], running), "app"), "")
        self.assertEqual(not_running_reason(pod(["app"]), "app"), "")

    def test_a_waiting_container_says_why(self) -> None:
        waiting = {
            "phase": "Running",
            "containerStatuses": [
                {"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}}}
            ],
        }
        reason = not_running_reason(pod(["app"], waiting), "app")
        self.assertEqual(reason, "container app of pod web-1 is not running (waiting: CrashLoopBackOff: back-off 5m0s)")

    def test_a_finished_pod_and_an_unscheduled_pod_are_reasons(self) -> None:
        self.assertIn("has finished (phase Succeeded)", not_running_reason(pod(["app"], {"phase": "Succeeded"}), "app"))
        self.assertIn("not scheduled", not_running_reason(pod(["app"], {"phase": "Pending"}), "app"))
