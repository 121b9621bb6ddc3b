"""CONFIRM_DESTRUCTIVE modes with a client that can be asked neither way (no elicitation, no input-required):
`ask` proceeds as before, `required` refuses and sends nothing, `off` never asks; a dry-run policy needs no yes."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path

from django.test import TransactionTestCase

from fakekube.cluster import FakeCluster
from k8stools.config import ServerConfig
from k8stools.context import ServerContext
from k8stools.kube import KubeClientFactory
from k8stools.log import Logger
from k8stools.policy import Policy, PolicySource
from k8stools.server import KubeMCPServer
from tests.tools_write.base import configmap


class ConfirmationModeTests(TransactionTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.stack = contextlib.ExitStack()
        cls.fake = FakeCluster()
        running = cls.stack.enter_context(cls.fake.serve())
        directory = cls.stack.enter_context(tempfile.TemporaryDirectory())
        kubeconfig = str(Path(directory) / "kubeconfig")
        running.write_kubeconfig(kubeconfig)
        cls.context = ServerContext(
            config=ServerConfig(kubeconfig=kubeconfig),
            client_factory=KubeClientFactory(kubeconfig=kubeconfig),
            logger=Logger("test.confirmation"),
        )
        cls.stack.callback(cls.context.shutdown)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.stack.close()
        super().tearDownClass()

    def delete(self, mode: str, policy: Policy, name: str) -> tuple[bool, str]:
        source = PolicySource(lambda: self.context.config, loader=lambda _defaults: policy)
        server = KubeMCPServer(server=lambda: self.context, policy=source, audit_enabled=False)
        server.confirm_mode = mode
        self.fake.add_object(configmap(name, "default"))
        self.fake.clear_requests()
        result = asyncio.run(server.call_tool("delete", {"resourceType": "configmaps", "name": name}))
        return bool(result.is_error), result.content[0].text

    def test_required_refuses_a_client_that_cannot_be_asked_and_sends_nothing(self) -> None:
        before = self.context.metrics.value("destructive_confirmations_total", verdict="unsupported")
        is_error, text = self.delete("required", Policy(non_destructive=False), "kept")
        after = self.context.metrics.value("destructive_confirmations_total", verdict="unsupported")
        self.assertEqual(after, before + 1)
        self.assertTrue(is_error)
        self.assertIn("CONFIRM_DESTRUCTIVE=required", text)
        self.assertIsNotNone(self.fake.get_object("configmaps", "default", "kept"))
        self.assertEqual(self.fake.mutations(), [])

    def test_ask_and_off_proceed_as_before_with_such_a_client(self) -> None:
        for mode in ("ask", "off"):
            with self.subTest(mode=mode):
                is_error, text = self.delete(mode, Policy(non_destructive=False), f"gone-{mode}")
                self.assertFalse(is_error, text)
                self.assertIsNone(self.fake.get_object("configmaps", "default", f"gone-{mode}"))

    def test_a_dry_run_policy_changes_nothing_so_nothing_needs_confirming(self) -> None:
        is_error, text = self.delete("required", Policy(non_destructive=False, dry_run=True), "simulated")
        self.assertFalse(is_error, text)
        self.assertIsNotNone(self.fake.get_object("configmaps", "default", "simulated"))
        self.assertEqual(self.fake.mutations(), [])
