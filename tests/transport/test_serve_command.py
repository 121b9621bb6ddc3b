"""`manage.py serve` over HTTP: migrates, announces where it listens, serves, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import ClassVar

from django.test import SimpleTestCase

from fakekube import FakeCluster
from tests.live import free_port, mcp_client, run
from tests.transport.processes import ManagePy, command_environment


def call_tool(mcp_url: str, name: str) -> tuple[bool, str]:
    async def go() -> tuple[bool, str]:
        async with mcp_client(mcp_url) as client:
            result = await client.call_tool(name, {})
            return bool(result.is_error), result.content[0].text

    return run(go())


class ServeCommandTests(SimpleTestCase):
    data_dir: ClassVar[str]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # One database for the class: the first command migrates it (slow), the others find it migrated.
        directory = tempfile.TemporaryDirectory(prefix="kubemcp-serve-")
        cls.addClassCleanup(directory.cleanup)
        cls.data_dir = directory.name

    def setUp(self) -> None:
        self.port = free_port()
        self.mcp_url = f"http://127.0.0.1:{self.port}/mcp"

    def serve(self, *args: str, **env: str) -> ManagePy:
        command = ManagePy(
            "serve", "--http-addr", f"127.0.0.1:{self.port}", *args, env=command_environment(self.data_dir, **env)
        )
        self.addCleanup(command.stop)
        # A fresh database is migrated first: on a loaded machine that alone can take a good part of 30 s.
        command.wait_until(f"http://127.0.0.1:{self.port}/healthz", timeout=90.0)
        return command

    def test_it_migrates_serves_a_cluster_and_exits_cleanly_on_sigterm(self) -> None:
        cluster = FakeCluster()
        with cluster.serve() as running:
            kubeconfig = str(running.write_kubeconfig(Path(self.data_dir) / "kubeconfig"))
            command = self.serve(KUBECONFIG=kubeconfig)
            self.assertEqual(
                call_tool(self.mcp_url, "context_get_current"),
                (False, "fake (cluster fake-cluster, user fake-user, namespace default)"),
            )
            started = time.monotonic()
            self.assertEqual(command.stop(), 0, command.stderr)
            self.assertLess(time.monotonic() - started, 5.0)
        self.assertIn(f"kubemcp serving MCP at {self.mcp_url}", command.stdout)
        self.assertNotIn("no usable kubeconfig", command.stderr)
        with sqlite3.connect(Path(self.data_dir) / "db.sqlite3") as database:
            applied = {app for (app,) in database.execute("SELECT app FROM django_migrations")}
        self.assertIn("k8stools", applied)

    def test_demo_serves_a_seeded_cluster_and_prints_a_client_configuration(self) -> None:
        command = self.serve(
            "--demo", "--demo-pods", "6", "--demo-namespaces", "2", KUBECONFIG="/nonexistent/kubeconfig"
        )
        self.assertEqual(call_tool(self.mcp_url, "context_get_current")[0], False)
        self.assertEqual(command.stop(), 0, command.stderr)
        self.assertIn("demo cluster: 6 pods in 2 namespaces", command.stdout)
        [snippet] = [line for line in command.stdout.splitlines() if line.startswith("client configuration: ")]
        config = json.loads(snippet.removeprefix("client configuration: "))
        self.assertEqual(config, {"mcpServers": {"kubemcp": {"url": self.mcp_url}}})
        self.assertIn(f"admin console: http://127.0.0.1:{self.port}/admin/ (user demo, password ", command.stdout)
        self.assertIn("(the demo's own database)", command.stderr)
        self.assertNotIn("no usable kubeconfig", command.stderr)

    def test_without_a_kubeconfig_it_says_so_in_one_line_and_tools_answer_with_the_error(self) -> None:
        command = self.serve(KUBECONFIG=str(Path(self.data_dir) / "missing"))
        is_error, text = call_tool(self.mcp_url, "context_get_current")
        self.assertTrue(is_error)
        self.assertIn("no usable kubeconfig", text)
        self.assertEqual(command.stop(), 0)
        warnings = [line for line in command.stderr.splitlines() if "no usable kubeconfig" in line]
        self.assertEqual(len(warnings), 1, command.stderr)
        self.assertTrue(warnings[0].startswith("kubemcp: no usable kubeconfig at "), warnings[0])
        self.assertIn("serving anyway", warnings[0])

    def test_a_busy_port_is_an_error_not_a_silent_exit(self) -> None:
        self.serve(KUBECONFIG="/nonexistent")
        second = ManagePy(
            "serve",
            "--http-addr",
            f"127.0.0.1:{self.port}",
            env=command_environment(self.data_dir, KUBECONFIG="/nonexistent"),
        )
        self.addCleanup(second.stop)
        second.process.wait(timeout=30)
        second.stop()
        self.assertNotEqual(second.process.returncode, 0)
        self.assertIn(f"could not listen on 127.0.0.1:{self.port}", second.stderr)

    def test_a_malformed_address_is_refused(self) -> None:
        command = ManagePy("serve", "--http-addr", "localhost", env=command_environment(self.data_dir))
        self.addCleanup(command.stop)
        command.process.wait(timeout=30)
        command.stop()
        self.assertEqual(command.process.returncode, 2)
        self.assertIn("HOST:PORT", command.stderr)

    def test_a_database_it_cannot_open_is_a_one_line_error(self) -> None:
        env = command_environment(
            self.data_dir, DATABASE_URL=f"postgres://kubemcp:secret@127.0.0.1:{free_port()}/kubemcp"
        )
        command = ManagePy("serve", "--http-addr", f"127.0.0.1:{self.port}", env=env)
        self.addCleanup(command.stop)
        command.process.wait(timeout=60)
        command.stop()
        self.assertEqual(command.process.returncode, 1)
        self.assertIn("cannot apply the database migrations", command.stderr)
        self.assertNotIn("Traceback", command.stderr)
