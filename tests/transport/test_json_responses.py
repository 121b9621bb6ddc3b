"""With MCP_JSON_RESPONSE every request, and by default every prompt answer with nothing else to send, is
answered with one JSON body; MCP_SSE_AFTER_SECONDS=0 streams every answer."""

from __future__ import annotations

from typing import ClassVar

from tests.live import LiveServerTestCase
from tests.transport.raw import PING, json_rpc_messages, modern_request, send


class JsonResponseTests(LiveServerTestCase):
    server_env: ClassVar[dict[str, str]] = {"MCP_JSON_RESPONSE": "true"}

    def test_requests_of_both_eras_get_a_json_body(self) -> None:
        response = send(self.server.mcp_url, PING, headers={"accept": "application/json"})
        self.assertEqual(response.headers["content-type"], "application/json")
        self.assertEqual(response.json(), {"jsonrpc": "2.0", "id": 1, "result": {}})
        body, headers = modern_request("tools/call", {"name": "context_list", "arguments": {}})
        response = send(self.server.mcp_url, body, headers={**headers, "accept": "application/json"})
        self.assertEqual(response.headers["content-type"], "application/json")
        self.assertIn("fake", response.json()["result"]["content"][0]["text"])

    def test_sdk_clients_of_both_eras_work(self) -> None:
        for mode in ("legacy", "auto"):
            with self.subTest(mode):
                self.assertIn("fake", self.call("context_list", mode=mode).content[0].text)


class DefaultResponseTests(LiveServerTestCase):
    def test_a_prompt_answer_is_one_json_body_which_the_sdk_client_reads(self) -> None:
        response = send(self.server.mcp_url, PING)
        self.assertEqual(response.headers["content-type"], "application/json")
        self.assertEqual(response.json(), {"jsonrpc": "2.0", "id": 1, "result": {}})
        self.assertIn("fake", self.call("context_list", mode="legacy").content[0].text)


class StreamEveryAnswerTests(LiveServerTestCase):
    server_env: ClassVar[dict[str, str]] = {"MCP_SSE_AFTER_SECONDS": "0"}

    def test_requests_get_an_event_stream(self) -> None:
        response = send(self.server.mcp_url, PING)
        self.assertTrue(response.headers["content-type"].startswith("text/event-stream"))
        self.assertEqual(json_rpc_messages(response), [{"jsonrpc": "2.0", "id": 1, "result": {}}])
