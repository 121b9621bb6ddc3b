"""`manage.py fakecluster`: a seeded fake API server in the foreground, its kubeconfig written once it listens."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx2
import yaml
from django.test import SimpleTestCase

from tests.live import free_port
from tests.transport.processes import ManagePy, command_environment


class FakeclusterCommandTests(SimpleTestCase):
    def test_it_serves_the_seeded_pods_and_stops_cleanly_on_sigterm(self) -> None:
        with tempfile.TemporaryDirectory(prefix="kubemcp-fake-") as directory:
            kubeconfig = Path(directory) / "kubeconfig"
            port = free_port()
            command = ManagePy(
                "fakecluster",
                "--port",
                str(port),
                "--kubeconfig",
                str(kubeconfig),
                "--pods",
                "7",
                "--namespaces",
                "2",
                env=command_environment(directory),
            )
            self.addCleanup(command.stop)
            command.wait_until(str(kubeconfig))
            server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
            self.assertEqual(server, f"http://127.0.0.1:{port}")
            pods = httpx2.get(f"{server}/api/v1/pods", timeout=10).json()["items"]
            self.assertEqual(len(pods), 7)
            self.assertEqual(command.stop(), 0, command.stderr)
            self.assertIn(f"listening on {server}", command.stdout)
