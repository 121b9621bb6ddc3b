"""When the port-forward tools exist: the policy (dry-run never unblocks them) and in-cluster mode."""

from __future__ import annotations

import asyncio
from typing import Any

from django.test import SimpleTestCase

from k8stools.config import ServerConfig
from k8stools.context import ServerContext
from k8stools.log import Logger
from k8stools.policy import Policy, PolicySource
from k8stools.portforward.config import PortForwardConfig
from k8stools.portforward.workflows import PortForwardError
from k8stools.server import KubeMCPServer
from tests.portforward.base import WorkflowTestCase

TOOLS = {"port_forward", "list_port_forward_sessions", "stop_port_forward_session", "stop_all_port_forward_sessions"}
VALID_ARGUMENTS: dict[str, dict[str, Any]] = {
    "port_forward": {"namespace": "default", "resourceName": "web-1", "ports": ["80"]},
    "kubernetes_port_forward": {"namespace": "default", "podName": "web-1", "ports": ["80"]},
    "stop_port_forward_session": {"sessionId": "0b5d4c1e-8a43-4a4e-9d43-7f5c2d1f9a10"},
}


def mcp_server(policy: Policy, *, in_cluster: bool = False) -> KubeMCPServer:
    context = ServerContext(config=ServerConfig(in_cluster=in_cluster), logger=Logger("test.portforward"))
    # A fixed policy: no version to read (the default reads the database's, which a SimpleTestCase may not touch).
    source = PolicySource(lambda: context.config, loader=lambda _defaults: policy, version=lambda: None)
    return KubeMCPServer(server=lambda: context, policy=source, audit_enabled=False)


class ToolGatingTests(SimpleTestCase):
    def listed(self, server: KubeMCPServer) -> dict[str, Any]:
        return {tool.name: tool for tool in asyncio.run(server.list_tools()) if "port_forward" in tool.name}

    def test_non_destructive_mode_hides_and_refuses_all_four_even_with_dry_run(self) -> None:
        for policy in (Policy(), Policy(dry_run=True)):
            with self.subTest(policy=policy):
                server = mcp_server(policy)
                self.assertEqual(self.listed(server), {})
                for name in (*TOOLS, "kubernetes_port_forward"):
                    result = asyncio.run(server.call_tool(name, VALID_ARGUMENTS.get(name, {})))
                    self.assertTrue(result.is_error)
                    self.assertIn("ALLOWED_OPERATIONS=port-forward", result.content[0].text)

    def test_allowing_the_operation_or_turning_non_destructive_off_shows_them_without_aliases(self) -> None:
        for policy in (Policy(allowed_operations=frozenset({"port-forward"})), Policy(non_destructive=False)):
            with self.subTest(policy=policy):
                listed = self.listed(mcp_server(policy))
                self.assertEqual(set(listed), TOOLS)
        annotations = listed["stop_port_forward_session"].annotations
        self.assertEqual((annotations.read_only_hint, annotations.destructive_hint), (False, True))
        self.assertTrue(listed["list_port_forward_sessions"].annotations.read_only_hint)
        self.assertIn("PORT_FORWARD_IN_CLUSTER", listed["port_forward"].description)

    def test_in_cluster_mode_leaves_them_out(self) -> None:
        self.assertEqual(self.listed(mcp_server(Policy(non_destructive=False), in_cluster=True)), {})


class InClusterWorkflowTests(WorkflowTestCase):
    def test_starting_in_cluster_is_refused_unless_the_operator_allows_it(self) -> None:
        self.server.with_config(self.server.config.replace(in_cluster=True))

        with self.assertRaises(PortForwardError) as raised:
            self.start()
        self.assertIn("PORT_FORWARD_IN_CLUSTER=true", str(raised.exception))

        type(self).config = PortForwardConfig(check_seconds=0.1, in_cluster=True)
        self.addCleanup(setattr, type(self), "config", WorkflowTestCase.config)
        self.assertEqual(self.start().status, "active")
