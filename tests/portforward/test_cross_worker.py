"""Two daphne workers sharing PostgreSQL and Redis: a session started through one is stopped through the other,
by a tool call or by the admin's stop action.

Both servers run on this machine (CI starts them); when one is not reachable the test fails and says so.
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from django.test import SimpleTestCase

from fakekube import FakeCluster
from k8stools.models import PortForwardSession
from tests.live import LiveServer, LiveServerTestCase, mcp_client, run, serve_cluster
from tests.multiworker.backends import create_database, create_superuser, redis_url, shared_environment, sql
from tests.multiworker.staff import StaffSession
from tests.portforward.support import (
    EchoServer,
    answer,
    local_ports_of,
    refuses_connections,
    round_trip,
    serve_echo_pod,
    wait_for,
)

STAFF, STAFF_PASSWORD = "olga", "olga-password-1234"


class CrossWorkerStopTests(SimpleTestCase):
    database: ClassVar[str]
    worker_a: ClassVar[LiveServer]
    worker_b: ClassVar[LiveServer]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.start(cls.enterClassContext(contextlib.ExitStack()))  # closed with the class, or if start fails

    @classmethod
    def start(cls, stack: contextlib.ExitStack) -> None:
        cls.database = create_database(stack, "kubemcp_pf")
        cluster = FakeCluster()
        serve_echo_pod(cls, cluster)
        env = shared_environment(
            cls.database,
            redis_url(stack),
            **serve_cluster(stack, cluster),
            ALLOWED_OPERATIONS="port-forward",
            # Far beyond the test: only the message through Redis can close the listener in time.
            PORT_FORWARD_CHECK_SECONDS="300",
        )
        create_superuser(env, STAFF, STAFF_PASSWORD)
        cls.worker_a = LiveServer(env=env)
        cls.worker_b = LiveServer(env=env)
        for worker in (cls.worker_a, cls.worker_b):
            stack.callback(worker.stop)
            worker.start()

    def call(self, worker: LiveServer, tool: str, **arguments: Any) -> str:
        async def go() -> Any:
            async with mcp_client(worker.mcp_url) as client:
                return await client.call_tool(tool, arguments)

        result = run(go())
        text = "".join(getattr(block, "text", "") for block in result.content)
        self.assertFalse(result.is_error, f"{tool} on {worker.url} failed: {text}")
        return text

    def row(self, session_id: str) -> tuple[str, str, str]:
        rows = sql(self.database, "SELECT status, stopped_by, worker_id FROM k8stools_portforwardsession WHERE id = %s",
                   (session_id,))  # fmt: skip
        self.assertEqual(len(rows), 1, f"no row for session {session_id}")
        return rows[0][0], rows[0][1], rows[0][2]

    def start_through_a(self) -> tuple[str, int]:
        """A session started through worker A, which holds its listener: its id and local port."""
        started = answer(self.call(self.worker_a, "port_forward", namespace="default", resourceName="web-1",
                                   ports=["8080"]))  # fmt: skip
        [port] = local_ports_of(started)
        self.assertEqual(round_trip(port, b"through worker A"), b"through worker A")
        status, _, worker_id = self.row(started["sessionId"])
        assert self.worker_a.process is not None
        self.assertEqual((status, worker_id.split(":")[1]), ("active", str(self.worker_a.process.pid)))
        return started["sessionId"], port

    def test_a_stop_through_one_worker_closes_the_listener_held_by_the_other(self) -> None:
        session_id, port = self.start_through_a()

        stopped = self.call(self.worker_b, "stop_port_forward_session", sessionId=session_id)

        self.assertIn("stopped successfully; its local ports are closed", stopped)
        self.assertTrue(refuses_connections(port))
        self.assertEqual(self.row(session_id)[:2], ("stopped", "local"))
        self.assertIn("No active port forwarding sessions.", self.call(self.worker_a, "list_port_forward_sessions"))

    def test_a_stop_pressed_in_the_admin_of_one_worker_closes_the_listener_held_by_the_other(self) -> None:
        session_id, port = self.start_through_a()
        staff = StaffSession(self.worker_b.url, STAFF, STAFF_PASSWORD)

        message = staff.action("/admin/k8stools/portforwardsession/", "stop_sessions", [session_id])

        self.assertEqual(message, ("success", "1 session(s) stopped, 0 had already ended."))
        self.assertTrue(refuses_connections(port))
        self.assertEqual(self.row(session_id)[:2], ("stopped", STAFF))
        self.assertIn("No active port forwarding sessions.", self.call(self.worker_a, "list_port_forward_sessions"))


class WithoutSharedChannelLayerTests(LiveServerTestCase):
    """Two workers on one database but no Redis: a stop reaches the holding worker through its next check."""

    seed: ClassVar[dict[str, int]] = {"pods": 1, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {"ALLOWED_OPERATIONS": "port-forward", "PORT_FORWARD_CHECK_SECONDS": "0.2"}
    echo: ClassVar[EchoServer]
    worker_b: ClassVar[LiveServer]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.echo = serve_echo_pod(cls, cls.fake)
        cls.worker_b = LiveServer(env=cls.server.env).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.worker_b.stop()
        super().tearDownClass()

    def test_the_stop_is_recorded_at_once_and_the_listener_closes_at_the_holders_next_check(self) -> None:
        started = answer(self.text("port_forward", namespace="default", resourceName="web-1", ports=["8080"]))
        [port] = local_ports_of(started)

        async def stop_through_b() -> Any:
            async with mcp_client(self.worker_b.mcp_url) as client:
                return await client.call_tool("stop_port_forward_session", {"sessionId": started["sessionId"]})

        result = run(stop_through_b())

        text = "".join(getattr(block, "text", "") for block in result.content)
        self.assertFalse(result.is_error, text)
        self.assertIn("closes the local ports at its next check (within 0.2s)", text)
        self.assertEqual(PortForwardSession.objects.get(pk=started["sessionId"]).status, "stopped")
        wait_for(lambda: refuses_connections(port), timeout=5)
