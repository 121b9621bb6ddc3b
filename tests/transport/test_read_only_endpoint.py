"""`/mcp/read-only`: the same server with the policy narrowed to reading, whatever the admin allows at `/mcp`."""

from __future__ import annotations

import unittest
from typing import Any

from k8stools.policy import Policy
from k8stools.read_only import narrowed_to_reading
from tests.live import mcp_client, run
from tests.tools_write.base import WritingTestCase, configmap


class NarrowedPolicyTests(unittest.TestCase):
    def test_no_mutation_survives_narrowing_and_namespace_restrictions_stay(self) -> None:
        generous = Policy(
            non_destructive=False,
            dry_run=True,
            allowed_operations=frozenset({"delete", "exec"}),
            restricted_namespaces=frozenset({"kube-system"}),
        )
        reading = narrowed_to_reading(generous)
        for operation in ("create", "apply", "delete", "patch", "scale", "rollout", "exec", "helm", "node-management"):
            self.assertFalse(reading.allows(operation), operation)
        self.assertTrue(reading.allows("get"))
        self.assertEqual(reading.restricted_namespaces, frozenset({"kube-system"}))


class ReadOnlyEndpointTest(WritingTestCase):
    """The server may write at /mcp (NON_DESTRUCTIVE=false); /mcp/read-only still refuses."""

    def at_read_only(self, body: Any, mode: str) -> Any:
        async def go() -> Any:
            async with mcp_client(f"{self.server.url}/mcp/read-only", mode=mode) as client:
                return await body(client)

        return run(go())

    def test_it_refuses_a_write_the_main_endpoint_allows_in_both_eras(self) -> None:
        for mode in ("legacy", "auto"):
            with self.subTest(mode=mode):
                self.fake.add_object(configmap("kept", "default"))
                self.fake.clear_requests()

                async def delete(client: Any) -> Any:
                    return await client.call_tool("delete", {"resourceType": "cm", "name": "kept"})

                result = self.at_read_only(delete, mode)
                self.assertTrue(result.is_error)
                self.assertIn("not allowed", result.content[0].text)
                self.assertIsNotNone(self.fake.get_object("configmaps", "default", "kept"))
                self.assertEqual(self.fake.mutations(), [])
                # The same call at /mcp deletes it.
                self.assertEqual(self.text("delete", resourceType="cm", name="kept"), 'configmap "kept" deleted')

    def test_it_lists_no_mutating_tool_but_reads(self) -> None:
        async def tools_and_a_read(client: Any) -> tuple[set[str], Any]:
            listed = await client.list_tools()
            return {tool.name for tool in listed.tools}, await client.call_tool("list", {"resourceType": "pods"})

        names, result = self.at_read_only(tools_and_a_read, "auto")
        self.assertIn("get", names)
        self.assertTrue({"delete", "apply", "scale", "exec", "create"}.isdisjoint(names), names)
        self.assertFalse(result.is_error, result.content[0].text)
