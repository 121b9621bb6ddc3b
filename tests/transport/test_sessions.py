"""Sessions: none by default (any worker answers any request); the 2025-11-25 session flow with MCP_STATEFUL."""

from __future__ import annotations

from typing import Any, ClassVar

from tests.live import LiveServerTestCase
from tests.transport.raw import INITIALIZE, PING, json_rpc_messages, modern_request, send


class StatelessTests(LiveServerTestCase):
    def test_initialize_hands_out_no_session(self) -> None:
        response = send(self.server.mcp_url, INITIALIZE)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("mcp-session-id", response.headers)

    def test_a_tool_call_without_session_or_handshake_works_in_both_eras(self) -> None:
        legacy = {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "tools/call",
            "params": {"name": "context_list", "arguments": {}},
        }
        [answer] = json_rpc_messages(send(self.server.mcp_url, legacy, headers={"mcp-protocol-version": "2025-11-25"}))
        self.assertIn("fake", answer["result"]["content"][0]["text"])
        body, headers = modern_request("tools/call", {"name": "context_list", "arguments": {}})
        [answer] = json_rpc_messages(send(self.server.mcp_url, body, headers=headers))
        self.assertIn("fake", answer["result"]["content"][0]["text"])

    def test_sdk_clients_of_both_eras_call_tools(self) -> None:
        for mode in ("legacy", "auto"):
            with self.subTest(mode):
                self.assertIn("fake", self.call("context_list", mode=mode).content[0].text)


class StatefulTests(LiveServerTestCase):
    server_env: ClassVar[dict[str, str]] = {"MCP_STATEFUL": "true"}

    def open_session(self) -> str:
        response = send(self.server.mcp_url, INITIALIZE)
        self.assertEqual(response.status_code, 200, response.text)
        session = response.headers["mcp-session-id"]
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        self.assertEqual(send(self.server.mcp_url, initialized, headers={"mcp-session-id": session}).status_code, 202)
        return session

    def test_a_session_serves_requests_until_deleted(self) -> None:
        session = self.open_session()
        headers = {"mcp-session-id": session, "mcp-protocol-version": "2025-11-25"}
        response = send(self.server.mcp_url, PING, headers=headers)
        self.assertEqual(response.headers["mcp-session-id"], session)
        self.assertEqual(json_rpc_messages(response), [{"jsonrpc": "2.0", "id": 1, "result": {}}])

        self.assertEqual(send(self.server.mcp_url, method="DELETE", headers=headers).status_code, 200)

        gone = send(self.server.mcp_url, PING, headers=headers)
        self.assertEqual(gone.status_code, 404)
        self.assertEqual(gone.json()["error"]["code"], -32600)

    def test_an_unknown_session_is_not_found(self) -> None:
        response = send(self.server.mcp_url, PING, headers={"mcp-session-id": "0123456789abcdef"})
        self.assertEqual(response.status_code, 404)

    def test_the_sdk_client_keeps_its_session_across_calls(self) -> None:
        async def two_calls(client: Any) -> tuple[str, str]:
            first = await client.call_tool("context_get_current", {})
            second = await client.call_tool("context_list", {})
            return first.content[0].text, second.content[0].text

        current, listing = self.with_client(two_calls, mode="legacy")
        self.assertTrue(current.startswith("fake"))
        self.assertIn("other", listing)
