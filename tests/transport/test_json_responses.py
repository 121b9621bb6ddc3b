"""With MCP_JSON_RESPONSE, a request is answered with one JSON body instead of an SSE stream."""

from __future__ import annotations

from typing import ClassVar

from tests.live import LiveServerTestCase
from tests.transport.raw import PING, modern_request, send


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


class SseResponseTests(LiveServerTestCase):
    def test_requests_get_an_event_stream_by_default(self) -> None:
        response = send(self.server.mcp_url, PING)
        self.assertTrue(response.headers["content-type"].startswith("text/event-stream"))
