"""Forwarding through the real MCP client: bytes both ways over concurrent connections, services, stopping."""

from __future__ import annotations

from typing import Any, ClassVar

from k8stools.models import PortForwardSession
from tests.live import LiveServerTestCase, free_port
from tests.portforward.support import (
    add_echo_pod,
    answer,
    concurrent_round_trips,
    local_ports_of,
    refuses_connections,
    round_trip,
    serve_echo_pod,
    wait_for,
    web_pod,
    web_service,
)


class ForwardingTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 2, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {
        "ALLOWED_OPERATIONS": "port-forward",
        "PORT_FORWARD_CHECK_SECONDS": "0.2",
        "PORT_FORWARD_MAX_PER_USER": "3",
        "RESTRICTED_NAMESPACES": "vault",
    }

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.echo = serve_echo_pod(cls, cls.fake)
        cls.fake.add_object(web_service())
        cls.fake.add_object(web_pod("pending-1", phase="Pending", app="pending"))
        add_echo_pod(cls.fake, cls.echo, "secret-1", namespace="vault", app="secret")

    def tearDown(self) -> None:
        self.text("stop_all_port_forward_sessions")
        super().tearDown()

    def start(self, **arguments: Any) -> dict[str, Any]:
        return answer(self.text("port_forward", namespace="default", **arguments))

    def test_bytes_go_both_ways_over_several_concurrent_connections(self) -> None:
        started = self.start(resourceName="web-1", ports=["8080"])
        [port] = local_ports_of(started)

        pairs = concurrent_round_trips(port, count=8, size=200_000)

        for sent, received in pairs:
            self.assertEqual(received, sent)
        session = PortForwardSession.objects.get(pk=started["sessionId"])
        self.assertEqual(session.status, "active")
        self.assertEqual(session.ports, [[port, 8080]])
        self.assertEqual((session.namespace, session.target_kind, session.pod_name), ("default", "pod", "web-1"))
        total = sum(len(sent) for sent, _ in pairs)
        # The counters reach the row at the next check, not per packet.
        wait_for(lambda: PortForwardSession.objects.get(pk=started["sessionId"]).bytes_out == total)
        session.refresh_from_db()
        self.assertEqual((session.bytes_in, session.connections), (total, 8))

    def test_the_answer_reports_the_bound_ports_and_how_to_connect(self) -> None:
        wanted = free_port()

        started = self.start(resourceName="web-1", ports=[f"{wanted}:8080", "0:http"])

        [first, second] = started["ports"]
        self.assertEqual((first["localPort"], first["remotePort"]), (wanted, 8080))
        self.assertNotEqual(second["localPort"], 0)
        self.assertEqual(second["local"], f"127.0.0.1:{second['localPort']}")
        self.assertEqual(started["target"], "pod/web-1")
        self.assertIn("stop_port_forward_session", started["instructions"])
        self.assertEqual(round_trip(first["localPort"], b"ping"), b"ping")
        self.assertEqual(round_trip(second["localPort"], b"pong"), b"pong")

    def test_a_service_resolves_to_its_ready_pod_and_named_target_port(self) -> None:
        started = self.start(resourceType="service", resourceName="web", ports=["web"])

        self.assertEqual(started["target"], "service/web (pod web-1)")
        [entry] = started["ports"]
        self.assertEqual(entry["remotePort"], 8080)
        self.assertEqual(round_trip(entry["localPort"], b"through the service"), b"through the service")

    def test_stopping_closes_the_local_port_and_marks_the_record(self) -> None:
        started = self.start(resourceName="web-1", ports=["8080"])
        [port] = local_ports_of(started)
        self.assertEqual(round_trip(port, b"before"), b"before")

        stopped = self.text("stop_port_forward_session", sessionId=started["sessionId"])

        self.assertIn("stopped successfully; its local ports are closed", stopped)
        self.assertTrue(refuses_connections(port))
        session = PortForwardSession.objects.get(pk=started["sessionId"])
        self.assertEqual((session.status, session.stopped_by), ("stopped", "local"))
        self.assertIsNotNone(session.stopped)
        self.assertEqual(session.bytes_in, len(b"before"))
        self.assertIn("No active port forwarding sessions.", self.text("list_port_forward_sessions"))
        self.assertIn("had already ended", self.text("stop_port_forward_session", sessionId=started["sessionId"]))

    def test_the_list_shows_live_sessions_and_with_include_ended_why_others_ended(self) -> None:
        live = self.start(resourceName="web-1", ports=["8080"])
        ended = self.start(resourceName="web-1", ports=["8080"])
        self.text("stop_port_forward_session", sessionId=ended["sessionId"])

        listing = self.text("list_port_forward_sessions")
        everything = self.text("list_port_forward_sessions", includeEnded=True)

        self.assertIn("Active port forwarding sessions (1):", listing)
        self.assertIn(str(live["sessionId"]), listing)
        self.assertNotIn(str(ended["sessionId"]), listing)
        self.assertIn(str(ended["sessionId"]), everything)
        self.assertIn('"endedBy": "local"', everything)

    def test_the_per_user_limit_refuses_one_session_too_many(self) -> None:
        for _ in range(3):
            self.start(resourceName="web-1", ports=["8080"])

        refused = self.error("port_forward", namespace="default", resourceName="web-1", ports=["8080"])

        self.assertIn("you already have 3 live port-forward sessions (PORT_FORWARD_MAX_PER_USER)", refused)
        self.assertEqual(PortForwardSession.objects.filter(status="active").count(), 3)

    def test_it_refuses_bad_input_with_a_fix(self) -> None:
        cases: dict[str, tuple[dict[str, Any], str]] = {
            "unknown pod": ({"resourceName": "nope", "ports": ["80"]}, "not found"),
            "pending pod": ({"resourceName": "pending-1", "ports": ["80"]}, "is not running (phase Pending)"),
            "bad port": ({"resourceName": "web-1", "ports": ["70000"]}, "must be a number from 1 to 65535"),
            "no name": ({"ports": ["80"]}, "missing required argument 'resourceName'"),
            "unknown named port": ({"resourceName": "web-1", "ports": ["grpc"]}, "no container port named 'grpc'"),
            "unknown service port": (
                {"resourceType": "service", "resourceName": "web", "ports": ["81"]},
                "service web has no port 81; its ports are: 80 (web)",
            ),
        }
        for case, (arguments, message) in cases.items():
            with self.subTest(case):
                self.assertIn(message, self.error("port_forward", namespace="default", **arguments))
        self.assertFalse(PortForwardSession.objects.exists())

    def test_a_busy_local_port_fails_the_session_and_says_what_to_do(self) -> None:
        taken = self.start(resourceName="web-1", ports=["8080"])
        [port] = local_ports_of(taken)

        refused = self.error("port_forward", namespace="default", resourceName="web-1", ports=[f"{port}:8080"])

        self.assertIn(f"cannot listen on 127.0.0.1:{port}", refused)
        self.assertIn("choose another local port", refused)
        failed = PortForwardSession.objects.get(status="failed")
        self.assertIn("cannot listen", failed.last_error)

    def test_a_restricted_namespace_is_refused(self) -> None:
        refused = self.error("port_forward", namespace="vault", resourceName="secret-1", ports=["8080"])

        self.assertIn('access to namespace "vault" is restricted', refused)
        self.assertFalse(PortForwardSession.objects.exists())

    def test_the_deprecated_pod_name_and_aliases_still_work(self) -> None:
        started = answer(self.text("kubernetes_port_forward", namespace="default", podName="web-1", ports=["8080"]))

        stopped = self.text("kubernetes_stop_port_forward_session", sessionID=started["sessionId"])

        self.assertEqual(started["target"], "pod/web-1")
        self.assertIn("stopped successfully", stopped)

    def pods_stop_after(self, seconds: float) -> None:
        """How long a deleted pod stays Terminating, for this test."""
        deleter = self.fake.operations.deleter
        self.addCleanup(setattr, deleter, "pod_shutdown_seconds", deleter.pod_shutdown_seconds)
        deleter.pod_shutdown_seconds = seconds

    def test_a_session_whose_pod_is_deleted_ends_as_failed_with_the_reason(self) -> None:
        self.pods_stop_after(0)  # gone before the session's next check
        add_echo_pod(self.fake, self.echo, "doomed-1", app="doomed")
        started = self.start(resourceName="doomed-1", ports=["8080"])
        [port] = local_ports_of(started)
        self.assertEqual(round_trip(port, b"alive"), b"alive")

        self.fake.delete_object("pods", "default", "doomed-1")

        session = wait_for(lambda: PortForwardSession.objects.filter(pk=started["sessionId"], status="failed").first())
        self.assertEqual(session.last_error, "pod default/doomed-1 was deleted")
        self.assertEqual(session.stopped_by, "pod check")
        self.assertTrue(refuses_connections(port))

    def test_a_session_whose_pod_is_terminating_ends_as_failed_with_the_reason(self) -> None:
        self.pods_stop_after(60)  # still Terminating when the session checks it
        add_echo_pod(self.fake, self.echo, "doomed-2", app="doomed")
        self.addCleanup(
            self.fake.operations.delete, self.fake.resource_type("pods"), "default", "doomed-2", grace_period_seconds=0
        )
        started = self.start(resourceName="doomed-2", ports=["8080"])
        [port] = local_ports_of(started)
        self.assertEqual(round_trip(port, b"alive"), b"alive")

        self.fake.delete_object("pods", "default", "doomed-2")

        session = wait_for(lambda: PortForwardSession.objects.filter(pk=started["sessionId"], status="failed").first())
        self.assertEqual(session.last_error, "pod doomed-2 is being deleted")
        self.assertEqual(session.stopped_by, "pod check")
        self.assertTrue(refuses_connections(port))
