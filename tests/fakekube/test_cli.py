"""`python -m fakekube`: a seeded server in the foreground that writes its kubeconfig once listening."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
import unittest

from kubernetes import client, config

from fakekube.cli import main


class CommandLineTests(unittest.TestCase):
    def test_it_serves_a_seeded_cluster_and_writes_a_kubeconfig(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "kubeconfig")
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "fakekube",
                    "--port",
                    "0",
                    "--kubeconfig",
                    path,
                    "--pods",
                    "12",
                    "--namespaces",
                    "2",
                ],
                stdout=subprocess.PIPE,
                text=True,
                cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
            )
            self.addCleanup(server.wait, 10)
            self.addCleanup(server.terminate)
            announced = server.stdout.readline() if server.stdout else ""
            self.assertIn("listening on http://127.0.0.1:", announced)
            deadline = time.monotonic() + 10
            while not os.path.exists(path) and time.monotonic() < deadline:
                time.sleep(0.05)
            api = config.new_client_from_config(config_file=path)
            self.addCleanup(api.close)
            self.assertEqual(len(client.CoreV1Api(api).list_pod_for_all_namespaces().items), 12)
            if server.stdout:
                server.stdout.close()

    def test_it_refuses_a_malformed_token_option(self) -> None:
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            self.assertEqual(main(["--token", "no-user-here"]), 2)
        self.assertIn("--token expects TOKEN=USER", errors.getvalue())
