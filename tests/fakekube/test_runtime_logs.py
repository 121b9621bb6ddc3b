"""Pod logs through `CoreV1Api.read_namespaced_pod_log`, over real HTTP."""

from __future__ import annotations

import contextlib
import re
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from kubernetes.client.rest import ApiException
from urllib3.exceptions import ProtocolError

from tests.fakekube.test_runtime_support import RuntimeTestCase, pod, status_of


def without_times(lines: list[str]) -> list[str]:
    return [re.sub(r"\[[^]]*\]", "[]", line) for line in lines]


class PodLogTests(RuntimeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cluster.add_object(pod("web-1"))

    def refusal(self, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        with self.assertRaises(ApiException) as raised:
            self.api.read_namespaced_pod_log(**{"name": "web-1", "namespace": "default", **kwargs})
        return raised.exception.status, status_of(raised.exception)

    def test_it_returns_the_lines_a_test_set(self) -> None:
        self.runtime.set_logs("default", "web-1", "app", ["starting", "listening on :8080"])

        self.assertEqual(self.api.read_namespaced_pod_log("web-1", "default"), "starting\nlistening on :8080\n")

    def test_it_generates_stable_realistic_logs_for_a_pod_without_any(self) -> None:
        lines = self.api.read_namespaced_pod_log("web-1", "default").splitlines()

        self.assertGreaterEqual(len(lines), 200)
        self.assertRegex(lines[0], r'^10\.244\.\d+\.\d+ - - \[\d\d/\w+/\d{4}:[\d:]+ \+0000\] "(GET|POST|PUT|DELETE) ')
        self.cluster.add_object(pod("web-2"))
        other = self.api.read_namespaced_pod_log("web-2", "default").splitlines()
        self.assertNotEqual(without_times(lines[:5]), without_times(other[:5]))
        stored = self.cluster.get_object("pods", "default", "web-1")
        assert stored is not None
        replay = type(self.runtime)().container_log("default", stored, "app", previous=False)
        self.assertEqual(without_times([line.text for line in replay.snapshot()][:200]), without_times(lines[:200]))

    def test_timestamps_prefix_each_line_with_rfc3339_nano(self) -> None:
        when = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)
        self.runtime.set_logs("default", "web-1", "app", [(when, "ready")])

        text = self.api.read_namespaced_pod_log("web-1", "default", timestamps=True)

        self.assertEqual(text, "2026-03-01T12:30:05.123456000Z ready\n")

    def test_tail_lines_and_limit_bytes_cut_the_output(self) -> None:
        self.runtime.set_logs("default", "web-1", "app", [f"line {n}" for n in range(10)])

        self.assertEqual(self.api.read_namespaced_pod_log("web-1", "default", tail_lines=2), "line 8\nline 9\n")
        self.assertEqual(self.api.read_namespaced_pod_log("web-1", "default", limit_bytes=9), "line 0\nli")
        self.assertEqual(self.api.read_namespaced_pod_log("web-1", "default", tail_lines=0), "")

    def test_since_seconds_keeps_only_recent_lines(self) -> None:
        now = datetime.now(UTC)
        self.runtime.set_logs(
            "default", "web-1", "app", [(now - timedelta(hours=2), "old"), (now - timedelta(seconds=5), "recent")]
        )

        self.assertEqual(self.api.read_namespaced_pod_log("web-1", "default", since_seconds=60), "recent\n")

    def test_since_time_is_accepted_as_rfc3339(self) -> None:
        self.runtime.set_logs(
            "default",
            "web-1",
            "app",
            [(datetime(2026, 1, 1, 10, tzinfo=UTC), "before"), (datetime(2026, 1, 1, 12, tzinfo=UTC), "after")],
        )

        url = f"http://127.0.0.1:{self.server.port}/api/v1/namespaces/default/pods/web-1/log"
        with urllib.request.urlopen(url + "?sinceTime=2026-01-01T11:00:00Z") as response:
            body = response.read()

        self.assertEqual(body, b"after\n")

    def test_previous_returns_the_terminated_instance(self) -> None:
        self.runtime.set_logs("default", "web-1", "app", ["panic: boom"], previous=True)
        self.runtime.set_logs("default", "web-1", "app", ["restarted"])

        self.assertEqual(self.api.read_namespaced_pod_log("web-1", "default", previous=True), "panic: boom\n")
        self.assertEqual(self.api.read_namespaced_pod_log("web-1", "default"), "restarted\n")

    def test_previous_is_generated_from_a_restarted_containers_last_state(self) -> None:
        crashed = pod("worker-1")
        crashed["status"]["containerStatuses"][0].update(
            restartCount=3,
            lastState={
                "terminated": {
                    "exitCode": 1,
                    "reason": "Error",
                    "finishedAt": "2026-01-01T10:00:00Z",
                    "containerID": "containerd://a",
                }
            },
        )
        self.cluster.add_object(crashed)

        lines = self.api.read_namespaced_pod_log("worker-1", "default", previous=True).splitlines()

        self.assertIn("exit code 1", lines[-1])

    def test_it_refuses_previous_without_a_terminated_instance(self) -> None:
        status, body = self.refusal(previous=True)

        self.assertEqual(status, 400)
        self.assertEqual(body["message"], 'previous terminated container "app" in pod "web-1" not found')

    def test_it_asks_for_a_container_when_the_pod_has_several(self) -> None:
        self.cluster.add_object(pod("web-1", ["app", "sidecar"]))

        status, body = self.refusal()

        self.assertEqual((status, body["reason"]), (400, "BadRequest"))
        self.assertEqual(
            body["message"], "a container name must be specified for pod web-1, choose one of: [app sidecar]"
        )

    def test_it_rejects_an_unknown_container(self) -> None:
        status, body = self.refusal(container="nope")

        self.assertEqual((status, body["message"]), (400, "container nope is not valid for pod web-1"))

    def test_it_answers_404_for_a_missing_pod(self) -> None:
        status, body = self.refusal(name="ghost")

        self.assertEqual((status, body["reason"], body["message"]), (404, "NotFound", 'pods "ghost" not found'))

    def test_it_refuses_a_container_still_being_created(self) -> None:
        self.cluster.add_object(pod("web-1", phase="Pending"))

        status, body = self.refusal()

        self.assertEqual(status, 400)
        self.assertEqual(body["message"], 'container "app" in pod "web-1" is waiting to start: ContainerCreating')

    def test_it_rejects_invalid_options_like_the_api_server(self) -> None:
        status, body = self.refusal(tail_lines=-1)

        self.assertEqual((status, body["reason"]), (422, "Invalid"))
        self.assertIn("tailLines: Invalid value: -1: must be greater than or equal to 0", body["message"])


class FollowTests(RuntimeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cluster.add_object(pod("web-1"))
        self.runtime.set_logs("default", "web-1", "app", ["one", "two", "three"])

    def follow(self, **kwargs: Any) -> Any:
        response: Any = self.api.read_namespaced_pod_log(
            "web-1", "default", follow=True, _preload_content=False, **kwargs
        )
        self.addCleanup(response.release_conn)
        return response

    def test_it_streams_the_tail_then_lines_as_they_are_appended(self) -> None:
        response = self.follow(tail_lines=1)
        received = [response.readline()]
        for text in ("four", "five"):
            self.runtime.append_log("default", "web-1", "app", text)
            received.append(response.readline())

        self.assertEqual(received, [b"three\n", b"four\n", b"five\n"])

    def test_the_fake_stops_following_when_the_client_goes_away(self) -> None:
        response = self.follow()
        self.assertEqual(response.readline(), b"one\n")
        self.assertEqual(len(self.runtime.open_streams("log")), 1)

        response.close()

        self.assertStreamsEnd("log")

    def test_the_stream_ends_when_the_pod_is_deleted(self) -> None:
        response = self.follow()
        threading.Timer(0.2, self.cluster.delete_object, ("pods", "default", "web-1")).start()
        started = time.monotonic()

        body = response.read()

        self.assertEqual(body, b"one\ntwo\nthree\n")
        self.assertLess(time.monotonic() - started, 3)

    def test_a_generated_log_keeps_writing_while_followed(self) -> None:
        self.cluster.add_object(pod("api-1", image="ghcr.io/acme/orders:2.3"))
        self.runtime.generated_line_interval = 0.1
        response: Any = self.api.read_namespaced_pod_log(
            "api-1", "default", follow=True, tail_lines=1, _preload_content=False
        )
        self.addCleanup(response.release_conn)

        lines = [response.readline() for _ in range(3)]

        self.assertTrue(all(b" [" in line and b"request_id=" in line for line in lines), lines)

    def test_the_stream_ends_when_the_server_shuts_down(self) -> None:
        response = self.follow()
        self.assertEqual(response.readline(), b"one\n")
        started = time.monotonic()

        self.server.stop()
        # Stopping the fake cuts open connections, as a vanished API server would.
        with contextlib.suppress(ProtocolError):
            response.read()

        self.assertLess(time.monotonic() - started, 3)
