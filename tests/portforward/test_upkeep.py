"""What each worker does every PORT_FORWARD_CHECK_SECONDS: idle sessions, policy, stops seen in the
database, vanished workers, counters and metrics."""

from __future__ import annotations

import socket
from datetime import timedelta

from django.utils import timezone

from k8stools.models import PolicySettings, PortForwardSession
from k8stools.portforward import records
from k8stools.portforward.config import PortForwardConfig
from k8stools.portforward.worker import current_worker_id
from tests.portforward.base import WorkflowTestCase
from tests.portforward.support import refuses_connections, round_trip, wait_for


def ended(session: PortForwardSession) -> PortForwardSession | None:
    return PortForwardSession.objects.exclude(status__in=PortForwardSession.LIVE_STATUSES).filter(pk=session.pk).first()


class IdleTests(WorkflowTestCase):
    config = PortForwardConfig(check_seconds=0.1, idle_timeout_seconds=0.5)

    def test_a_session_without_connections_stops_itself_after_the_idle_timeout(self) -> None:
        session = self.start()

        stopped = wait_for(lambda: ended(session))

        self.assertEqual((stopped.status, stopped.stopped_by), ("stopped", "idle timeout"))
        self.assertIn("no connection for 0.5s", stopped.last_error)
        self.assertTrue(refuses_connections(session.ports[0][0]))

    def test_an_open_connection_keeps_the_session_from_being_idle(self) -> None:
        session = self.start()
        with socket.create_connection(("127.0.0.1", session.ports[0][0]), timeout=5) as held:
            held.sendall(b"x")
            self.assertEqual(held.recv(1), b"x")
            # Longer than the idle timeout, with the connection open the whole time.
            wait_for(lambda: PortForwardSession.objects.get(pk=session.pk).bytes_out == 1)
            with self.assertRaises(AssertionError):
                wait_for(lambda: ended(session), timeout=1.0)

        wait_for(lambda: ended(session))


class PolicyTests(WorkflowTestCase):
    def test_withdrawing_port_forward_in_the_policy_stops_every_session(self) -> None:
        session = self.start()
        self.assertEqual(round_trip(session.ports[0][0], b"allowed"), b"allowed")

        PolicySettings.objects.create(non_destructive=True, allowed_operations=[])

        stopped = wait_for(lambda: ended(session))
        self.assertEqual((stopped.status, stopped.stopped_by), ("stopped", "policy"))
        self.assertIn("ALLOWED_OPERATIONS=port-forward", stopped.last_error)
        self.assertTrue(refuses_connections(session.ports[0][0]))

    def test_restricting_the_namespace_stops_its_sessions(self) -> None:
        session = self.start()

        PolicySettings.objects.create(non_destructive=False, restricted_namespaces=["default"])

        stopped = wait_for(lambda: ended(session))
        self.assertEqual(stopped.last_error, 'namespace "default" became restricted by the server policy')


class DatabaseStopTests(WorkflowTestCase):
    def test_a_row_ended_elsewhere_closes_the_listener_at_the_next_check(self) -> None:
        # What a worker that holds the session does when the stop message never reached it.
        session = self.start()
        port = session.ports[0][0]
        self.assertEqual(round_trip(port, b"12345"), b"12345")
        row = PortForwardSession.objects.get(pk=session.pk)
        row.end(PortForwardSession.Status.STOPPED, by="admin")
        row.save()

        wait_for(lambda: refuses_connections(port))
        row.refresh_from_db()
        self.assertEqual((row.status, row.stopped_by, row.bytes_in, row.bytes_out), ("stopped", "admin", 5, 5))


class CountersTests(WorkflowTestCase):
    def test_counters_reach_the_row_and_the_metrics(self) -> None:
        session = self.start()
        port = session.ports[0][0]
        self.assertEqual(self.metrics.value("port_forward_sessions_active"), 1)

        for payload in (b"a" * 1000, b"b" * 2000):
            self.assertEqual(round_trip(port, payload), payload)

        row = wait_for(lambda: PortForwardSession.objects.filter(pk=session.pk, bytes_out=3000).first())
        self.assertEqual((row.bytes_in, row.connections), (3000, 2))
        self.assertEqual(self.metrics.value("port_forward_bytes_total", direction="in"), 3000)
        self.assertEqual(self.metrics.value("port_forward_bytes_total", direction="out"), 3000)
        self.assertEqual(self.metrics.value("port_forward_sessions_started_total"), 1)


class VanishedWorkerTests(WorkflowTestCase):
    def row(self, worker_id: str, *, heartbeat_age: float) -> PortForwardSession:
        return PortForwardSession.objects.create(
            owner="alice",
            owner_name="alice",
            namespace="default",
            target_kind="pod",
            target_name="web-1",
            pod_name="web-1",
            ports=[[40000, 8080]],
            worker_id=worker_id,
            status="active",
            heartbeat=timezone.now() - timedelta(seconds=heartbeat_age),
        )

    def test_sessions_of_workers_that_are_gone_are_marked_failed_and_others_are_left_alone(self) -> None:
        dead_here = self.row(f"{socket.gethostname()}:999999999:1700000000", heartbeat_age=0)
        silent_elsewhere = self.row("other-host:7:1700000000", heartbeat_age=120)
        alive_elsewhere = self.row("other-host:8:1700000000", heartbeat_age=1)
        mine = self.row(current_worker_id(), heartbeat_age=120)

        marked = records.sweep_vanished_workers(current_worker_id(), stale_seconds=60)

        self.assertEqual(marked, 2)
        for row in (dead_here, silent_elsewhere, alive_elsewhere, mine):
            row.refresh_from_db()
        self.assertEqual((dead_here.status, dead_here.stopped_by), ("failed", "cleanup"))
        self.assertIn("exited without stopping it", dead_here.last_error)
        self.assertEqual(silent_elsewhere.status, "failed")
        self.assertIn("stopped reporting", silent_elsewhere.last_error)
        self.assertEqual((alive_elsewhere.status, mine.status), ("active", "active"))


class CredentialsTests(WorkflowTestCase):
    def test_a_session_whose_credentials_the_api_server_refuses_ends_as_failed(self) -> None:
        session = self.start()
        self.addCleanup(self.cluster.auth.disable)

        # Only another identity is known now: as when a user's ID token expires or RBAC is withdrawn.
        self.cluster.require_auth({"someone-elses-token": "someone"})

        failed = wait_for(lambda: ended(session))
        self.assertEqual((failed.status, failed.stopped_by), ("failed", "pod check"))
        self.assertIn("the API server refused the session's credentials", failed.last_error)
        self.assertTrue(refuses_connections(session.ports[0][0]))
