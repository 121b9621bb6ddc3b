"""Two daphne workers sharing PostgreSQL and Redis: a session started through one is stopped through the other.

Both servers run on this machine (CI starts them); when one is not reachable the test fails and says so.
"""

from __future__ import annotations

import contextlib
import random
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any, ClassVar

import psycopg
import redis
from django.test import SimpleTestCase

from fakekube import FakeCluster
from k8stools.models import PortForwardSession
from tests.live import BASE_DIR, LiveServer, LiveServerTestCase, mcp_client, run, server_environment
from tests.portforward.support import (
    EchoServer,
    add_echo_pod,
    answer,
    local_ports_of,
    refuses_connections,
    round_trip,
    wait_for,
)

POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER = "127.0.0.1", 5432, "postgres"
POSTGRES = f"host={POSTGRES_HOST} port={POSTGRES_PORT} user={POSTGRES_USER} connect_timeout=5"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


class CrossWorkerStopTests(SimpleTestCase):
    def setUp(self) -> None:
        self.stack = contextlib.ExitStack()
        self.addCleanup(self.stack.close)
        database = self.create_database()
        redis_url = self.redis_url()
        directory = self.stack.enter_context(tempfile.TemporaryDirectory(prefix="kubemcp-xworker-"))
        cluster = FakeCluster()
        self.echo = EchoServer()
        self.stack.callback(self.echo.close)
        add_echo_pod(cluster, self.echo, "web-1")
        running = self.stack.enter_context(cluster.serve())
        kubeconfig = str(Path(directory) / "kubeconfig")
        running.write_kubeconfig(kubeconfig)
        env = server_environment(
            DATABASE_URL=f"postgres://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{database}",
            REDIS_URL=redis_url,
            KUBECONFIG=kubeconfig,
            DATA_DIR=directory,
            ALLOWED_OPERATIONS="port-forward",
            # Far beyond the test: only the message through Redis can close the listener in time.
            PORT_FORWARD_CHECK_SECONDS="300",
        )
        migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=BASE_DIR, env=env,
                                 capture_output=True, text=True, timeout=120)  # fmt: skip
        self.assertEqual(migrate.returncode, 0, migrate.stderr)
        self.worker_a = LiveServer(env=env)
        self.worker_b = LiveServer(env=env)
        for worker in (self.worker_a, self.worker_b):
            self.stack.callback(worker.stop)
            worker.start()
        self.database = database

    def create_database(self) -> str:
        name = f"kubemcp_pf_{uuid.uuid4().hex[:12]}"
        try:
            admin = psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True)
        except psycopg.OperationalError as error:
            self.fail(f"PostgreSQL is not reachable at {POSTGRES_HOST}:{POSTGRES_PORT} as {POSTGRES_USER} "
                      f"(CI starts it; start it locally to run this test): {error}")  # fmt: skip
        with admin:
            admin.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        self.stack.callback(drop)  # after the workers stop: callbacks run last-in, first-out
        return name

    def redis_url(self) -> str:
        number = random.randint(1, 15)
        try:
            redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number, socket_connect_timeout=5).ping()
        except redis.RedisError as error:
            self.fail(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT} (CI starts it; start it locally to run "
                      f"this test): {error}")  # fmt: skip
        return f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"

    def call(self, worker: LiveServer, tool: str, **arguments: Any) -> str:
        async def go() -> Any:
            async with mcp_client(worker.mcp_url) as client:
                return await client.call_tool(tool, arguments)

        result = run(go())
        text = "".join(getattr(block, "text", "") for block in result.content)
        self.assertFalse(result.is_error, f"{tool} on {worker.url} failed: {text}")
        return text

    def row(self, session_id: str) -> tuple[str, str, str]:
        with psycopg.connect(f"{POSTGRES} dbname={self.database}") as connection:
            found = connection.execute(
                "SELECT status, stopped_by, worker_id FROM k8stools_portforwardsession WHERE id = %s", (session_id,)
            ).fetchone()
        assert found is not None, f"no row for session {session_id}"
        return found[0], found[1], found[2]

    def test_a_stop_through_one_worker_closes_the_listener_held_by_the_other(self) -> None:
        started = answer(self.call(self.worker_a, "port_forward", namespace="default", resourceName="web-1",
                                   ports=["8080"]))  # fmt: skip
        [port] = local_ports_of(started)
        self.assertEqual(round_trip(port, b"through worker A"), b"through worker A")
        status, _, worker_id = self.row(started["sessionId"])
        assert self.worker_a.process is not None
        self.assertEqual((status, worker_id.split(":")[1]), ("active", str(self.worker_a.process.pid)))

        stopped = self.call(self.worker_b, "stop_port_forward_session", sessionId=started["sessionId"])

        self.assertIn("stopped successfully; its local ports are closed", stopped)
        self.assertTrue(refuses_connections(port))
        self.assertEqual(self.row(started["sessionId"])[:2], ("stopped", "local"))
        self.assertIn("No active port forwarding sessions.", self.call(self.worker_a, "list_port_forward_sessions"))


class WithoutSharedChannelLayerTests(LiveServerTestCase):
    """Two workers on one database but no Redis: a stop reaches the holding worker through its next check."""

    seed: ClassVar[dict[str, int]] = {"pods": 1, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {"ALLOWED_OPERATIONS": "port-forward", "PORT_FORWARD_CHECK_SECONDS": "0.2"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.echo = EchoServer()
        add_echo_pod(cls.fake, cls.echo, "web-1")
        cls.worker_b = LiveServer(env=cls.server.env).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.worker_b.stop()
        cls.echo.close()
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
