"""Random arguments for every tool, from its input schema plus junk: a result or a tool error, never a protocol
crash, and under the default (non-destructive) policy nothing reaches the API server that changes state."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx2
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TransactionTestCase as HypothesisTransactionTestCase

from tests.live import LiveServerTestCase
from tests.reliability.fuzzing import FUZZ_SETTINGS, arguments_for, json_values, post
from tests.transport.raw import json_rpc_messages

INVALID_PARAMS = -32602
# Mutating tools the default policy hides from tools/list; calling them anyway must change nothing.
ACCESS_REVIEWS = ("selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews")
HIDDEN_MUTATING_TOOLS = ("create", "apply", "delete", "patch", "scale", "rollout", "exec", "port_forward")


class FuzzedToolArgumentsTests(LiveServerTestCase, HypothesisTransactionTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 4, "namespaces": 2}
    tools: ClassVar[list[dict[str, Any]]]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        with httpx2.Client(timeout=30) as http:
            response = post(http, cls.server.mcp_url, b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}')
        cls.tools = json_rpc_messages(response)[0]["result"]["tools"]

    def setUp(self) -> None:
        super().setUp()
        self.http = httpx2.Client(timeout=60)
        self.addCleanup(self.http.close)

    def call(self, tool: str, arguments: Any) -> dict[str, Any]:  # type: ignore[override]
        """One raw `tools/call`; the JSON-RPC answer, after checking it is not a protocol failure."""
        body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
        response = post(self.http, self.server.mcp_url, json.dumps(body).encode())
        shown = f"{tool}({json.dumps(arguments)[:300]}) got {response.status_code}: {response.text[:500]}"
        self.assertEqual(response.status_code, 200, shown)
        [message] = [message for message in json_rpc_messages(response) if message.get("id") == 7]
        if "error" in message:
            # Arguments that are not an object at all are the one thing refused at the protocol level.
            self.assertEqual(message["error"]["code"], INVALID_PARAMS, shown)
            self.assertNotIsInstance(arguments, dict, shown)
            return message
        text = "".join(block.get("text", "") for block in message["result"]["content"])
        self.assertNotIn("Traceback", text, shown)
        self.assertNotIn("internal error", text.lower(), shown)
        return message

    def test_the_fuzzer_covers_every_listed_tool(self) -> None:
        self.assertGreaterEqual(len(self.tools), 10, [tool["name"] for tool in self.tools])

    @FUZZ_SETTINGS
    @given(data=st.data())
    def test_schema_shaped_arguments_get_a_result_or_a_tool_error(self, data: st.DataObject) -> None:
        tool = data.draw(st.sampled_from(self.tools), label="tool")
        arguments = data.draw(arguments_for(tool["inputSchema"]), label="arguments")
        self.fake.clear_requests()
        self.call(tool["name"], arguments)
        self.assertEqual(self.state_changes(), [])

    @FUZZ_SETTINGS
    @given(data=st.data())
    def test_junk_arguments_get_a_result_or_a_tool_error(self, data: st.DataObject) -> None:
        names = [tool["name"] for tool in self.tools] + list(HIDDEN_MUTATING_TOOLS)
        tool = data.draw(st.sampled_from(names), label="tool")
        self.fake.clear_requests()
        self.call(tool, data.draw(json_values, label="arguments"))
        self.assertEqual(self.state_changes(), [])

    def test_a_hidden_mutating_tool_is_refused_without_touching_the_cluster(self) -> None:
        pod = self.fake.list_objects("pods")[0]["metadata"]
        self.fake.clear_requests()
        message = self.call("delete", {"resourceType": "pods", "name": pod["name"], "namespace": pod["namespace"]})
        self.assertTrue(message["result"]["isError"], message)
        self.assertEqual(self.state_changes(), [])
        self.assertIsNotNone(self.fake.get_object("pods", pod["namespace"], pod["name"]))

    def test_can_i_about_an_empty_resource_is_a_tool_error_that_says_so(self) -> None:
        # Found by the schema fuzzer: it was an internal error (KeyError) in can_i.
        message = self.call("can_i", {"verb": "get", "resource": " /log"})
        text = message["result"]["content"][0]["text"]
        self.assertTrue(message["result"]["isError"], text)
        self.assertIn("resource is empty", text)

    def state_changes(self) -> list[Any]:
        """Requests that changed state. The fake counts node proxy reads (node_stats, node_logs) as connects and
        access reviews (can_i) as creates; a GET through the node proxy reads and a review stores nothing."""
        return [
            entry
            for entry in self.fake.mutations()
            if not (entry.method == "GET" and entry.resource == "nodes" and entry.subresource == "proxy")
            and entry.resource not in ACCESS_REVIEWS
        ]
