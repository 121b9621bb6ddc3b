"""A graceful shutdown stops and marks every session of the worker; sessions a dead worker left live
are marked failed when the next server starts."""

from __future__ import annotations

import socket
from typing import ClassVar

from django.utils import timezone

from k8stools.models import PortForwardSession
from tests.live import LiveServer, LiveServerTestCase
from tests.portforward.support import answer, local_ports_of, refuses_connections, round_trip, serve_echo_pod


class ShutdownTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 1, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {"ALLOWED_OPERATIONS": "port-forward"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.echo = serve_echo_pod(cls, cls.fake)

    def test_sigterm_stops_every_session_and_the_next_start_fails_what_a_dead_worker_left(self) -> None:
        started = [
            answer(self.text("port_forward", namespace="default", resourceName="web-1", ports=["8080", "http"]))
            for _ in range(2)
        ]
        ports = [port for session in started for port in local_ports_of(session)]
        self.assertEqual(round_trip(ports[0], b"before shutdown"), b"before shutdown")

        self.assertEqual(self.server.stop(), 0)

        for session in PortForwardSession.objects.all():
            self.assertEqual((session.status, session.stopped_by), ("stopped", "server shutdown"))
            self.assertIsNotNone(session.stopped)
        self.assertEqual(PortForwardSession.objects.get(pk=started[0]["sessionId"]).bytes_in, len(b"before shutdown"))
        self.assertTrue(all(refuses_connections(port) for port in ports))

        # A worker of this host that died without cleaning up (its pid runs no more).
        orphan = PortForwardSession.objects.create(
            owner="local", owner_name="local", namespace="default", target_kind="pod", target_name="web-1",
            pod_name="web-1", ports=[[45678, 8080]], worker_id=f"{socket.gethostname()}:999999999:1700000000",
            status="active", heartbeat=timezone.now(),
        )  # fmt: skip
        type(self).server = LiveServer(env=self.server.env).start()

        listing = self.text("list_port_forward_sessions", includeEnded=True)

        orphan.refresh_from_db()
        self.assertEqual((orphan.status, orphan.stopped_by), ("failed", "cleanup"))
        self.assertIn("exited without stopping it", orphan.last_error)
        self.assertIn(f'"sessionId": "{orphan.pk}", "status": "failed"', listing)
