"""Credentials from a kubeconfig reach a real (fake) API server over HTTPS, with and without the `kubernetes` loader."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import yaml

from fakekube import FakeCluster
from k8stools.kube import KubeClientFactory, KubeConfigError

BASE_DIR = Path(__file__).resolve().parents[2]


class KubeConnectionTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.cluster = FakeCluster()
        cls.cluster.seed(pods=3, namespaces=1)
        cls.cluster.require_auth({"file-token": "alice", "exec-token": "bob", "inline-token": "carol"})
        cls.running = cls.cluster.serve(tls=True)
        cls.directory = Path(tempfile.mkdtemp(prefix="kubemcp-connection-"))
        (cls.directory / "token").write_text("file-token\n")
        plugin = cls.directory / "credential-plugin"
        credential = {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential"}
        credential["status"] = {"token": "exec-token"}
        plugin.write_text(f"#!/bin/sh\necho '{json.dumps(credential)}'\n")
        plugin.chmod(0o755)
        cluster = {
            "server": cls.running.url,
            "certificate-authority-data": base64.b64encode(cls.running.ca_pem).decode(),
        }
        exec_user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin)}}
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": cluster}],
            "users": [
                {"name": "file", "user": {"tokenFile": "token"}},
                {"name": "exec", "user": exec_user},
                {"name": "inline", "user": {"token": "inline-token"}},
            ],
            "contexts": [
                {"name": "by-file", "context": {"cluster": "fake", "user": "file"}},
                {"name": "by-exec", "context": {"cluster": "fake", "user": "exec"}},
                {"name": "inline", "context": {"cluster": "fake", "user": "inline"}},
            ],
            "current-context": "by-file",
        }
        cls.kubeconfig = cls.directory / "config"
        cls.kubeconfig.write_text(yaml.safe_dump(config))

    @classmethod
    def tearDownClass(cls) -> None:
        cls.running.stop()

    def setUp(self) -> None:
        self.factory = KubeClientFactory(kubeconfig=str(self.kubeconfig))
        self.addCleanup(self.factory.close)
        self.cluster.clear_requests()

    def identities(self) -> list[str | None]:
        return [entry.identity for entry in self.cluster.requests]

    def test_it_reads_a_token_file_relative_to_the_kubeconfig_and_trusts_the_inline_ca(self) -> None:
        pods = self.factory.for_context().request("GET", "/api/v1/pods")
        self.assertEqual(len(pods["items"]), 3)
        self.assertEqual(self.identities(), ["alice"])

    def test_an_exec_plugin_is_run_through_the_kubernetes_loader(self) -> None:
        self.factory.for_context("by-exec").request("GET", "/api/v1/namespaces")
        self.assertEqual(self.identities(), ["bob"])

    def test_a_bearer_token_client_keeps_the_server_and_ca_and_drops_our_credentials(self) -> None:
        self.factory.for_bearer_token("exec-token", context="inline").request("GET", "/api/v1/namespaces")
        self.assertEqual(self.identities(), ["bob"])

    def test_the_websocket_client_carries_the_same_credentials(self) -> None:
        configuration = self.factory.for_context("inline").api_client.configuration
        self.assertEqual(configuration.host, self.running.url)
        self.assertEqual(configuration.auth_settings()["BearerToken"]["value"], "Bearer inline-token")

    def test_an_unknown_context_is_a_kubeconfig_error_naming_it(self) -> None:
        with self.assertRaises(KubeConfigError) as raised:
            self.factory.for_context("nope")
        self.assertIn("no context named 'nope'", str(raised.exception))

    def test_a_missing_kubeconfig_is_a_kubeconfig_error(self) -> None:
        factory = KubeClientFactory(kubeconfig=str(self.directory / "absent"))
        with self.assertRaises(KubeConfigError) as raised:
            factory.default_context_name()
        self.assertIn("no usable kubeconfig at", str(raised.exception))

    def test_plain_credentials_do_not_import_the_kubernetes_package(self) -> None:
        script = (
            "import sys; from k8stools.kube import KubeClientFactory; "
            f"c = KubeClientFactory(kubeconfig={str(self.kubeconfig)!r}).for_context('inline'); "
            "c.request('GET', '/api/v1/namespaces'); print('kubernetes' in sys.modules)"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=BASE_DIR, capture_output=True, text=True, env=dict(os.environ)
        )
        self.assertEqual(done.stdout.strip(), "False", done.stderr)
